// longjmp and siglongjmp out of a signal handler: the frames the jump skipped end at the jump,
// marked unfinished, and the functions called afterwards are children of the frame that called
// setjmp (not of the skipped ones). Repeated jumps from the same call site included.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertParent, one, startReceiver } from '../peers/index.js';
import { describe as describeRun, run } from './lib.mjs';

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

test('longjmp and siglongjmp resynchronise the span tree', async () => {
  const ROUNDS = 3;
  const r = await run(['longjmp', String(ROUNDS)], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, new RegExp(`^result ${2 * (ROUNDS + 1)}$`, 'm'), 'the program behaves as without autospan');
  const spans = receiver.spans();
  const root = one(spans, 'rel::jumps');
  const unfinished = (s) => s.attributes['autospan.unfinished'] === true;
  const deep = spans.filter((s) => s.name === 'rel::deep_for_jump');
  const after = spans.filter((s) => s.name === 'rel::after_jump');
  assert.equal(deep.length, ROUNDS, describeRun(r, spans));
  assert.equal(after.length, ROUNDS + 1);
  for (const d of deep) {
    assertParent(spans, d, root);
    assert.ok(unfinished(d), 'the skipped frame is marked unfinished');
    const jumper = spans.find((s) => s.name === 'rel::jump_from_deep' && s.parentSpanId === d.spanId);
    assert.ok(jumper && unfinished(jumper));
  }
  for (const a of after) {
    assertParent(spans, a, root);
    assert.ok(!unfinished(a));
  }
  // siglongjmp out of a SIGUSR1 handler: the handler's frame and the interrupted one end.
  const raised = one(spans, 'rel::raises_signal');
  assertParent(spans, raised, root);
  assert.ok(unfinished(raised));
  const handler = one(spans, 'rel::jump_out_of_handler');
  assertParent(spans, handler, raised);
  assert.ok(unfinished(handler));
  assert.ok(!unfinished(root));
});
