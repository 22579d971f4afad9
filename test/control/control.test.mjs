// Run-time control end to end: test/control/programs/control_app.cpp compiled with the autospan
// plugin (namespace acme), run against the real OTLP receiver; spans decoded with the official
// schema. One describe() per feature of docs/configuration.md's "Run-time control".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byName, formatTree, one, runProgram, startReceiver } from '../peers/index.js';
import { describeRun, nameCounts } from '../e2e/helpers.mjs';

const PROGRAM = process.env.AUTOSPAN_CONTROL_APP;
if (!PROGRAM) throw new Error('AUTOSPAN_CONTROL_APP is not set: run this test through ctest');

const ALL = [
  'acme::run', 'acme::billing::invoice', 'acme::billing::Ledger::post',
  'acme::billing::detail::round', 'acme::billing::charge', 'acme::detail::helper',
  'acme::billing::charge', 'acme::shipping::ship',
];
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

// Runs the program against a fresh receiver; returns { run, spans }.
async function runWith(args, env = {}) {
  const receiver = await startReceiver();
  try {
    const run = await runProgram(PROGRAM, args, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'control', ...env },
    });
    assert.equal(run.code, 0, describeRun(run));
    assert.match(run.stdout, /done\n$/);
    return { run, spans: receiver.spans() };
  } finally {
    await receiver.close();
  }
}

const counts = (names) => nameCounts(names.map((name) => ({ name })));

describe('AUTOSPAN_FILTER', () => {
  test('without a filter every compiled-in function records a span', async () => {
    const { spans } = await runWith(['run']);
    assert.deepEqual(nameCounts(spans), counts(ALL), formatTree(spans));
  });

  test("the issue's example: billing on, the Ledger and */detail off, the rest off", async () => {
    const { run, spans } = await runWith(['run'], {
      AUTOSPAN_FILTER: 'acme::billing=on,acme::billing::Ledger=off,*::detail=off',
    });
    assert.deepEqual(nameCounts(spans), counts([
      'acme::billing::invoice', 'acme::billing::detail::round', 'acme::billing::charge',
      'acme::billing::charge',
    ]), describeRun(run, spans));
    assert.equal(run.stderr, '', 'a valid filter gives no diagnostics');
    // The charge under invoice stays its child; the one under the filtered-off helper becomes
    // a root of its own.
    const invoice = one(spans, 'acme::billing::invoice');
    const charges = byName(spans, 'acme::billing::charge');
    assert.equal(charges.filter((c) => c.parentSpanId === invoice.spanId).length, 1);
    assert.equal(charges.filter((c) => c.parentSpanId === '').length, 1);
  });

  test('an invalid rule: one warning naming it, the other rules apply', async () => {
    const { run, spans } = await runWith(['run'], {
      AUTOSPAN_FILTER: 'acme::shipping=off,acme::detail,**::detail=off',
      AUTOSPAN_LOG_LEVEL: 'warn',
    });
    assert.equal(run.stderr,
      "autospan: warning: AUTOSPAN_FILTER: ignoring rule 'acme::detail': expected PATTERN=on or PATTERN=off\n");
    assert.deepEqual(nameCounts(spans), counts([
      'acme::run', 'acme::billing::invoice', 'acme::billing::Ledger::post', 'acme::billing::charge',
      'acme::billing::charge',
    ]), formatTree(spans));
  });

  test('autospan::set_filter changes the decision of running code', async () => {
    const { run, spans } = await runWith(['set-filter', '**=off,acme::shipping=on']);
    assert.match(run.stdout, /^set_filter: clean\n/);
    // The first acme::run() was unfiltered; after set_filter only ship is recorded.
    assert.deepEqual(nameCounts(spans), counts([...ALL, 'acme::shipping::ship']), formatTree(spans));
    const ships = byName(spans, 'acme::shipping::ship');
    assert.equal(ships.filter((s) => s.parentSpanId === '').length, 1, 'the second ship is a root');
  });
});

