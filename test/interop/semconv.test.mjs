// Semantic conventions: the resource, span attributes, exception events and instrumentation scope
// exactly as CONTRACT.md "What a span carries" says, decoded at the receiver with the official
// schema. "Exactly" means the full key sets are compared, so an extra or a renamed attribute fails.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { byName, childrenOf, formatTree, one, startReceiver } from '../peers/index.js';
import { PROBE, VERSION, assertExit0, describeRun, readMarkers, requireEnv, runProbe, warningsAbout } from './lib/common.mjs';

const TREE_SPANS = 10; // run, stage x2, leaf x2, a lambda, fail_on_purpose; on the worker: worker_task, stage, leaf

async function probeSpans(args, env, expect) {
  const receiver = await startReceiver();
  try {
    const run = await runProbe(receiver, args, env, { expect });
    const spans = receiver.spans();
    assertExit0(run, spans);
    assert.equal(spans.length, expect, describeRun(run, spans));
    return { run, spans };
  } finally {
    await receiver.close();
  }
}

function sdkResource(run, serviceName) {
  return {
    'service.name': serviceName,
    'telemetry.sdk.name': 'autospan',
    'telemetry.sdk.language': 'cpp',
    'telemetry.sdk.version': VERSION(),
    'process.pid': run.pid,
    'host.name': os.hostname(),
  };
}

