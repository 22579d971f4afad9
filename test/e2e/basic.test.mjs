// End to end: test/e2e/programs/basic.cpp compiled with the autospan plugin (namespace e2e_app),
// run against the real OTLP receiver on loopback; spans decoded with the official schema.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertParent, assertTree, byName, formatTree, one, roots, runProgram, startReceiver } from '../peers/index.js';
import { assertCleanRequests, closedPort, describeRun, markerMatches, nameCounts, readJsonLines, readMarkers, requireEnv } from './helpers.mjs';

const PROGRAM = requireEnv('AUTOSPAN_E2E_BASIC');
const PLAIN = requireEnv('AUTOSPAN_E2E_BASIC_PLAIN');
const SOURCE = requireEnv('AUTOSPAN_E2E_BASIC_SOURCE');
const VERSION = requireEnv('AUTOSPAN_VERSION');
const PIPELINE_ID = 'e2e-pipeline-42';
const LAMBDA = /^e2e_app::Worker::step::<lambda at [^>]*basic\.cpp:\d+(:\d+)?>$/;

// With AUTOSPAN_MIN_DURATION=1ms: fast_leaf (no work) is dropped, e2e_support::pause_ms is not
// selected, hidden() is opted out; its slow_leaf call is kept under run_all.
const EXPECTED_TREE = {
  name: 'e2e_app::run_all',
  children: [
    { name: 'e2e_app::slow_leaf', count: 2 },
    { name: 'e2e_app::scaled' },
    { name: 'e2e_app::Worker::step', children: [{ name: LAMBDA }] },
    { name: 'e2e_app::guarded', children: [{ name: 'e2e_app::risky', children: [{ name: 'e2e_app::parse' }] }] },
  ],
};
const EXPECTED_COUNT = 10; // the tree above (9) plus the explode root

let plain; // the uninstrumented build's behaviour, the reference for every run
before(async () => {
  plain = await runProgram(PLAIN, ['--fail']);
  assert.equal(plain.code, 3, describeRun(plain));
});

function assertSameBehaviour(run) {
  assert.equal(run.code, plain.code, `exit code differs from the uninstrumented build\n${describeRun(run)}`);
  assert.equal(run.stdout, plain.stdout, 'stdout differs from the uninstrumented build');
}

