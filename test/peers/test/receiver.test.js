// Self-tests of the receiver: every request is real OTLP bytes built with the official schema,
// sent over loopback HTTP, and decoded by the receiver under test.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { ExportTraceServiceResponse, encodeRequest } from '../lib/otlp.js';
import { assertTree, formatTree, one, spawnReceiver, startReceiver } from '../index.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const CHILD = 'eee19b7ec3c1b173';
const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

// One request with a root and a child, in protobufjs object form (ids as bytes).
function sampleObject() {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'process.pid', value: { intValue: 42 } }] },
      scopeSpans: [{
        scope: { name: 'autospan', version: '0.1.0' },
        spans: [
          {
            traceId: hex(TRACE), spanId: hex(ROOT), name: 'app::root', kind: 1,
            startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '1700000000223456789',
            attributes: [
              { key: 'pipeline.id', value: { stringValue: 'p-1' } },
              { key: 'code.line.number', value: { intValue: 12 } },
              { key: 'ratio', value: { doubleValue: 0.5 } },
              { key: 'flag', value: { boolValue: true } },
              { key: 'list', value: { arrayValue: { values: [{ intValue: 1 }, { intValue: 2 }] } } },
            ],
          },
          {
            traceId: hex(TRACE), spanId: hex(CHILD), parentSpanId: hex(ROOT), name: 'app::child', kind: 1,
            startTimeUnixNano: '1700000000130000000', endTimeUnixNano: '1700000000140000000',
            status: { code: 2, message: 'boom' },
            events: [{ name: 'exception', timeUnixNano: '1700000000139000000', attributes: [{ key: 'exception.type', value: { stringValue: 'std::runtime_error' } }] }],
          },
        ],
      }],
    }],
  };
}

// The same request in OTLP/JSON (hex ids, integer enums, int64 as strings).
function sampleJson() {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'process.pid', value: { intValue: '42' } }] },
      scopeSpans: [{
        scope: { name: 'autospan', version: '0.1.0' },
        spans: [
          {
            traceId: TRACE, spanId: ROOT, parentSpanId: '', name: 'app::root', kind: 1,
            startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '1700000000223456789',
            attributes: [
              { key: 'pipeline.id', value: { stringValue: 'p-1' } },
              { key: 'code.line.number', value: { intValue: '12' } },
              { key: 'ratio', value: { doubleValue: 0.5 } },
              { key: 'flag', value: { boolValue: true } },
              { key: 'list', value: { arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }] } } },
            ],
          },
          {
            traceId: TRACE, spanId: CHILD, parentSpanId: ROOT, name: 'app::child', kind: 1,
            startTimeUnixNano: '1700000000130000000', endTimeUnixNano: '1700000000140000000',
            status: { code: 2, message: 'boom' },
            events: [{ name: 'exception', timeUnixNano: '1700000000139000000', attributes: [{ key: 'exception.type', value: { stringValue: 'std::runtime_error' } }] }],
          },
        ],
      }],
    }],
  };
}