describe('resource', () => {
  test('default: exactly service.name=unknown_service:<executable>, telemetry.sdk.*, process.pid, host.name', async () => {
    const { run, spans } = await probeSpans(['roots', '1'], {}, 1);
    const { resource } = spans[0];
    assert.deepEqual(resource.attributes, sdkResource(run, `unknown_service:${path.basename(PROBE())}`));
    assert.deepEqual(resource.duplicateAttributeKeys, []);
    assert.equal(typeof resource.attributes['process.pid'], 'number', 'process.pid is an int attribute');
  });

  test('OTEL_SERVICE_NAME sets service.name', async () => {
    const { run, spans } = await probeSpans(['roots', '1'], { OTEL_SERVICE_NAME: 'checkout' }, 1);
    assert.deepEqual(spans[0].resource.attributes, sdkResource(run, 'checkout'));
  });

  test('OTEL_RESOURCE_ATTRIBUTES: key=value pairs, percent-decoded, whitespace trimmed, added to the resource', async () => {
    const { run, spans } = await probeSpans(['roots', '1'], {
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod%20eu, team = a%2Cb%3Dc ,currency=%E2%82%AC',
    }, 1);
    assert.deepEqual(spans[0].resource.attributes, {
      ...sdkResource(run, `unknown_service:${path.basename(PROBE())}`),
      'deployment.environment.name': 'prod eu',
      team: 'a,b=c',
      currency: '€',
    });
    assert.deepEqual(warningsAbout(run.stderr, 'OTEL_RESOURCE_ATTRIBUTES'), []);
  });

  test('service.name from OTEL_RESOURCE_ATTRIBUTES; OTEL_SERVICE_NAME wins over it', async () => {
    const fromAttrs = await probeSpans(['roots', '1'], { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes' }, 1);
    assert.equal(fromAttrs.spans[0].resource.attributes['service.name'], 'from-attributes');
    const both = await probeSpans(['roots', '1'], { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes', OTEL_SERVICE_NAME: 'from-service-name' }, 1);
    assert.equal(both.spans[0].resource.attributes['service.name'], 'from-service-name');
    assert.deepEqual(both.spans[0].resource.duplicateAttributeKeys, []);
  });

  test('a malformed OTEL_RESOURCE_ATTRIBUTES entry: one warning naming the variable', async () => {
    const { run, spans } = await probeSpans(['roots', '1'], { OTEL_RESOURCE_ATTRIBUTES: 'no-equals-sign,k=v' }, 1);
    assert.equal(warningsAbout(run.stderr, 'OTEL_RESOURCE_ATTRIBUTES').length, 1, run.stderr);
    assert.equal(spans[0].resource.attributes['no-equals-sign'], undefined);
  });
});

describe('spans', () => {
  let run;
  let spans;
  const markers = () => readMarkers(requireEnv('AUTOSPAN_INTEROP_PROBE_SOURCE'));
  before(async () => {
    ({ run, spans } = await probeSpans(['tree'], { OTEL_SERVICE_NAME: 'semconv' }, TREE_SPANS));
  });

  test('auto spans: kind INTERNAL, named after the qualified function', () => {
    const names = new Set(spans.map((s) => s.name));
    for (const name of ['probe_app::run', 'probe_app::stage', 'probe_app::leaf', 'probe_app::fail_on_purpose', 'probe_app::worker_task']) {
      assert.ok(names.has(name), `${name} missing\n${formatTree(spans)}`);
    }
    assert.ok(spans.some((s) => /^probe_app::run::<lambda at [^>]*probe\.cpp:\d+(:\d+)?>$/.test(s.name)), formatTree(spans));
    for (const s of spans) assert.equal(s.kind, 'INTERNAL', s.name);
  });

  test('main thread spans: exactly code.function.name, code.file.path, code.line.number, thread.id', () => {
    const source = requireEnv('AUTOSPAN_INTEROP_PROBE_SOURCE');
    for (const s of spans.filter((x) => x.attributes['thread.id'] === run.pid)) {
      assert.deepEqual(Object.keys(s.attributes).sort(), ['code.file.path', 'code.function.name', 'code.line.number', 'thread.id'], s.name);
      assert.equal(s.attributes['code.function.name'], s.name);
      assert.equal(path.resolve(s.attributes['code.file.path']), path.resolve(source), 'code.file.path names the source file');
      assert.ok(path.isAbsolute(s.attributes['code.file.path']), 'code.file.path is absolute (semconv: "preferably an absolute file path")');
      // A lambda's line is the one in its name.
      const line = markers().get(s.name) ?? Number(/probe\.cpp:(\d+)/.exec(s.name)?.[1]);
      assert.equal(s.attributes['code.line.number'], line, `${s.name} code.line.number`);
      assert.deepEqual(s.duplicateAttributeKeys, []);
    }
    assert.equal(byName(spans, 'probe_app::run')[0].attributes['thread.id'], run.pid, 'thread.id is the kernel tid (the pid on the main thread)');
  });

  test('named worker thread: thread.name and its own thread.id on every span it ran', () => {
    const worker = one(spans, 'probe_app::worker_task');
    const tid = worker.attributes['thread.id'];
    assert.equal(typeof tid, 'number');
    assert.notEqual(tid, run.pid);
    const onWorker = spans.filter((s) => s.attributes['thread.id'] === tid);
    assert.equal(onWorker.length, 3, formatTree(spans)); // worker_task, stage, leaf
    for (const s of onWorker) {
      assert.equal(s.attributes['thread.name'], 'probe-worker', s.name);
      assert.deepEqual(Object.keys(s.attributes).sort(), ['code.file.path', 'code.function.name', 'code.line.number', 'thread.id', 'thread.name'], s.name);
    }
    for (const s of spans.filter((x) => x.attributes['thread.id'] === run.pid)) {
      assert.equal(s.attributes['thread.name'], undefined, `${s.name}: the main thread is unnamed (same as the process)`);
    }
  });

  test('an exception leaving a function: status ERROR, one exception event with exactly type and message', () => {
    const failed = one(spans, 'probe_app::fail_on_purpose');
    assert.equal(failed.status.code, 'ERROR');
    assert.equal(failed.events.length, 1);
    const [event] = failed.events;
    assert.equal(event.name, 'exception');
    assert.deepEqual(event.attributes, { 'exception.type': 'std::runtime_error', 'exception.message': 'probe failure: expected' });
    assert.ok(BigInt(event.timeUnixNano) >= BigInt(failed.startTimeUnixNano) && BigInt(event.timeUnixNano) <= BigInt(failed.endTimeUnixNano));
    const run0 = one(spans, 'probe_app::run');
    assert.notEqual(run0.status.code, 'ERROR', 'caught by run(): the exception never left it');
    assert.deepEqual(run0.events, []);
    assert.ok(childrenOf(spans, run0).includes(failed));
  });

  test('instrumentation scope: name autospan, the library version', () => {
    for (const s of spans) assert.deepEqual({ name: s.scope.name, version: s.scope.version }, { name: 'autospan', version: VERSION() }, s.name);
  });
});

describe('manual spans', () => {
  test('kind, attributes of every OTLP value type, events, status, same scope and resource', async () => {
    const { run, spans } = await probeSpans(['manual', '1', '3', '2', '0'], { OTEL_SERVICE_NAME: 'manual' }, 1);
    const s = one(spans, 'probe.manual');
    assert.equal(s.kind, 'CLIENT');
    assert.equal(s.status.code, 'OK');
    assert.deepEqual(s.attributes, {
      'str.0': 'aaa',
      'type.bool': true,
      'type.int': -42,
      'type.double': 2.5,
      'type.bool_array': [true, false],
      'type.int_array': [1, 2, 3],
      'type.double_array': [0.5, 1.5],
      'type.string_array': ['short', 'a-long-string-value-that-a-length-limit-would-truncate'],
      'thread.id': run.pid,
    });
    assert.deepEqual(s.events.map((e) => [e.name, e.attributes]), [
      ['event.0', { 'event.index': 0, 'event.text': 'an event attribute value of some length' }],
      ['event.1', { 'event.index': 1, 'event.text': 'an event attribute value of some length' }],
    ]);
    assert.deepEqual({ name: s.scope.name, version: s.scope.version }, { name: 'autospan', version: VERSION() });
    assert.deepEqual(s.resource.attributes, sdkResource(run, 'manual'));
  });

  test('links: the linked span context and the link attributes', async () => {
    const { spans } = await probeSpans(['manual', '0', '0', '0', '2'], {}, 3);
    const s = one(spans, 'probe.manual');
    assert.equal(s.links.length, 2);
    s.links.forEach((link, i) => {
      const target = one(spans, `probe.linked.${i}`);
      assert.equal(link.traceId, target.traceId);
      assert.equal(link.spanId, target.spanId);
      assert.deepEqual(link.attributes, { 'link.index': i });
      assert.notEqual(target.traceId, s.traceId, 'linked spans were started as new traces');
    });
  });
});
