// OTLP retry rules through the receiver's fault injection: 429/503 honour Retry-After; 502/504
// and connection errors are retried with exponential backoff (1 s, then x1.5, jitter +-20 %);
// other 4xx are not retried (the spans are dropped and counted); partial_success is logged;
// OTEL_EXPORTER_OTLP_TIMEOUT bounds one export.
//
// `rel_app flush 20` records 21 spans, then calls autospan::flush(): the export happens while
// the program runs (not in the final flush at exit, which gives up on connection failures).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startReceiver } from '../peers/index.js';
import { describe as describeRun, droppedAtExit, gapsMs, printed, run, uniqueSpanIds, sleep, start, APP } from './lib.mjs';

const SPANS = 21;

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());
beforeEach(() => receiver.reset());

function env(extra = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '60000', // only the explicit flush and the exit export
    ...extra,
  };
}

async function flushRun(extra) {
  const r = await run(['flush', String(SPANS - 1)], { env: env(extra), timeoutMs: 30000 });
  assert.equal(r.code, 0, describeRun(r));
  return r;
}

// Backoff n (0-based): 1000 ms * 1.5^n, +-20 % jitter; a little slack for scheduling.
function assertBackoff(gap, n, r) {
  const nominal = 1000 * 1.5 ** n;
  assert.ok(gap >= nominal * 0.8 - 50 && gap <= nominal * 1.2 + 250, `retry ${n + 1} came ${gap} ms after the previous attempt, expected ${nominal} ms +-20 %\n${describeRun(r)}`);
}

function assertDeliveredOnce(r) {
  const spans = receiver.spans();
  assert.equal(spans.length, SPANS, describeRun(r, spans));
  assert.equal(uniqueSpanIds(spans).size, SPANS, 'every span exactly once');
  for (const req of receiver.requests()) assert.equal(req.spanCount, SPANS, 'each attempt resends the same batch');
}

describe('transient HTTP statuses', () => {
  test('503, 503, then 200: retried with exponential backoff, delivered once', async () => {
    receiver.faults.push({ status: 503, times: 2 });
    const r = await flushRun();
    assert.equal(printed(r, 'flush ok'), 1, describeRun(r));
    assert.equal(receiver.requests().length, 3);
    const [g1, g2] = gapsMs(receiver.requests());
    assertBackoff(g1, 0, r);
    assertBackoff(g2, 1, r);
    assertDeliveredOnce(r);
  });

  test('502 and 504 are retried with backoff', async () => {
    receiver.faults.push({ status: 502 }, { status: 504 });
    const r = await flushRun();
    assert.equal(printed(r, 'flush ok'), 1, describeRun(r));
    assert.deepEqual(receiver.requests().map((q) => q.response.status), [502, 504, 200]);
    const [g1, g2] = gapsMs(receiver.requests());
    assertBackoff(g1, 0, r);
    assertBackoff(g2, 1, r);
    assertDeliveredOnce(r);
  });

  test('429 and 503 with Retry-After: the server-given delay replaces the backoff', async () => {
    receiver.faults.push({ status: 429, retryAfter: '2' }, { status: 503, retryAfter: '3' });
    const r = await flushRun();
    assert.equal(printed(r, 'flush ok'), 1, describeRun(r));
    assert.equal(receiver.requests().length, 3);
    const [g1, g2] = gapsMs(receiver.requests());
    assert.ok(g1 >= 1950 && g1 <= 2600, `429 Retry-After: 2 -> retried after ${g1} ms`);
    assert.ok(g2 >= 2950 && g2 <= 3600, `503 Retry-After: 3 -> retried after ${g2} ms`);
    assertDeliveredOnce(r);
  });
});

describe('permanent failures', () => {
  for (const status of [400, 401, 404, 413]) {
    test(`${status} is not retried; the spans are dropped and the count reported at exit`, async () => {
      receiver.faults.push({ status, message: `fault ${status}` });
      const r = await flushRun();
      assert.equal(printed(r, 'flush ok'), 1, 'the flush completed (nothing left to retry)');
      assert.equal(receiver.requests().length, 1, `no retry after ${status}\n${describeRun(r)}`);
      assert.equal(receiver.spans().length, 0);
      assert.equal(droppedAtExit(r), SPANS, describeRun(r));
      assert.match(r.stderr, /1 export failed|21 export failed/);
      assert.match(r.stderr, new RegExp(`HTTP ${status}`), 'the failure is logged with its status');
    });
  }
});

describe('connection errors', () => {
  test('a dropped connection (no response) is retried with backoff', async () => {
    receiver.faults.push({ reset: true, times: 2 });
    const r = await flushRun();
    assert.equal(printed(r, 'flush ok'), 1, describeRun(r));
    assert.equal(receiver.requests().length, 3);
    const [g1, g2] = gapsMs(receiver.requests());
    assertBackoff(g1, 0, r);
    assertBackoff(g2, 1, r);
    assertDeliveredOnce(r);
  });

  test('a refused connection is retried until the collector is back', async () => {
    await receiver.stopListening();
    const p = start(APP, ['flush', String(SPANS - 1)], { env: env(), timeoutMs: 30000 });
    await p.waitForLine(/^produced/m);
    await sleep(1500); // attempts at ~0 s and ~1 s are refused; the next at ~2.5 s succeeds
    await receiver.startListening();
    const r = await p.done;
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(printed(r, 'flush ok'), 1, describeRun(r));
    const ms = printed(r, 'flush ok 1 ms');
    assert.ok(ms >= 1500 && ms <= 4500, `flush took ${ms} ms`);
    assert.equal(receiver.requests().length, 1, 'only the successful attempt reached the receiver');
    assertDeliveredOnce(r);
    assert.equal(droppedAtExit(r), 0);
  });
});

test('partial_success is logged with the rejected count and message', async () => {
  receiver.faults.push({ status: 200, partialSuccess: { rejectedSpans: 3, errorMessage: 'too many spans' } });
  const r = await flushRun();
  assert.match(r.stderr, /rejected 3 of 21 spans: too many spans/, describeRun(r));
  assert.equal(receiver.requests().length, 1, 'a partial success is not retried');
});

test('OTEL_EXPORTER_OTLP_TIMEOUT bounds an export; the batch is kept and sent later', async () => {
  receiver.faults.push({ blackhole: true });
  const r = await flushRun({ OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
  const m = /^flush ok (\d) ms (\d+)/m.exec(r.stdout);
  assert.ok(m, describeRun(r));
  assert.equal(Number(m[1]), 0, 'the flush reports that the spans are still queued');
  const ms = Number(m[2]);
  assert.ok(ms >= 900 && ms <= 2500, `the blackholed export was abandoned after ${ms} ms (timeout 1000 ms)`);
  // The final flush at exit sent them: nothing lost.
  assert.equal(receiver.requests().length, 2, describeRun(r));
  assert.equal(uniqueSpanIds(receiver.spans()).size, SPANS);
  assert.equal(droppedAtExit(r), 0, describeRun(r));
});
