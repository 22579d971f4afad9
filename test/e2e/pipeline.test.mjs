// End to end: examples/pipeline built with the plugin (namespace pipeline_example_app) against the
// real OTLP receiver, and the way the demo runs it (console + file exporters, no collector).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertTree, byName, one, runProgram, startReceiver } from '../peers/index.js';
import { assertCleanRequests, describeRun, readJsonLines, requireEnv } from './helpers.mjs';

const PROGRAM = requireEnv('AUTOSPAN_E2E_PIPELINE');
const PLAIN = requireEnv('AUTOSPAN_E2E_PIPELINE_PLAIN');
const RECORDS = 4;
const ARGS = ['--records', String(RECORDS), '--io-latency-us', '200'];

const NS = 'pipeline_example_app::';
const EXPECTED_TREE = {
  name: `${NS}run_data_processing_pipeline`,
  children: [
    { name: `${NS}extract_data`, children: [{ name: `${NS}process_record`, count: RECORDS }] },
    {
      name: `${NS}transform_data`,
      children: [
        { name: `${NS}apply_transformation`, count: RECORDS },
        { name: `${NS}validate_transformation`, count: RECORDS },
      ],
    },
    { name: `${NS}load_results`, children: [{ name: `${NS}generate_summary` }, { name: 'Manual Summary Enrichment' }] },
  ],
};
const EXPECTED_COUNT = 1 + (1 + RECORDS) + (1 + 2 * RECORDS) + 3;

function checkPipelineSpans(spans, { idKey = 'pipeline.id', id }) {
  assert.equal(spans.length, EXPECTED_COUNT, describeRun({ code: 0, elapsedMs: 0, stdout: '', stderr: '' }, spans));
  const root = one(spans, `${NS}run_data_processing_pipeline`);
  assertTree(spans, root, EXPECTED_TREE);
  assert.equal(root.parentSpanId, '');
  for (const s of spans) {
    assert.equal(s.traceId, root.traceId, `${s.name} is in the pipeline's trace`);
    if (s === root) assert.equal(s.attributes[idKey], id, 'root carries the pipeline id');
    else assert.equal(s.attributes[idKey], undefined, `${s.name} must not carry the pipeline id`);
  }
  assert.deepEqual(byName(spans, /trim/), [], 'trim is AUTOSPAN_NO_TRACE');
}

let plain;
before(async () => {
  // The plain build still has the manual span; keep its exporter quiet (no collector here).
  plain = await runProgram(PLAIN, ARGS, { env: { OTEL_TRACES_EXPORTER: 'none' } });
  assert.equal(plain.code, 0, describeRun(plain));
  assert.match(plain.stdout, /loaded 3 records, rejected 1/);
});

describe('pipeline example -> OTLP receiver', () => {
  let receiver;
  after(() => receiver?.close());

  test('the span tree of the pipeline, pipeline id on the root only', async () => {
    receiver = await startReceiver();
    const run = await runProgram(PROGRAM, ARGS, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, AUTOSPAN_PIPELINE_ID: 'pipeline-e2e-1' },
    });
    assert.equal(run.code, 0, describeRun(run, receiver.spans()));
    assert.equal(run.stdout, plain.stdout, 'output differs from the uninstrumented build');
    assertCleanRequests(receiver);
    checkPipelineSpans(receiver.spans(), { id: 'pipeline-e2e-1' });
    // The manual span (autospan::Span) with its custom attributes and event.
    const manual = one(receiver.spans(), 'Manual Summary Enrichment');
    assert.equal(manual.kind, 'INTERNAL');
    assert.equal(manual.attributes['summary.records_loaded'], 3);
    assert.equal(manual.attributes['summary.records_rejected'], 1);
    assert.ok(Math.abs(manual.attributes['summary.mean_value'] - 41.1666) < 1e-3, String(manual.attributes['summary.mean_value']));
    assert.equal(manual.attributes['summary.top_category'], 'high');
    assert.deepEqual(manual.attributes['summary.categories'], ['high', 'low', 'medium']);
    assert.deepEqual(manual.events.map((e) => [e.name, e.attributes]), [['records rejected', { count: 1 }]]);
  });

  test('AUTOSPAN_PIPELINE_ID_ATTRIBUTE renames the attribute (Gentrace)', async () => {
    receiver.reset();
    const run = await runProgram(PROGRAM, ARGS, {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        AUTOSPAN_PIPELINE_ID: 'gentrace-run-7',
        AUTOSPAN_PIPELINE_ID_ATTRIBUTE: 'gentrace.pipeline_id',
      },
    });
    assert.equal(run.code, 0, describeRun(run));
    const spans = receiver.spans();
    checkPipelineSpans(spans, { idKey: 'gentrace.pipeline_id', id: 'gentrace-run-7' });
    assert.ok(spans.every((s) => !('pipeline.id' in s.attributes)));
  });
});

describe('the demo run: console and file exporters, no collector', () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autospan-demo-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('tree on stderr, OTLP JSON lines file with the same spans', async () => {
    const file = path.join(dir, 'demo.jsonl');
    const run = await runProgram(PROGRAM, ARGS, {
      env: { OTEL_TRACES_EXPORTER: 'console,file', AUTOSPAN_FILE: file, AUTOSPAN_PIPELINE_ID: 'demo-e2e' },
    });
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.stdout, plain.stdout);
    for (const name of ['run_data_processing_pipeline', 'process_record', 'validate_transformation', 'Manual Summary Enrichment']) {
      assert.ok(run.stderr.includes(name), `console tree lacks ${name}\n${run.stderr}`);
    }
    checkPipelineSpans(readJsonLines(file), { id: 'demo-e2e' });
  });
});
