// OTLP protocols against real peers: the instrumented probe exports the same spans over
// http/protobuf, http/json (each with and without gzip) and OTLP/gRPC (a @grpc/grpc-js server);
// every request is decoded with the official OpenTelemetry schema, and the decoded spans must be
// identical whatever the protocol.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatTree, one, parseFaultSpec, startReceiver } from '../peers/index.js';
import { addGrpcTransport } from '../peers/lib/transports/grpc.js';
import { assertExit0, describeRun, runProbe, warningsAbout } from './lib/common.mjs';

const TREE_SPANS = 10; // run, stage x2, leaf x2, a lambda, fail_on_purpose; on the worker: worker_task, stage, leaf

// What the receiver saw, for a failure message: one line per request.
function describeRequests(requests) {
  return '\n--- requests\n' + requests.map((r) => `#${r.id} ${r.time} ${r.transport} ${r.spanCount} spans, ${r.bodyBytes} B [${r.spanIds.join(" ")}] -> ${JSON.stringify(r.response)}`).join('\n');
}

// What a protocol must not change: names, parentage, attributes, events, status, resource.
function essence(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  return spans
    .map((s) => ({
      name: s.name,
      parent: byId.get(s.parentSpanId)?.name ?? '',
      kind: s.kind,
      status: s.status.code,
      attributeKeys: Object.keys(s.attributes).sort(),
      codeLine: s.attributes['code.line.number'],
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      resourceKeys: Object.keys(s.resource.attributes).sort(),
      scope: `${s.scope.name}@${s.scope.version}`,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function exportTree(env, { grpc = false } = {}) {
  const receiver = await startReceiver();
  try {
    let endpoint = receiver.endpoint;
    if (grpc) endpoint = (await addGrpcTransport(receiver)).endpoint;
    const run = await runProbe(receiver, ['tree'], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...env }, { expect: TREE_SPANS });
    return { run, spans: receiver.spans(), requests: receiver.requests() };
  } finally {
    await receiver.close();
  }
}

function assertCleanRequests(requests, { transport, encoding, contentEncoding }) {
  assert.ok(requests.length > 0, 'no export request arrived');
  for (const r of requests) {
    assert.equal(r.error, null, `request ${r.id} did not decode: ${r.error}`);
    assert.deepEqual(r.warnings, [], `request ${r.id} has OTLP/JSON problems`);
    assert.equal(r.transport, transport);
    assert.equal(r.encoding, encoding);
    if (contentEncoding !== undefined) assert.equal(r.contentEncoding, contentEncoding);
  }
}

describe('OTLP protocols, decoded by the official schema', () => {
  let reference;

  test('http/protobuf (the default) is the reference', async () => {
    const { run, spans, requests } = await exportTree({});
    assertExit0(run, spans);
    assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
    assertCleanRequests(requests, { transport: 'http', encoding: 'protobuf', contentEncoding: '' });
    assert.equal(requests[0].headers['content-type'], 'application/x-protobuf');
    assert.equal(requests[0].path, '/v1/traces');
    reference = essence(spans);
  });

  const variants = [
    { title: 'http/json', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, transport: 'http', encoding: 'json', contentEncoding: '', contentType: 'application/json' },
    { title: 'http/protobuf + gzip', env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, transport: 'http', encoding: 'protobuf', contentEncoding: 'gzip', contentType: 'application/x-protobuf' },
    { title: 'http/json + gzip', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, transport: 'http', encoding: 'json', contentEncoding: 'gzip', contentType: 'application/json' },
    { title: 'grpc over h2c (@grpc/grpc-js)', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, grpc: true, transport: 'grpc', encoding: 'protobuf' },
    { title: 'grpc + gzip (grpc-encoding)', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, grpc: true, transport: 'grpc', encoding: 'protobuf' },
    { title: 'grpc via OTEL_EXPORTER_OTLP_TRACES_PROTOCOL over a generic http/json', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, grpc: true, transport: 'grpc', encoding: 'protobuf' },
  ];
  for (const v of variants) {
    test(`${v.title}: same spans as http/protobuf`, async () => {
      const { run, spans, requests } = await exportTree(v.env, { grpc: v.grpc });
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
      assertCleanRequests(requests, v);
      if (v.contentType) assert.equal(requests[0].headers['content-type'], v.contentType);
      if (v.transport === 'grpc') {
        assert.equal(requests[0].path, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
        // grpc-js inflates the message and hides grpc-encoding; the HTTP/2 body length tells:
        // the 5-byte frame prefix plus the message as sent.
        const sent = Number(requests[0].headers['content-length']);
        if (v.env.OTEL_EXPORTER_OTLP_COMPRESSION === 'gzip') assert.ok(sent < requests[0].bodyBytes / 2, `compressed frame ${sent} B for ${requests[0].bodyBytes} B`);
        else assert.equal(sent, requests[0].bodyBytes + 5);
      }
      assert.deepEqual(warningsAbout(run.stderr, 'warning'), [], 'no runtime warning');
      assert.ok(reference, 'the reference test ran first');
      assert.deepEqual(essence(spans), reference, formatTree(spans));
    });
  }

  test('gzip really compresses: the gzip body is smaller than the plain one', async () => {
    const plain = await exportTree({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    const gz = await exportTree({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    const bytes = (rs) => rs.reduce((n, r) => n + r.bodyBytes, 0);
    assert.ok(bytes(gz.requests) < bytes(plain.requests) / 2, `gzip ${bytes(gz.requests)} B vs plain ${bytes(plain.requests)} B`);
  });

  test('grpc: a RESOURCE_EXHAUSTED answer is retried, the spans arrive once', async () => {
    const receiver = await startReceiver();
    try {
      const grpc = await addGrpcTransport(receiver);
      receiver.faults.push(parseFaultSpec('429'));
      const run = await runProbe(receiver, ['tree'], { OTEL_EXPORTER_OTLP_ENDPOINT: grpc.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, { expect: TREE_SPANS });
      const spans = receiver.spans();
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS, describeRun(run, spans));
      const requests = receiver.requests();
      assert.equal(requests.length, 2, 'one rejected attempt, one accepted retry\n' + describeRun(run, spans) + describeRequests(requests));
      assert.deepEqual(requests[1].spanIds, requests[0].spanIds, 'the retry carries the same spans');
      one(spans, 'probe_app::run');
    } finally {
      await receiver.close();
    }
  });

  test('grpc: an INVALID_ARGUMENT answer is not retried and is reported once', async () => {
    const receiver = await startReceiver();
    try {
      const grpc = await addGrpcTransport(receiver);
      receiver.faults.push(parseFaultSpec('400:message=schema%20says%20no'));
      const run = await runProbe(receiver, ['tree'], { OTEL_EXPORTER_OTLP_ENDPOINT: grpc.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
      assertExit0(run);
      const requests = receiver.requests();
      assert.equal(requests.length, 1, describeRun(run) + describeRequests(requests));
      assert.equal(receiver.spans().length, 0);
      assert.match(run.stderr, /schema says no/, 'the collector\'s grpc-message is in the log');
    } finally {
      await receiver.close();
    }
  });
});
