// Exit paths: return from main, exit() from deep inside instrumented code, std::terminate on an
// uncaught exception, SIGINT/SIGTERM. Each flushes, keeps the program's own exit status (or
// death by signal), and is bounded by min(OTEL_BSP_EXPORT_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT):
// fast with the collector down (a refused connection is not retried at exit), never longer than
// that budget with a collector that accepts connections and never answers.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { assertParent, one, startReceiver } from '../peers/index.js';
import { APP, closedPort, describe as describeRun, droppedAtExit, exitMs, printed, run, start } from './lib.mjs';

let receiver; // answers normally
let blackhole; // accepts every request and never answers
let downPort;
before(async () => {
  receiver = await startReceiver();
  blackhole = await startReceiver();
  blackhole.faults.setDefault({ blackhole: true });
  downPort = await closedPort();
});
after(async () => {
  await receiver.close();
  await blackhole.close();
});
beforeEach(() => {
  receiver.reset();
  blackhole.reset();
  blackhole.faults.setDefault({ blackhole: true });
});

const COLLECTORS = {
  up: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }),
  down: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${downPort}` }),
  blackhole: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: blackhole.endpoint }),
};

function assertExitWithin(r, lowMs, highMs) {
  const ms = exitMs(r);
  assert.ok(ms >= lowMs && ms <= highMs, `the exit took ${ms.toFixed(0)} ms, expected ${lowMs}..${highMs} ms\n${describeRun(r)}`);
}

const unfinished = (s) => s.attributes['autospan.unfinished'] === true;

describe('return from main', () => {
  test('collector up: every span exported, exit at once', async () => {
    const r = await run(['spans', '20'], { env: COLLECTORS.up() });
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(receiver.spans().length, printed(r, 'produced'));
    assertExitWithin(r, 0, 500);
    assert.equal(droppedAtExit(r), 0);
  });

  test('collector down, default timeouts: exit at once, the lost spans counted on stderr', async () => {
    const r = await run(['spans', '20'], { env: COLLECTORS.down() });
    assert.equal(r.code, 0, describeRun(r));
    assertExitWithin(r, 0, 500);
    assert.equal(droppedAtExit(r), printed(r, 'produced'), describeRun(r));
  });

  test('black-holing collector: exit bounded by OTEL_EXPORTER_OTLP_TIMEOUT (< OTEL_BSP_EXPORT_TIMEOUT)', async () => {
    const r = await run(['spans', '20'], { env: { ...COLLECTORS.blackhole(), OTEL_EXPORTER_OTLP_TIMEOUT: '1500' } });
    assert.equal(r.code, 0, describeRun(r));
    assertExitWithin(r, 1300, 2500);
    assert.equal(blackhole.requests().length, 1, 'one attempt, no retry at exit');
    assert.equal(droppedAtExit(r), printed(r, 'produced'), describeRun(r));
  });

  test('black-holing collector: exit bounded by OTEL_BSP_EXPORT_TIMEOUT (< OTEL_EXPORTER_OTLP_TIMEOUT)', async () => {
    const r = await run(['spans', '20'], { env: { ...COLLECTORS.blackhole(), OTEL_BSP_EXPORT_TIMEOUT: '1000' } });
    assert.equal(r.code, 0, describeRun(r));
    assertExitWithin(r, 800, 2000);
    assert.equal(droppedAtExit(r), printed(r, 'produced'), describeRun(r));
  });

  test('black-holing collector with an export already in flight at exit: still bounded', async () => {
    // Exports every 100 ms: when main returns, one export has been waiting on the black hole for
    // up to a second; the exit budget starts at exit and also ends that one.
    const r = await run(['produce', '500', '1'], {
      env: { ...COLLECTORS.blackhole(), OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '2000' },
    });
    assert.equal(r.code, 0, describeRun(r));
    assert.ok(blackhole.requests().length >= 1, 'an export was in flight');
    // 2000 ms budget, plus up to ~1 s for libcurl to notice the shutdown deadline mid-request.
    assertExitWithin(r, 0, 3300);
    assert.match(r.stderr, /dropped \d+ span\(s\)/);
  });
});

describe('exit() from deep inside instrumented code', () => {
  test('open spans are ended, marked unfinished, and keep their parents; exit status kept', async () => {
    const r = await run(['exit-deep'], { env: COLLECTORS.up() });
    assert.equal(r.code, 5, describeRun(r));
    const spans = receiver.spans();
    assert.equal(spans.length, 6, describeRun(r, spans));
    const outer = one(spans, 'rel::outer_exit');
    const middle = one(spans, 'rel::middle_exit');
    const inner = one(spans, 'rel::inner_exit');
    assertParent(spans, middle, outer);
    assertParent(spans, inner, middle);
    for (const s of [outer, middle, inner]) assert.ok(unfinished(s), `${s.name} is marked unfinished`);
    for (const s of spans.filter((x) => x.name === 'rel::leaf')) assert.ok(!unfinished(s), 'finished spans are not marked');
    assertExitWithin(r, 0, 500);
  });

  test('collector down: same exit status, at once', async () => {
    const r = await run(['exit-deep'], { env: COLLECTORS.down() });
    assert.equal(r.code, 5, describeRun(r));
    assertExitWithin(r, 0, 500);
    assert.equal(droppedAtExit(r), 6, describeRun(r));
  });
});

describe('std::terminate (uncaught exception)', () => {
  test('flushes, ends the open spans with the exception, then aborts as before', async () => {
    const r = await run(['terminate'], { env: COLLECTORS.up() });
    assert.equal(r.signal, 'SIGABRT', describeRun(r));
    assert.match(r.stderr, /terminate called after throwing an instance of 'std::runtime_error'/, 'the previous handler still runs');
    const spans = receiver.spans();
    const thrower = one(spans, 'rel::thrower');
    const outer = one(spans, 'rel::outer_throw');
    assertParent(spans, thrower, one(spans, 'rel::middle_throw'));
    for (const s of [thrower, outer]) {
      assert.equal(s.status.code, 'ERROR', `${s.name} failed`);
      assert.ok(unfinished(s));
      const ev = s.events.find((e) => e.name === 'exception');
      assert.ok(ev, `${s.name} has an exception event`);
      assert.equal(ev.attributes['exception.type'], 'std::runtime_error');
      assert.equal(ev.attributes['exception.message'], 'nobody catches this');
    }
    assertExitWithin(r, 0, 500);
  });

  test('black-holing collector: bounded', async () => {
    const r = await run(['terminate'], { env: { ...COLLECTORS.blackhole(), OTEL_EXPORTER_OTLP_TIMEOUT: '1500' } });
    assert.equal(r.signal, 'SIGABRT', describeRun(r));
    assertExitWithin(r, 1300, 2500);
  });
});

describe('SIGINT and SIGTERM', () => {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    for (const collector of ['up', 'down', 'blackhole']) {
      test(`${signal}, collector ${collector}: flush, then die by the signal`, async () => {
        const env = { ...COLLECTORS[collector](), OTEL_EXPORTER_OTLP_TIMEOUT: '1500', OTEL_BSP_SCHEDULE_DELAY: '60000' };
        const p = start(APP, ['signal'], { env, timeoutMs: 20000 });
        await p.waitForLine(/^ready$/m);
        const sentAt = process.hrtime.bigint();
        p.child.kill(signal);
        const r = await p.done;
        assert.equal(r.signal, signal, describeRun(r));
        const ms = Number(r.endNs - sentAt) / 1e6;
        const [low, high] = collector === 'blackhole' ? [1300, 2500] : [0, 500];
        assert.ok(ms >= low && ms <= high, `died ${ms.toFixed(0)} ms after ${signal}, expected ${low}..${high} ms\n${describeRun(r)}`);
        if (collector === 'up') {
          const handled = receiver.spans().filter((s) => s.name === 'rel::handle_request');
          assert.ok(handled.length >= 21, `finished spans exported before dying: ${handled.length}`);
          assert.equal(droppedAtExit(r), 0, describeRun(r));
        } else {
          assert.match(r.stderr, /dropped \d+ span\(s\) before signal/, describeRun(r));
        }
      });
    }
  }
});
