// examples/job_wrapper: a span for the whole job with its outcome, and the job (instrumented with
// the plugin) continuing the trace from the TRACEPARENT the wrapper put into its environment.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertParent, assertTree, byName, formatTree, one, runProgram, startReceiver } from '../../peers/index.js';
import { describeRun, parseTraceparent, requireEnv } from '../lib/common.mjs';

const WRAPPER = requireEnv('AUTOSPAN_EXAMPLE_JOB_WRAPPER');
const JOB = requireEnv('AUTOSPAN_EXAMPLE_BATCH_JOB');

async function wrap(args, expect, env = {}) {
  const receiver = await startReceiver();
  try {
    const run = await runProgram(WRAPPER, args, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'scheduler', ...env },
      timeoutMs: 30000,
    });
    await receiver.waitForSpans(expect, 3000).catch(() => {});
    return { run, spans: receiver.spans() };
  } finally {
    await receiver.close();
  }
}

describe('job wrapper', () => {
  test('a successful job: the job span is the parent of the job\'s own spans (another process)', async () => {
    const { run, spans } = await wrap(['--name', 'nightly-report', '--', JOB, '--items', '3'], 8);
    assert.equal(run.code, 0, describeRun(run, spans));
    assert.match(run.stdout, /^batch done: 3 items/m);
    const job = one(spans, 'job nightly-report');
    assert.equal(job.parentSpanId, '');
    assert.equal(job.status.code, 'UNSET');
    assert.equal(job.attributes['process.exit.code'], 0);
    assert.equal(job.attributes['job.name'], 'nightly-report');
    assert.deepEqual(job.attributes['process.command_args'], [JOB, '--items', '3']);
    assertTree(spans, job, {
      name: 'job nightly-report',
      children: [{ name: 'batch_app::run_batch', children: [{ name: 'batch_app::process_item', count: 3, children: [{ name: 'batch_app::validate' }] }] }],
    });
    const batch = one(spans, 'batch_app::run_batch');
    assert.equal(batch.flags & 0x300, 0x300, 'the job\'s root has a remote parent');
    assert.notEqual(batch.resource.attributes['process.pid'], job.resource.attributes['process.pid']);
    assert.equal(batch.resource.attributes['process.pid'], job.attributes['job.pid']);
    assert.equal(batch.resource.attributes['service.name'], 'scheduler', 'OTEL_SERVICE_NAME is inherited like any variable');
  });

  test('a failing job: the job span records the exit code as an error; the job\'s spans show where it failed', async () => {
    const { run, spans } = await wrap(['--name', 'nightly-report', '--', JOB, '--items', '4', '--fail-at', '2'], 6);
    assert.equal(run.code, 3, 'the wrapper passes the exit code through');
    assert.match(run.stderr, /batch failed: item 2 is invalid/);
    const job = one(spans, 'job nightly-report');
    assert.equal(job.status.code, 'ERROR');
    assert.equal(job.status.message, 'exit code 3');
    assert.equal(job.attributes['process.exit.code'], 3);
    assert.equal(job.attributes['error.type'], 'exit_code');
    const failed = byName(spans, /^batch_app::/).filter((s) => s.status.code === 'ERROR').map((s) => s.name).sort();
    assert.deepEqual(failed, ['batch_app::process_item', 'batch_app::run_batch', 'batch_app::validate'], formatTree(spans));
    for (const s of byName(spans, /^batch_app::/).filter((x) => x.status.code === 'ERROR')) {
      assert.deepEqual(s.events[0].attributes, { 'exception.type': 'std::domain_error', 'exception.message': 'item 2 is invalid' });
    }
    assertParent(spans, one(spans, 'batch_app::run_batch'), job);
  });

  test('any child sees TRACEPARENT pointing at the job span; stale carriers of the wrapper\'s own environment are replaced', async () => {
    const stale = '00-11111111111111111111111111111111-2222222222222222-01';
    const { run, spans } = await wrap(['--name', 'shell', '--', 'sh', '-c', 'echo "TRACEPARENT=$TRACEPARENT"'], 1, { TRACEPARENT: stale });
    assert.equal(run.code, 0, describeRun(run, spans));
    const job = one(spans, 'job shell');
    const seen = parseTraceparent(/^TRACEPARENT=(.*)$/m.exec(run.stdout)?.[1]);
    assert.ok(seen, run.stdout);
    assert.equal(seen.traceId, job.traceId);
    assert.equal(seen.spanId, job.spanId);
    assert.equal(seen.flags, '01');
    // The wrapper itself continued the trace it was started in.
    assert.equal(job.traceId, '11111111111111111111111111111111');
    assert.equal(job.parentSpanId, '2222222222222222');
  });

  test('a job killed by a signal, and a job that times out', async () => {
    const killed = await wrap(['--', 'sh', '-c', 'kill -KILL $$'], 1);
    assert.equal(killed.run.code, 128 + 9);
    const k = one(killed.spans, 'job sh');
    assert.equal(k.status.code, 'ERROR');
    assert.equal(k.attributes['job.signal'], 'SIGKILL');
    assert.equal(k.attributes['error.type'], 'signal');

    const slow = await wrap(['--name', 'slow', '--timeout', '1', '--', 'sleep', '30'], 1);
    assert.ok(slow.run.elapsedMs < 10000, `the wrapper ended the job (${slow.run.elapsedMs} ms)`);
    const s = one(slow.spans, 'job slow');
    assert.equal(s.status.code, 'ERROR');
    assert.equal(s.attributes['job.timed_out'], true);
    assert.equal(s.attributes['error.type'], 'timeout');
    assert.ok(s.durationNs >= 1e9, `${s.durationNs} ns`);
  });

  test('a command that cannot be started', async () => {
    const { run, spans } = await wrap(['--', '/nonexistent/command'], 1);
    assert.equal(run.code, 127);
    const job = one(spans, 'job /nonexistent/command');
    assert.equal(job.status.code, 'ERROR');
    assert.equal(job.attributes['error.type'], 'spawn_failed');
  });
});
