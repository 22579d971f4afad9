// dlopen/dlclose of an instrumented shared module (built with autospan_instrument() on a MODULE
// target). The spans it recorded are still in the runtime's buffers when dlclose unmaps the
// module, whose read-only data holds their names, function names and file paths: they must
// arrive with the right names (the runtime copies a site's strings on its first kept span).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertParent, startReceiver } from '../peers/index.js';
import { describe as describeRun, droppedAtExit, requireEnv, run, start } from './lib.mjs';

const MODULE = requireEnv('AUTOSPAN_REL_MODULE');
const DLHOST = requireEnv('AUTOSPAN_REL_DLHOST');
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

test('a host that does not link autospan gets the runtime from the module it dlopen()s', async () => {
  // libautospan arrives with the first dlopen (and stays: it registers atexit handlers). The
  // module's instrumented code reads the runtime's initial-exec TLS gate; a failure to place that
  // TLS would make dlopen fail ("cannot allocate memory in static TLS block").
  const r = await start(DLHOST, [MODULE, String(CYCLES)], {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
  }).done;
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, new RegExp(`^unloaded ${CYCLES}$`, 'm'));
  for (let i = 0; i < CYCLES; ++i)
    assert.match(r.stdout, new RegExp(`^run ${i} -> ${9 * i + 12}$`, 'm'), 'the module computes what it computes uninstrumented');
  assert.equal(droppedAtExit(r), 0);
  const spans = receiver.spans();
  const outer = spans.filter((s) => s.name === 'relmod::outer' && !s.parentSpanId);
  assert.equal(outer.length, CYCLES, describeRun(r, spans));
  for (const o of outer) {
    const children = spans.filter((s) => s.parentSpanId === o.spanId && s.traceId === o.traceId);
    assert.equal(children.length, 3, describeRun(r, spans));
    for (const c of children) assert.equal(c.name, 'relmod::inner');
  }
});
