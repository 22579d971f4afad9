// dlopen/dlclose of an instrumented shared module (built with autospan_instrument() on a MODULE
// target). The spans it recorded are still in the runtime's buffers when dlclose unmaps the
// module, whose read-only data holds their names, function names and file paths: they must
// arrive with the right names (the runtime copies a site's strings on its first kept span).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertParent, startReceiver } from '../peers/index.js';
import { describe as describeRun, droppedAtExit, requireEnv, run } from './lib.mjs';

const MODULE = requireEnv('AUTOSPAN_REL_MODULE');
const CYCLES = 3;

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

test('spans from a dlclose()d module arrive with their names, files and parents', async () => {
  // A long schedule delay: nothing is exported before exit, long after the last dlclose.
  const r = await run(['dlopen', MODULE, String(CYCLES)], {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '60000' },
  });
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, new RegExp(`^unloaded ${CYCLES} of ${CYCLES}$`, 'm'), 'dlclose really unmapped the module');
  assert.equal(droppedAtExit(r), 0);
  const spans = receiver.spans();
  const outer = spans.filter((s) => s.name === 'relmod::outer');
  const inner = spans.filter((s) => s.name === 'relmod::inner');
  assert.equal(outer.length, CYCLES, describeRun(r, spans));
  assert.equal(inner.length, CYCLES * 3, describeRun(r, spans));
  for (const s of [...outer, ...inner]) {
    assert.equal(s.attributes['code.function.name'], s.name);
    assert.match(String(s.attributes['code.file.path']), /rel_module\.cpp$/);
    assert.ok(Number(s.attributes['code.line.number']) > 0);
  }
  const loaders = spans.filter((s) => s.name === 'rel::load_and_run');
  assert.equal(loaders.length, CYCLES);
  for (const o of outer) assertParent(spans, o, loaders.find((l) => l.spanId === o.parentSpanId) ?? loaders[0]);
  for (const i of inner) assertParent(spans, i, outer.find((o) => o.spanId === i.parentSpanId) ?? outer[0]);
});
