// W3C Trace Context and Baggage: inject/extract on carriers, OTEL_PROPAGATORS, and the
// environment carriers TRACEPARENT, TRACESTATE, BAGGAGE; what arrives at the receiver and what
// the probe prints. (Interop of the same formats with the OpenTelemetry JS SDK: js_sdk.test.mjs.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { one, startReceiver } from '../peers/index.js';
import { assertExit0, autospanLines, describeRun, parseTraceparent, printedFields, printedPairs, runProbe, warningsAbout } from './lib/common.mjs';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const TP = `00-${TRACE_ID}-${PARENT_ID}-01`;

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

async function probe(args, env = {}, expect = 0) {
  receiver.reset();
  const run = await runProbe(receiver, args, env, { expect });
  assertExit0(run);
  return { run, spans: receiver.spans() };
}

describe('inject', () => {
  test('default OTEL_PROPAGATORS (tracecontext,baggage): traceparent of the current span, percent-encoded baggage', async () => {
    const { run, spans } = await probe(['inject'], {}, 1);
    const headers = printedPairs(run.stdout, 'header');
    assert.deepEqual(Object.keys(headers).sort(), ['baggage', 'traceparent'], 'no tracestate when there is none');
    const tp = parseTraceparent(headers.traceparent);
    const client = one(spans, 'client');
    assert.deepEqual(tp, { version: '00', traceId: client.traceId, spanId: client.spanId, flags: '01' });
    assert.equal(headers.baggage, 'run_id=run%2042,thread_id=t-7');
  });

  for (const [propagators, expected] of [
    ['tracecontext', ['traceparent']],
    ['baggage', ['baggage']],
    ['none', []],
    ['baggage,tracecontext', ['baggage', 'traceparent']],
  ]) {
    test(`OTEL_PROPAGATORS=${propagators}: inject() and child_environment() write ${expected.join(' and ') || 'nothing'}`, async () => {
      const { run } = await probe(['inject'], { OTEL_PROPAGATORS: propagators }, 1);
      assert.deepEqual(Object.keys(printedPairs(run.stdout, 'header')).sort(), expected);
      assert.deepEqual(Object.keys(printedPairs(run.stdout, 'env')).sort(), expected.map((k) => k.toUpperCase()));
      assert.deepEqual(autospanLines(run.stderr), []);
    });
  }
});