async function post(receiver, body, headers, { timeoutMs = 5000 } = {}) {
  return fetch(`${receiver.endpoint}/v1/traces`, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
}
const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

function checkSample(spans) {
  assert.equal(spans.length, 2);
  const root = one(spans, 'app::root');
  const child = one(spans, 'app::child');
  assert.equal(root.traceId, TRACE);
  assert.equal(root.spanId, ROOT);
  assert.equal(root.parentSpanId, '');
  assert.equal(child.parentSpanId, ROOT);
  assert.equal(root.kind, 'INTERNAL');
  assert.equal(root.startTimeUnixNano, '1700000000123456789'); // exact: no float rounding
  assert.equal(root.durationNs, 100000000);
  assert.deepEqual(root.attributes, { 'pipeline.id': 'p-1', 'code.line.number': 12, ratio: 0.5, flag: true, list: [1, 2] });
  assert.deepEqual(root.resource.attributes, { 'service.name': 'svc', 'process.pid': 42 });
  assert.deepEqual({ name: root.scope.name, version: root.scope.version }, { name: 'autospan', version: '0.1.0' });
  assert.deepEqual(child.status, { code: 'ERROR', message: 'boom' });
  assert.equal(child.events[0].name, 'exception');
  assert.equal(child.events[0].attributes['exception.type'], 'std::runtime_error');
  assertTree(spans, root, { name: 'app::root', children: [{ name: 'app::child' }] });
}

describe('in-process receiver', () => {
  let receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset());

  test('decodes OTLP protobuf into normalised spans', async () => {
    const res = await post(receiver, encodeRequest(sampleObject()), { ...PROTO, 'x-api-key': 'secret' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const decoded = ExportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer()));
    assert.equal(decoded.partialSuccess, null);
    checkSample(receiver.spans());
    const [request] = receiver.requests();
    assert.equal(request.encoding, 'protobuf');
    assert.equal(request.headers['x-api-key'], 'secret');
    assert.equal(request.spanCount, 2);
  });

  test('decodes OTLP/JSON to the same spans, without warnings', async () => {
    const res = await post(receiver, JSON.stringify(sampleJson()), JSON_CT);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), {});
    checkSample(receiver.spans());
    assert.deepEqual(receiver.requests()[0].warnings, []);
  });

  test('gzip Content-Encoding, both encodings', async () => {
    await post(receiver, zlib.gzipSync(encodeRequest(sampleObject())), { ...PROTO, 'content-encoding': 'gzip' });
    checkSample(receiver.spans());
    receiver.reset();
    await post(receiver, zlib.gzipSync(JSON.stringify(sampleJson())), { ...JSON_CT, 'content-encoding': 'gzip' });
    checkSample(receiver.spans());
    assert.equal(receiver.requests()[0].contentEncoding, 'gzip');
  });

  test('rejects malformed bodies with 400 and stores nothing', async () => {
    assert.equal((await post(receiver, Buffer.from([0x0a, 0xff, 0xff]), PROTO)).status, 400);
    const badId = sampleJson();
    badId.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'W7j/95gDgQPSabYzgT/GDA=='; // base64: wrong in OTLP/JSON
    assert.equal((await post(receiver, JSON.stringify(badId), JSON_CT)).status, 400);
    assert.equal((await post(receiver, '{not json', JSON_CT)).status, 400);
    assert.equal((await post(receiver, 'x', { 'content-type': 'text/plain' })).status, 415);
    assert.equal(receiver.spans().length, 0);
    assert.match(receiver.requests()[1].error, /traceId: expected 32 hex digits/);
  });

  test('flags sloppy but acceptable OTLP/JSON', async () => {
    const sloppy = sampleJson();
    const span = sloppy.resourceSpans[0].scopeSpans[0].spans[0];
    span.kind = 'SPAN_KIND_INTERNAL';
    span.trace_id_typo = 1;
    assert.equal((await post(receiver, JSON.stringify(sloppy), JSON_CT)).status, 200);
    const { warnings } = receiver.requests()[0];
    assert.ok(warnings.some((w) => /kind: enum given as a name/.test(w)), warnings.join());
    assert.ok(warnings.some((w) => /trace_id_typo: unknown field/.test(w)), warnings.join());
  });

  test('scripted 503 with Retry-After, then 400, then success', async () => {
    receiver.faults.push({ status: 503, retryAfter: 2 }, { status: 400, message: 'nope' });
    const body = encodeRequest(sampleObject());
    const r1 = await post(receiver, body, PROTO);
    assert.equal(r1.status, 503);
    assert.equal(r1.headers.get('retry-after'), '2');
    const r2 = await post(receiver, body, PROTO);
    assert.equal(r2.status, 400);
    assert.equal(receiver.spans().length, 0, 'failed requests store nothing');
    assert.equal((await post(receiver, body, PROTO)).status, 200);
    assert.equal(receiver.spans().length, 2);
    assert.deepEqual(receiver.requests().map((r) => r.response.status), [503, 400, 200]);
  });

  test('partial_success is encoded with the schema', async () => {
    receiver.faults.push({ partialSuccess: { rejectedSpans: 1, errorMessage: 'one too many' } });
    const res = await post(receiver, encodeRequest(sampleObject()), PROTO);
    assert.equal(res.status, 200);
    const decoded = ExportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer()));
    assert.equal(Number(decoded.partialSuccess.rejectedSpans), 1);
    assert.equal(decoded.partialSuccess.errorMessage, 'one too many');
  });

  test('delay, black hole and connection reset', async () => {
    receiver.faults.push({ delayMs: 300 }, { blackhole: true }, { reset: true });
    const body = encodeRequest(sampleObject());
    const t0 = Date.now();
    assert.equal((await post(receiver, body, PROTO)).status, 200);
    assert.ok(Date.now() - t0 >= 290, 'delayed answer');
    await assert.rejects(post(receiver, body, PROTO, { timeoutMs: 500 }), /timeout|aborted/i);
    await assert.rejects(post(receiver, body, PROTO), /fetch failed/);
    assert.equal((await post(receiver, body, PROTO)).status, 200, 'script used up: default answer');
  });

  test('stop and restart listening on the same port', async () => {
    const port = receiver.port;
    await receiver.stopListening();
    await assert.rejects(post(receiver, encodeRequest(sampleObject()), PROTO), /fetch failed/);
    await receiver.startListening();
    assert.equal(receiver.port, port);
    assert.equal((await post(receiver, encodeRequest(sampleObject()), PROTO)).status, 200);
  });

  test('waitForSpans resolves when spans arrive and times out otherwise', async () => {
    const waiting = receiver.waitForSpans(2, 5000);
    await post(receiver, encodeRequest(sampleObject()), PROTO);
    assert.equal((await waiting).length, 2);
    await assert.rejects(receiver.waitForSpans(3, 100), /timed out/);
  });

  test('assertTree reports a wrong tree', async () => {
    await post(receiver, encodeRequest(sampleObject()), PROTO);
    const spans = receiver.spans();
    const root = one(spans, 'app::root');
    assert.throws(() => assertTree(spans, root, { name: 'app::root', children: [] }), /unexpected child app::child/);
    assert.throws(() => assertTree(spans, root, { name: 'app::root', children: [{ name: 'app::child', count: 2 }] }), /expected 2 span/);
    assert.match(formatTree(spans), /app::root[^\n]*\n\s+app::child/);
  });
});

