// fork(): the child gets a runtime of its own (its own export thread and exporters, a resource
// with its own process.pid) and exports only what it recorded; the parent is unaffected and
// exports only its own spans. No span arrives twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertParent, one, startReceiver } from '../peers/index.js';
import { describe as describeRun, run, uniqueSpanIds } from './lib.mjs';

const N = 50;

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

test('child and parent each export their own spans through the receiver, none twice', async () => {
  const r = await run(['fork', String(N)], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '60000' } });
  assert.equal(r.code, 0, describeRun(r));
  const child = /^child pid (\d+) export-thread (\w+) flushed (\d)$/m.exec(r.stdout);
  const parent = /^parent pid (\d+) flushed (\d)$/m.exec(r.stdout);
  assert.ok(child && parent, describeRun(r));
  assert.equal(child[2], 'yes', 'the child runs its own export thread');
  assert.equal(child[3], '1', "the child's flush went through its own exporter");
  assert.equal(parent[2], '1', "the parent's runtime still works after fork()");
  assert.match(r.stdout, /^child exited 0$/m);

  const spans = receiver.spans();
  assert.equal(uniqueSpanIds(spans).size, spans.length, 'no span exported twice');
  const byPid = (pid) => spans.filter((s) => String(s.resource.attributes['process.pid']) === pid);
  const childSpans = byPid(child[1]);
  const parentSpans = byPid(parent[1]);
  assert.equal(childSpans.length + parentSpans.length, spans.length, 'every span comes from one of the two');

  const names = (list) => list.map((s) => s.name).sort();
  const expectedChild = ['rel::child_main', ...Array(N).fill('rel::child_work'), ...Array(N).fill('rel::leaf')].sort();
  assert.deepEqual(names(childSpans), expectedChild, describeRun(r, childSpans));
  const expectedParent = ['rel::around_fork', 'rel::leaf', ...Array(N).fill('rel::after_fork'), ...Array(N).fill('rel::leaf')].sort();
  assert.deepEqual(names(parentSpans), expectedParent, describeRun(r, parentSpans));

  // The child continues the trace under the span that was open across fork().
  const around = one(parentSpans, 'rel::around_fork');
  const childMain = one(childSpans, 'rel::child_main');
  assertParent(spans, childMain, around);
});