describe('extract', () => {
  test('a valid traceparent, tracestate and baggage: the span continues the remote trace', async () => {
    const { run, spans } = await probe(['extract', TP, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'run_id=r%201;prop=x,other=2'], {}, 2);
    const { run_id: _, ...fields } = printedFields(run.stdout, 'extracted');
    assert.deepEqual(fields, { valid: '1', sampled: '1', remote: '1', trace_id: TRACE_ID, span_id: PARENT_ID });
    assert.match(run.stdout, /^extracted .* run_id=r 1$/m, 'baggage value percent-decoded, its properties dropped');
    const server = one(spans, 'server');
    assert.equal(server.traceId, TRACE_ID);
    assert.equal(server.parentSpanId, PARENT_ID);
    assert.equal(server.kind, 'SERVER');
    assert.equal(server.traceState, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    assert.equal(server.flags & 0x300, 0x300, 'parent is remote');
    assert.equal(one(spans, 'probe_app::handle_remote').parentSpanId, server.spanId);
    assert.equal(one(spans, 'probe_app::handle_remote').flags & 0x300, 0x100, 'a local parent: has is_remote, not remote');
  });

  test('a future version with extra fields is read by its first four fields (W3C: "parse as version 00")', async () => {
    const { run, spans } = await probe(['extract', `cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-holds`, '-', '-'], {}, 2);
    assert.equal(printedFields(run.stdout, 'extracted').valid, '1');
    assert.equal(one(spans, 'server').traceId, TRACE_ID);
  });

  for (const [why, traceparent] of [
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['short trace id', `00-${TRACE_ID.slice(2)}-${PARENT_ID}-01`],
    ['version 00 with extra fields', `00-${TRACE_ID}-${PARENT_ID}-01-extra`],
    ['garbage', 'not a traceparent'],
  ]) {
    test(`an invalid traceparent (${why}) is ignored: a new trace starts`, async () => {
      const { run, spans } = await probe(['extract', traceparent, '-', '-'], {}, 2);
      assert.equal(printedFields(run.stdout, 'extracted').valid, '0', describeRun(run, spans));
      const server = one(spans, 'server');
      assert.notEqual(server.traceId, TRACE_ID);
      assert.equal(server.parentSpanId, '');
    });
  }

  test('sampled flag 00: the parent-based default records nothing below it', async () => {
    const { run, spans } = await probe(['extract', `00-${TRACE_ID}-${PARENT_ID}-00`, '-', '-']);
    assert.equal(printedFields(run.stdout, 'extracted').sampled, '0');
    assert.deepEqual(spans, []);
  });

  test('OTEL_PROPAGATORS=baggage: the traceparent is not extracted, the baggage is', async () => {
    const { run, spans } = await probe(['extract', TP, '-', 'run_id=b'], { OTEL_PROPAGATORS: 'baggage' }, 2);
    const fields = printedFields(run.stdout, 'extracted');
    assert.equal(fields.valid, '0');
    assert.equal(fields.run_id, 'b');
    assert.notEqual(one(spans, 'server').traceId, TRACE_ID);
  });

  test('OTEL_PROPAGATORS=tracecontext: the trace continues, the baggage is not extracted', async () => {
    const { run, spans } = await probe(['extract', TP, '-', 'run_id=b'], { OTEL_PROPAGATORS: 'tracecontext', AUTOSPAN_BAGGAGE_ATTRIBUTES: '*' }, 2);
    const fields = printedFields(run.stdout, 'extracted');
    assert.equal(fields.valid, '1');
    assert.equal(fields.run_id, '');
    assert.equal(one(spans, 'server').traceId, TRACE_ID);
    assert.equal(one(spans, 'server').attributes.run_id, undefined);
  });

  test('extracted baggage is copied onto spans (AUTOSPAN_BAGGAGE_ATTRIBUTES) under the ContextScope', async () => {
    const { spans } = await probe(['extract', TP, '-', 'run_id=r%201,other=2'], { AUTOSPAN_BAGGAGE_ATTRIBUTES: 'run_id' }, 2);
    for (const s of spans) {
      assert.equal(s.attributes.run_id, 'r 1', s.name);
      assert.equal(s.attributes.other, undefined);
    }
  });
});

describe('environment carriers', () => {
  test('TRACEPARENT: every root span of the process (auto and manual) continues the remote trace', async () => {
    const auto = await probe(['roots', '3'], { TRACEPARENT: TP }, 3);
    for (const s of auto.spans) {
      assert.equal(s.traceId, TRACE_ID);
      assert.equal(s.parentSpanId, PARENT_ID);
    }
    const manual = await probe(['env'], { TRACEPARENT: TP }, 1);
    assert.equal(one(manual.spans, 'env.root').parentSpanId, PARENT_ID);
    assert.equal(printedFields(manual.run.stdout, 'env').trace_id, TRACE_ID);
  });

  test('TRACESTATE travels with TRACEPARENT onto the spans; BAGGAGE is readable with baggage::get', async () => {
    const { run, spans } = await probe(['env'], { TRACEPARENT: TP, TRACESTATE: 'vendor=v1', BAGGAGE: 'run_id=from%20env' }, 1);
    assert.equal(one(spans, 'env.root').traceState, 'vendor=v1');
    assert.match(run.stdout, /^env baggage run_id=from env$/m);
  });

  test('TRACESTATE without TRACEPARENT is ignored', async () => {
    const { spans } = await probe(['roots', '1'], { TRACESTATE: 'vendor=v1' }, 1);
    assert.equal(spans[0].traceState, '');
    assert.equal(spans[0].parentSpanId, '');
  });

  test('a malformed TRACEPARENT: one warning, new traces', async () => {
    const { run, spans } = await probe(['roots', '2'], { TRACEPARENT: 'garbage' }, 2);
    assert.equal(warningsAbout(run.stderr, 'TRACEPARENT').length, 1, run.stderr);
    for (const s of spans) assert.equal(s.parentSpanId, '');
  });

  test('OTEL_PROPAGATORS=none: the environment carriers are ignored too', async () => {
    const { run, spans } = await probe(['env'], { OTEL_PROPAGATORS: 'none', TRACEPARENT: TP, BAGGAGE: 'run_id=x' }, 1);
    assert.notEqual(one(spans, 'env.root').traceId, TRACE_ID);
    assert.match(run.stdout, /^env baggage run_id=$/m);
  });

  test('child_environment() hands the current span to a child process, which continues it', async () => {
    const parent = await probe(['inject'], {}, 1);
    const env = printedPairs(parent.run.stdout, 'env');
    const client = one(parent.spans, 'client');
    const child = await probe(['env'], env, 1);
    const root = one(child.spans, 'env.root');
    assert.equal(root.traceId, client.traceId);
    assert.equal(root.parentSpanId, client.spanId);
    assert.match(child.run.stdout, /^env baggage run_id=run 42$/m);
  });
});
