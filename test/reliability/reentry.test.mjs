// Re-entry: instrumented code that runs inside the runtime must neither recurse nor deadlock.
//   - user callbacks the runtime calls (inject/extract carriers) that re-enter the runtime;
//   - a signal handler running instrumented code every 100 us, landing inside enter, exit, the
//     runtime's slow paths, flush() and manual spans;
//   - functions the runtime itself calls, interposed by the program with instrumented versions
//     (operator new/delete on application threads, zlib's deflate on the export thread).
// Instrumented code called from inside the runtime is not traced; everywhere else it is.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { childrenOf, startReceiver } from '../peers/index.js';
import { describe as describeRun, requireEnv, run, start, uniqueSpanIds } from './lib.mjs';

const INTERPOSE = requireEnv('AUTOSPAN_REL_INTERPOSE');

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());
beforeEach(() => receiver.reset());

const env = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });

test('user callbacks that re-enter the runtime (inject, extract, current_context, flush)', async () => {
  const r = await run(['reentry-callback'], { env: env(), timeoutMs: 15000 });
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, /^callbacks [1-9]\d* extracted 1$/m, describeRun(r));
  const spans = receiver.spans();
  const names = new Set(spans.map((s) => s.name));
  assert.ok(names.has('rel::propagate') && names.has('rel::nested_inject'), describeRun(r, spans));
  // The callbacks ran inside the runtime: their instrumented calls are not traced.
  const propagate = spans.find((s) => s.name === 'rel::propagate');
  assert.deepEqual(childrenOf(spans, propagate).map((s) => s.name).sort(), ['rel::nested_inject']);
});

test('a signal handler running instrumented code every 100 us', async () => {
  const r = await run(['reentry-signal', '1000'], { env: { ...env(), OTEL_BSP_MAX_QUEUE_SIZE: '65536' }, timeoutMs: 30000 });
  assert.equal(r.code, 0, describeRun(r));
  const m = /^iterations (\d+) signals (\d+)$/m.exec(r.stdout);
  assert.ok(m, describeRun(r));
  const [iterations, signals] = [Number(m[1]), Number(m[2])];
  assert.ok(signals > 1000, `signals delivered: ${signals}`);
  const spans = receiver.spans();
  assert.equal(uniqueSpanIds(spans).size, spans.length);
  const count = (name) => spans.filter((s) => s.name === name).length;
  // Every call of the main loop arrives: a handler that interrupts a span's record must not
  // overwrite it. The handler's own spans arrive unless it interrupted the runtime itself
  // (inside flush() for instance), where instrumented code is not traced.
  assert.equal(count('rel::busy_work'), iterations, describeRun(r));
  const handled = count('rel::on_signal');
  assert.ok(handled <= signals && handled >= signals / 4, `${handled} handler spans of ${signals} signals`);
  const leafParents = new Map();
  for (const s of spans) if (s.name === 'rel::leaf') leafParents.set(s.parentSpanId, (leafParents.get(s.parentSpanId) ?? 0) + 1);
  for (const h of spans.filter((s) => s.name === 'rel::on_signal')) {
    assert.equal(leafParents.get(h.spanId), 1, 'each handler span has its own child');
  }
  assert.ok(!/dropped/.test(r.stderr), describeRun(r));
  // Every parent reference resolves: the handler's spans nest under whatever was open.
  const ids = new Set(spans.map((s) => s.spanId));
  const dangling = spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
  assert.equal(dangling.length, 0, `${dangling.length} spans with a parent that never arrived`);
});

test('interposed operator new/delete and deflate called by the runtime itself', async () => {
  const p = start(INTERPOSE, [], { env: { ...env(), OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, timeoutMs: 15000 });
  const r = await p.done;
  assert.equal(r.code, 0, describeRun(r));
  const m = /^allocations (\d+) new-calls (\d+) deflate-calls (\d+) flushed 1$/m.exec(r.stdout);
  assert.ok(m, describeRun(r));
  const [k, newCalls, deflateCalls] = [Number(m[1]), Number(m[2]), Number(m[3])];
  assert.ok(deflateCalls > 0, 'the export thread compressed through the interposed deflate');
  const spans = receiver.spans();
  assert.equal(spans.filter((s) => s.name === 'interposed deflate').length, 0, 'not traced on the export thread');
  const allocates = spans.filter((s) => s.name === 'relx::allocate');
  assert.equal(allocates.length, 5, describeRun(r, spans)); // main + 4 threads
  for (const a of allocates) {
    // Exactly the program's own allocations: the runtime's (thread state, ring, site table)
    // went through the same operator new without being traced.
    const kids = childrenOf(spans, a).map((s) => s.name);
    assert.equal(kids.filter((n) => n === 'interposed operator new').length, k, describeRun(r, spans));
    assert.equal(kids.filter((n) => n === 'interposed operator delete').length, k);
  }
  const traced = spans.filter((s) => s.name === 'interposed operator new').length;
  assert.ok(newCalls > traced, `the runtime allocated through the program's operator new too (${newCalls} calls, ${traced} traced)`);
});
