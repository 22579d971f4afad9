// 10 000 short-lived threads (in waves of 50): every span arrives, and the process does not grow:
// the export thread frees each exited thread's buffers (threads, file descriptors and RSS after
// the last wave are what they were after the first thousand threads).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startReceiver } from '../peers/index.js';
import { describe as describeRun, droppedAtExit, run, uniqueSpanIds } from './lib.mjs';

const THREADS = 10000;

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

function stats(r, label) {
  const m = new RegExp(`^stats ${label} threads (\\d+) fds (\\d+) rss_kb (\\d+)$`, 'm').exec(r.stdout);
  assert.ok(m, describeRun(r));
  return { threads: Number(m[1]), fds: Number(m[2]), rssKb: Number(m[3]) };
}

test(`${THREADS} short-lived threads: nothing lost, nothing leaked`, async () => {
  // One malloc arena: the setting where per-thread buffers taken from malloc and freed by the
  // export thread fragment the heap most (RSS grew by 250-380 MB over these threads before the
  // runtime took them from mmap).
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' };
  const r = await run(['threads', String(THREADS), '50'], { env, timeoutMs: 60000 });
  assert.equal(r.code, 0, describeRun(r));
  // Per thread: rel::thread_main > 2 x (rel::thread_step > rel::leaf).
  const spans = receiver.spans();
  assert.equal(uniqueSpanIds(spans).size, spans.length, 'no span twice');
  const count = (name) => spans.filter((s) => s.name === name).length;
  assert.equal(count('rel::thread_main'), THREADS, describeRun(r));
  assert.equal(count('rel::thread_step'), 2 * THREADS, describeRun(r));
  const threadIds = new Set(spans.filter((s) => s.name === 'rel::thread_main').map((s) => s.attributes['thread.id']));
  assert.ok(threadIds.size > 100, `spans come from many threads (${threadIds.size} distinct thread ids)`);
  assert.equal(droppedAtExit(r), 0, describeRun(r));

  const warm = stats(r, 'warm');
  const end = stats(r, 'end');
  assert.equal(end.threads, warm.threads, 'no thread left behind');
  assert.ok(end.threads <= 3, `only main, the export thread and its sender remain (${end.threads})`);
  assert.equal(end.fds, warm.fds, 'no file descriptor leaked');
  // glibc's own caches account for 1.5-3 MB; a runtime structure leaked per thread (>= 1 kB)
  // would add 9 MB or more.
  assert.ok(end.rssKb - warm.rssKb < 8192, `RSS grew by ${end.rssKb - warm.rssKb} kB over 9000 more threads`);
});
