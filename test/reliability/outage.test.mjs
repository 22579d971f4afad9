// Collector outages: the receiver stops listening for N seconds while `rel_app produce R S`
// records R spans/s. With buffers >= N*R nothing is lost (counted by span id); with smaller
// buffers the excess is dropped, counted, and the count reported on stderr at exit: every span
// either arrives or is counted. Either way the producer never blocks (its progress lines keep
// their pace through the outage).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startReceiver } from '../peers/index.js';
import { APP, describe as describeRun, droppedAtExit, printed, sleep, start, uniqueSpanIds } from './lib.mjs';

const RATE = 2000; // spans per second
const SECONDS = 5;
const OUTAGE_MS = 2500; // longer than OTEL_EXPORTER_OTLP_TIMEOUT below: batches must be kept
const OUTAGE_AT_MS = 1000;

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());
beforeEach(async () => {
  receiver.reset();
  await receiver.startListening().catch(() => {});
});

async function produceThroughOutage(queueSize) {
  const p = start(APP, ['produce', String(RATE), String(SECONDS)], {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BSP_MAX_QUEUE_SIZE: String(queueSize),
    },
    timeoutMs: 30000,
  });
  const m = await p.waitForLine(new RegExp(`^progress (${OUTAGE_AT_MS / 100}\\d\\d) `, 'm'));
  const stoppedAt = Number(m[1]);
  await receiver.stopListening();
  const requestsBefore = receiver.requests().length;
  await sleep(OUTAGE_MS);
  const requestsDuring = receiver.requests().length - requestsBefore;
  await receiver.startListening();
  const r = await p.done;
  assert.equal(r.code, 0, describeRun(r));
  assert.equal(requestsDuring, 0, 'the outage was real: no request reached the receiver');

  // The producer kept its pace while the collector was away.
  const progress = [...r.stdout.matchAll(/^progress (\d+) (\d+)$/gm)].map((x) => ({ ms: Number(x[1]), n: Number(x[2]) }));
  const during = progress.filter((x) => x.ms >= stoppedAt + 100 && x.ms <= stoppedAt + OUTAGE_MS - 100);
  assert.ok(during.length >= 15, `progress lines during the outage: ${during.length}\n${describeRun(r)}`);
  // Over every half second (a blocked producer would be flat for the whole outage; a busy
  // machine may deschedule it for a moment, which it then catches up).
  for (let i = 5; i < during.length; ++i) {
    const rate = ((during[i].n - during[i - 5].n) * 1000) / (during[i].ms - during[i - 5].ms);
    assert.ok(rate >= RATE * 0.5, `the producer slowed to ${rate.toFixed(0)} spans/s around ${during[i].ms} ms (blocked?)\n${describeRun(r)}`);
  }
  return { r, produced: printed(r, 'produced') + 1 /* rel::produce itself */ };
}

test(`outage of ${OUTAGE_MS} ms at ${RATE} spans/s, buffers of 8192: zero spans lost`, async () => {
  const { r, produced } = await produceThroughOutage(8192);
  const ids = uniqueSpanIds(receiver.spans());
  assert.equal(ids.size, produced, `received ${ids.size} distinct spans of ${produced}\n${describeRun(r)}`);
  assert.equal(droppedAtExit(r), 0, describeRun(r));
});

test(`outage of ${OUTAGE_MS} ms at ${RATE} spans/s, buffers of 256: drops counted and reported, none lost silently`, async () => {
  const { r, produced } = await produceThroughOutage(256);
  const ids = uniqueSpanIds(receiver.spans());
  const dropped = droppedAtExit(r);
  assert.ok(dropped > 0, `buffers of 256 cannot hold ${OUTAGE_MS} ms at ${RATE}/s\n${describeRun(r)}`);
  assert.match(r.stderr, /\d+ buffer full/);
  assert.equal(ids.size + dropped, produced, `received ${ids.size} + dropped ${dropped} != produced ${produced}\n${describeRun(r)}`);
});