describe('AUTOSPAN_REQUIRE_PARENT', () => {
  test('spans only inside a manual Span or an extracted context', async () => {
    const { spans } = await runWith(['require-parent', TRACEPARENT], { AUTOSPAN_REQUIRE_PARENT: '1' });
    assert.deepEqual(nameCounts(spans), counts(['request', ...ALL, 'acme::shipping::ship']),
      formatTree(spans));
    const request = one(spans, 'request');
    assert.equal(request.parentSpanId, '');
    const run = one(spans, 'acme::run');
    assert.equal(run.parentSpanId, request.spanId);
    assert.equal(run.traceId, request.traceId);
    const remote = byName(spans, 'acme::shipping::ship').find((s) => s.traceId !== request.traceId);
    assert.ok(remote, formatTree(spans));
    assert.equal(remote.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(remote.parentSpanId, 'b7ad6b7169203331');
  });

  test('without the option the same program records everything', async () => {
    const { spans } = await runWith(['require-parent', TRACEPARENT]);
    assert.equal(spans.length, 1 + 3 * ALL.length + 1, formatTree(spans));
  });

  test('TRACEPARENT in the environment: the whole process is inside that trace', async () => {
    const { spans } = await runWith(['run'], { AUTOSPAN_REQUIRE_PARENT: '1', TRACEPARENT });
    assert.deepEqual(nameCounts(spans), counts(ALL));
    for (const s of spans) assert.equal(s.traceId, '0af7651916cd43dd8448eb211c80319c');
  });
});

describe('custom sampler: keep only traces whose root has priority=high', () => {
  test('one trace: the high-priority request and everything under it', async () => {
    const { spans } = await runWith(['sampler']);
    assert.deepEqual(nameCounts(spans), counts(['request', ...ALL]), formatTree(spans));
    const request = one(spans, 'request');
    assert.equal(request.attributes.priority, 'high');
    assert.equal(request.attributes['sampling.rule'], 'priority=high');
    for (const s of spans) {
      assert.equal(s.traceId, request.traceId, s.name);
      if (s !== request) assert.equal(s.attributes['sampling.rule'], undefined, s.name);
    }
    assert.equal(one(spans, 'acme::run').parentSpanId, request.spanId);
  });
});

describe('AUTOSPAN_MIN_DURATION_MODE: span vs latch (the worked example)', () => {
  // load() takes 0.1 ms, 20 ms, 0.1 ms, 0.1 ms; the minimum is 5 ms.
  test('span mode keeps only the slow call', async () => {
    const { spans } = await runWith(['latch'], { AUTOSPAN_MIN_DURATION: '5ms' });
    const loads = byName(spans, 'acme::load');
    assert.equal(loads.length, 1, formatTree(spans));
    // The 20 ms call; span times come from the TSC converted at its calibrated rate, which can be
    // off by a few ppm from the clock busy_us() waits on (CI once saw 19 999 987 ns).
    assert.ok(loads[0].durationNs >= 19.9e6, `${loads[0].durationNs} ns`);
  });

  test('latch mode keeps the calls after the first slow one, short or not', async () => {
    const { spans } = await runWith(['latch'], {
      AUTOSPAN_MIN_DURATION: '5ms', AUTOSPAN_MIN_DURATION_MODE: 'latch',
    });
    const loads = byName(spans, 'acme::load');
    assert.equal(loads.length, 2, formatTree(spans));
    for (const l of loads) assert.ok(l.durationNs < 5e6, `a kept latch-mode call took ${l.durationNs} ns`);
  });
});

describe('process baggage (BAGGAGE) on automatic spans', () => {
  test('AUTOSPAN_BAGGAGE_ATTRIBUTES=k copies k from BAGGAGE onto every span', async () => {
    const { spans } = await runWith(['run'], {
      BAGGAGE: 'k=v,secret=s', AUTOSPAN_BAGGAGE_ATTRIBUTES: 'k',
    });
    assert.equal(spans.length, ALL.length);
    for (const s of spans) {
      assert.equal(s.attributes.k, 'v', s.name);
      assert.equal(s.attributes.secret, undefined, s.name);
    }
  });
});
