// End to end over the other OTLP/HTTP variants a collector accepts: OTLP/JSON, gzip, custom
// headers, a traces-specific endpoint; and the collector answering with retryable errors first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertTree, one, runProgram, startReceiver } from '../peers/index.js';
import { assertCleanRequests, describeRun, requireEnv } from './helpers.mjs';

const PROGRAM = requireEnv('AUTOSPAN_E2E_BASIC');
const TREE = {
  name: 'e2e_app::run_all',
  children: [
    { name: 'e2e_app::slow_leaf', count: 2 },
    { name: 'e2e_app::scaled' },
    { name: 'e2e_app::Worker::step', children: [{ name: /^e2e_app::Worker::step::<lambda/ }] },
    { name: 'e2e_app::guarded', children: [{ name: 'e2e_app::risky', children: [{ name: 'e2e_app::parse' }] }] },
  ],
};

describe('OTLP/HTTP variants', () => {
  let receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  async function runAgainst(env) {
    receiver.reset();
    const run = await runProgram(PROGRAM, [], { env: { AUTOSPAN_MIN_DURATION: '1ms', ...env } });
    assert.equal(run.code, 0, describeRun(run, receiver.spans()));
    const spans = receiver.spans();
    assertTree(spans, one(spans, 'e2e_app::run_all'), TREE);
    return { run, spans };
  }

  test('http/json with gzip and custom headers', async () => {
    await runAgainst({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,authorization=Bearer%20s3cret',
    });
    assertCleanRequests(receiver, { encoding: 'json' });
    for (const r of receiver.requests()) {
      assert.equal(r.contentEncoding, 'gzip');
      assert.equal(r.headers['x-tenant'], 'acme');
      assert.equal(r.headers.authorization, 'Bearer s3cret');
    }
  });

  test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is', async () => {
    await runAgainst({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/never-used',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
    });
    assertCleanRequests(receiver);
  });

  test('retryable answers (503 with Retry-After, 429) are retried until accepted', async () => {
    receiver.reset();
    receiver.faults.push({ status: 503, retryAfter: 1 }, { status: 429 });
    const run = await runProgram(PROGRAM, [], {
      env: { AUTOSPAN_MIN_DURATION: '1ms', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
    });
    assert.equal(run.code, 0, describeRun(run));
    const statuses = receiver.requests().map((r) => r.response.status);
    assert.deepEqual(statuses.slice(0, 3), [503, 429, 200], JSON.stringify(statuses));
    const spans = receiver.spans();
    assertTree(spans, one(spans, 'e2e_app::run_all'), TREE);
    // Honouring Retry-After: the second attempt came at least ~1 s after the first.
    const [first, second] = receiver.requests();
    assert.ok(Date.parse(second.time) - Date.parse(first.time) >= 900, `${first.time} -> ${second.time}`);
  });

  test('a non-retryable 400 drops the batch, is not retried, and is reported on stderr', async () => {
    receiver.reset();
    receiver.faults.setDefault({ status: 400, message: 'rejected by test' });
    const run = await runProgram(PROGRAM, [], {
      env: { AUTOSPAN_MIN_DURATION: '1ms', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
    });
    assert.equal(run.code, 0, describeRun(run));
    const ids = receiver.requests().flatMap((r) => r.spanIds);
    assert.equal(ids.length, 9, 'every span was sent once');
    assert.equal(new Set(ids).size, ids.length, 'a batch answered 400 was sent again');
    assert.equal(receiver.spans().length, 0);
    assert.match(run.stderr, /dropped/i, describeRun(run));
  });
});