describe('instrumented program -> OTLP/HTTP protobuf -> receiver', () => {
  let receiver;
  let run;
  let spans;
  before(async () => {
    receiver = await startReceiver();
    run = await runProgram(PROGRAM, ['--fail'], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SERVICE_NAME: 'e2e-basic',
        AUTOSPAN_PIPELINE_ID: PIPELINE_ID,
        AUTOSPAN_MIN_DURATION: '1ms',
      },
    });
    // Export is finished when the program has exited; the short wait only makes a missing span
    // fail with the tree in the message rather than with a count.
    await receiver.waitForSpans(EXPECTED_COUNT, 2000).catch(() => {});
    spans = receiver.spans();
  });
  after(() => receiver.close());

  test('behaviour unchanged: same stdout and exit code as the uninstrumented build', () => {
    assertSameBehaviour(run);
  });

  test('requests decode cleanly with the official OTLP schema', () => {
    assertCleanRequests(receiver);
    assert.equal(receiver.requests()[0].headers['content-type'], 'application/x-protobuf');
  });

  test('each expected span exactly once, and nothing else', () => {
    const lambdaName = spans.find((s) => LAMBDA.test(s.name))?.name ?? '(lambda span missing)';
    assert.deepEqual(nameCounts(spans), nameCounts([
      'e2e_app::run_all', 'e2e_app::slow_leaf', 'e2e_app::slow_leaf', 'e2e_app::scaled',
      'e2e_app::Worker::step', lambdaName, 'e2e_app::guarded', 'e2e_app::risky', 'e2e_app::parse',
      'e2e_app::explode',
    ].map((name) => ({ name }))), describeRun(run, spans));
    assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'span ids are unique');
  });

  test('no span for the opted-out function, calls under the minimum duration, or unselected code', () => {
    assert.equal(spans.length, EXPECTED_COUNT, formatTree(spans));
    assert.deepEqual(byName(spans, /hidden|fast_leaf|pause_ms|main/).map((s) => s.name), []);
  });

  test('parents and trace ids form the call tree', () => {
    const root = one(spans, 'e2e_app::run_all');
    assertTree(spans, root, EXPECTED_TREE);
    const explode = one(spans, 'e2e_app::explode');
    assert.deepEqual(roots(spans).map((s) => s.name).sort(), ['e2e_app::explode', 'e2e_app::run_all']);
    assert.equal(root.parentSpanId, '');
    assert.equal(explode.parentSpanId, '');
    assert.notEqual(explode.traceId, root.traceId, 'two top-level calls are two traces');
    for (const s of spans) {
      if (s !== explode) assert.equal(s.traceId, root.traceId, `${s.name} is in run_all's trace`);
      assert.match(s.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(s.traceId, '0'.repeat(32));
    }
    // The opted-out function's callee attaches to the nearest traced caller.
    for (const leaf of byName(spans, 'e2e_app::slow_leaf')) assertParent(spans, leaf, root);
  });

  test('children run within their parents; kept calls are at least their sleep long', () => {
    for (const s of spans) {
      assert.ok(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano), `${s.name} ends before it starts`);
      const parent = spans.find((p) => p.spanId === s.parentSpanId);
      if (!parent) continue;
      assert.ok(BigInt(s.startTimeUnixNano) >= BigInt(parent.startTimeUnixNano), `${s.name} starts before ${parent.name}`);
      assert.ok(BigInt(s.endTimeUnixNano) <= BigInt(parent.endTimeUnixNano), `${s.name} ends after ${parent.name}`);
    }
    for (const leaf of byName(spans, 'e2e_app::slow_leaf')) assert.ok(leaf.durationNs >= 5e6, `slow_leaf took ${leaf.durationNs} ns`);
    const nowNs = BigInt(Date.now()) * 1000000n;
    const startNs = one(spans, 'e2e_app::run_all').startTimeUnixNano;
    assert.ok(nowNs - BigInt(startNs) < 600n * 1000000000n, `root start ${startNs} is not wall-clock time`);
  });

  test('the pipeline id is on every root span and on no other span', () => {
    assert.equal(roots(spans).length, 2, formatTree(spans));
    for (const s of spans) {
      if (s.parentSpanId === '') assert.equal(s.attributes['pipeline.id'], PIPELINE_ID, `root ${s.name}`);
      else assert.equal(s.attributes['pipeline.id'], undefined, `${s.name} is not a root but has pipeline.id`);
    }
  });

  test('code.function.name, code.file.path, code.line.number', () => {
    const markers = readMarkers(SOURCE).filter((m) => !/fast_leaf/.test(m.name));
    assert.equal(markers.length, 9);
    for (const marker of markers) {
      const span = spans.find((s) => markerMatches(marker, s));
      assert.ok(span, `no span for ${marker.name}\n${formatTree(spans)}`);
      const where = `${span.name}: ${JSON.stringify(span.attributes)}`;
      assert.equal(typeof span.attributes['code.function.name'], 'string', where);
      // Templates may carry their arguments (e2e_app::scaled<int>); the span name never does.
      const fn = span.attributes['code.function.name'];
      if (!marker.prefix) assert.ok(fn === marker.name || fn.startsWith(`${marker.name}<`), where);
      assert.ok(String(span.attributes['code.file.path']).endsWith('test/e2e/programs/basic.cpp'), where);
      assert.equal(span.attributes['code.line.number'], marker.line, where);
    }
  });

  test('thread.id is the id of the thread that ran the call (here the main thread: tid == pid)', () => {
    assert.ok(spans.length > 0, 'no spans');
    for (const s of spans) assert.equal(s.attributes['thread.id'], run.pid, s.name);
  });

  test('kind INTERNAL, scope autospan with the library version', () => {
    assert.ok(spans.length > 0, 'no spans');
    for (const s of spans) {
      assert.equal(s.kind, 'INTERNAL', s.name);
      assert.equal(s.scope.name, 'autospan');
      assert.equal(s.scope.version, VERSION);
    }
  });

  test('resource attributes', () => {
    const { attributes } = spans[0].resource;
    assert.equal(attributes['service.name'], 'e2e-basic');
    assert.equal(attributes['telemetry.sdk.name'], 'autospan');
    assert.equal(attributes['telemetry.sdk.language'], 'cpp');
    assert.equal(attributes['telemetry.sdk.version'], VERSION);
    assert.equal(attributes['process.pid'], run.pid);
    assert.equal(attributes['host.name'], os.hostname());
    for (const s of spans) assert.deepEqual(s.resource.attributes, attributes);
  });

  test('an exception leaving a function: status ERROR and an exception event', () => {
    const expectError = (name, type, message) => {
      const s = one(spans, name);
      assert.equal(s.status.code, 'ERROR', `${name} status`);
      const events = s.events.filter((e) => e.name === 'exception');
      assert.equal(events.length, 1, `${name} has one exception event`);
      assert.equal(events[0].attributes['exception.type'], type);
      assert.equal(events[0].attributes['exception.message'], message);
      assert.ok(BigInt(events[0].timeUnixNano) >= BigInt(s.startTimeUnixNano));
      assert.ok(BigInt(events[0].timeUnixNano) <= BigInt(s.endTimeUnixNano));
    };
    expectError('e2e_app::parse', 'std::invalid_argument', 'bad record 7');
    expectError('e2e_app::risky', 'std::invalid_argument', 'bad record 7');
    expectError('e2e_app::explode', 'std::runtime_error', 'explode failed on purpose');
    // Caught inside: the exception never left guarded(), nor anything above it.
    for (const name of ['e2e_app::guarded', 'e2e_app::run_all', 'e2e_app::scaled']) {
      const s = one(spans, name);
      assert.notEqual(s.status.code, 'ERROR', name);
      assert.deepEqual(s.events.filter((e) => e.name === 'exception'), [], name);
    }
  });
});