describe('receiver process', () => {
  let peer;
  let dir;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autospan-receiver-'));
    peer = await spawnReceiver(['--fault', '429:retry-after=1', '--out', path.join(dir, 'spans.jsonl'), '--port-file', path.join(dir, 'ready.json')]);
  });
  after(async () => {
    await peer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('ready line, port file, scripted fault from the command line', async () => {
    assert.equal(peer.event, 'ready');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'ready.json'), 'utf8')).port, peer.port);
    const body = encodeRequest(sampleObject());
    const r1 = await fetch(`${peer.endpoint}/v1/traces`, { method: 'POST', body, headers: PROTO });
    assert.equal(r1.status, 429);
    assert.equal(r1.headers.get('retry-after'), '1');
    assert.equal((await fetch(`${peer.endpoint}/v1/traces`, { method: 'POST', body, headers: PROTO })).status, 200);
    checkSample(await peer.get('/wait?spans=2&timeoutMs=5000'));
    const lines = fs.readFileSync(path.join(dir, 'spans.jsonl'), 'utf8').trim().split('\n');
    checkSample(lines.map((l) => JSON.parse(l)));
  });

  test('control endpoint: faults, outage, reset', async () => {
    await peer.post('/reset');
    await peer.post('/faults', { push: ['503:times=2'] });
    const body = encodeRequest(sampleObject());
    const send = () => fetch(`${peer.endpoint}/v1/traces`, { method: 'POST', body, headers: PROTO });
    assert.deepEqual([(await send()).status, (await send()).status, (await send()).status], [503, 503, 200]);
    await peer.post('/stop');
    assert.equal((await peer.get('/health')).listening, false);
    await assert.rejects(send(), /fetch failed/);
    await peer.post('/start');
    assert.equal((await send()).status, 200);
    assert.equal((await peer.get('/spans?name=app::root')).length, 2);
    assert.equal((await peer.get('/requests')).length, 4);
  });
});