describe('without a minimum duration', () => {
  test('short calls are kept; default service.name is unknown_service:<executable>', async () => {
    const receiver = await startReceiver();
    try {
      const run = await runProgram(PROGRAM, [], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
      assert.equal(run.code, 0, describeRun(run));
      const spans = receiver.spans();
      const fast = byName(spans, 'e2e_app::fast_leaf');
      assert.equal(fast.length, 3, describeRun(run, spans));
      for (const f of fast) assertParent(spans, f, one(spans, 'e2e_app::run_all'));
      assert.equal(byName(spans, 'e2e_app::explode').length, 0);
      assert.equal(spans[0].resource.attributes['service.name'], `unknown_service:${path.basename(PROGRAM)}`);
      assert.equal(one(spans, 'e2e_app::run_all').attributes['pipeline.id'], undefined, 'no AUTOSPAN_PIPELINE_ID, no attribute');
    } finally {
      await receiver.close();
    }
  });
});

describe('no collector', () => {
  // Retrying a refused connection is allowed (OTLP treats it as transient), but the exit flush
  // must stay within OTEL_BSP_EXPORT_TIMEOUT; with the default (30 s) the test would idle.
  test('exits within the export timeout, behaves the same, reports the dropped spans on stderr', async () => {
    const port = await closedPort();
    const run = await runProgram(PROGRAM, ['--fail'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_EXPORT_TIMEOUT: '2000' },
      timeoutMs: 60000,
    });
    assertSameBehaviour(run);
    assert.ok(run.elapsedMs < 6000, `took ${run.elapsedMs} ms to exit without a collector (limit 2000 ms + start-up)`);
    assert.match(run.stderr, /\b\d+\b[^\n]*\bdropped\b|\bdropped\b[^\n]*\b\d+\b/i, describeRun(run));
  });
});

describe('file and console exporters', () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autospan-e2e-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('OTEL_TRACES_EXPORTER=file writes OTLP JSON lines the receiver decodes', async () => {
    const file = path.join(dir, 'spans.jsonl');
    const run = await runProgram(PROGRAM, ['--fail'], {
      env: { OTEL_TRACES_EXPORTER: 'file', AUTOSPAN_FILE: file, AUTOSPAN_MIN_DURATION: '1ms', AUTOSPAN_PIPELINE_ID: PIPELINE_ID },
    });
    assertSameBehaviour(run);
    const spans = readJsonLines(file);
    assert.equal(spans.length, EXPECTED_COUNT, formatTree(spans));
    assertTree(spans, one(spans, 'e2e_app::run_all'), EXPECTED_TREE);
    assert.equal(one(spans, 'e2e_app::run_all').attributes['pipeline.id'], PIPELINE_ID);
    assert.equal(one(spans, 'e2e_app::parse').status.code, 'ERROR');
  });

  test('OTEL_TRACES_EXPORTER=console prints the span tree on stderr, stdout untouched', async () => {
    const run = await runProgram(PROGRAM, ['--fail'], {
      env: { OTEL_TRACES_EXPORTER: 'console', AUTOSPAN_MIN_DURATION: '1ms' },
    });
    assertSameBehaviour(run);
    for (const name of ['e2e_app::run_all', 'e2e_app::slow_leaf', 'e2e_app::Worker::step', 'e2e_app::parse', 'e2e_app::explode']) {
      assert.ok(run.stderr.includes(name), `console output lacks ${name}\n${run.stderr}`);
    }
    assert.ok(!run.stderr.includes('fast_leaf'), 'console shows a dropped call');
    // A tree: the child is printed after its parent, indented further.
    const lines = run.stderr.split('\n');
    const parentLine = lines.findIndex((l) => l.includes('e2e_app::risky'));
    const childLine = lines.findIndex((l) => l.includes('e2e_app::parse'));
    assert.ok(parentLine >= 0 && childLine > parentLine, run.stderr);
    const indent = (l) => l.search(/e2e_app::/);
    assert.ok(indent(lines[childLine]) > indent(lines[parentLine]), `child not indented under its parent\n${run.stderr}`);
  });
});
