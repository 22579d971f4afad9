// examples/graph_nodes: node spans with retry counts and error attributes, one plugin span per
// attempt (failed attempts with their exception), links along the graph's edges, skipped nodes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertParent, byName, childrenOf, formatTree, one, runProgram, startReceiver } from '../../peers/index.js';
import { describeRun, requireEnv } from '../lib/common.mjs';

const PROGRAM = requireEnv('AUTOSPAN_EXAMPLE_GRAPH');
const NODES = ['fetch', 'parse', 'enrich', 'classify', 'summarize'];
const EDGES = { fetch: [], parse: ['fetch'], enrich: ['parse'], classify: ['parse'], summarize: ['enrich', 'classify'] };

async function runGraph(args, expect) {
  const receiver = await startReceiver();
  try {
    const run = await runProgram(PROGRAM, args, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'graph' }, timeoutMs: 30000 });
    await receiver.waitForSpans(expect, 3000).catch(() => {});
    return { run, spans: receiver.spans() };
  } finally {
    await receiver.close();
  }
}

const node = (spans, name) => one(spans, `node ${name}`);
const attempts = (spans, name) => childrenOf(spans, node(spans, name)).filter((s) => s.name === `graph_app::nodes::${name}`)
  .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));

describe('graph nodes', () => {
  test('all nodes succeed; a flaky node is retried and its retry count recorded', async () => {
    const { run, spans } = await runGraph(['--flaky', 'fetch=2'], 13);
    assert.equal(run.code, 0, describeRun(run, spans));
    assert.equal(spans.length, 1 + 5 + 7, formatTree(spans)); // root, nodes, attempts (fetch 3)
    const root = one(spans, 'graph report');
    assert.equal(root.status.code, 'UNSET');
    assert.equal(root.attributes['graph.nodes.failed'], 0);
    for (const name of NODES) {
      const n = node(spans, name);
      assertParent(spans, n, root);
      assert.equal(n.attributes['graph.node.status'], 'ok');
      assert.equal(n.status.code, 'UNSET');
      const expectedRetries = name === 'fetch' ? 2 : 0;
      assert.equal(n.attributes['graph.node.retry_count'], expectedRetries, name);
      assert.equal(n.attributes['graph.node.attempts'], expectedRetries + 1, name);
      assert.equal(attempts(spans, name).length, expectedRetries + 1, `${name}: one plugin span per attempt`);
      // Edges as links to the spans of the nodes it depends on.
      assert.deepEqual(n.links.map((l) => l.attributes['graph.node.name']), EDGES[name], name);
      for (const l of n.links) assert.equal(l.spanId, node(spans, l.attributes['graph.node.name']).spanId);
    }
    const fetches = attempts(spans, 'fetch');
    assert.deepEqual(fetches.map((s) => s.status.code), ['ERROR', 'ERROR', 'UNSET']);
    assert.deepEqual(fetches[1].events.map((e) => e.attributes), [{ 'exception.type': 'graph_app::TransientError', 'exception.message': 'fetch: connection reset (attempt 2)' }]);
    assert.equal(byName(spans, /maybe_fail/).length, 0, 'the opted-out helper has no span');
  });

  test('retries run out: the node fails with error attributes, its dependents are skipped, the graph is ERROR', async () => {
    const { run, spans } = await runGraph(['--broken', 'enrich', '--max-retries', '2'], 12);
    assert.equal(run.code, 1, describeRun(run, spans));
    const enrich = node(spans, 'enrich');
    assert.equal(enrich.status.code, 'ERROR');
    assert.equal(enrich.attributes['graph.node.status'], 'failed');
    assert.equal(enrich.attributes['graph.node.retry_count'], 2);
    assert.equal(enrich.attributes['graph.node.attempts'], 3);
    assert.equal(enrich.attributes['error.type'], 'graph_app::TransientError');
    assert.equal(enrich.attributes['graph.node.error'], 'retries exhausted');
    assert.deepEqual(enrich.events.map((e) => [e.name, e.attributes]), [['exception', { 'exception.type': 'graph_app::TransientError', 'exception.message': 'enrich: upstream unavailable (attempt 3)' }]]);
    assert.deepEqual(attempts(spans, 'enrich').map((s) => s.status.code), ['ERROR', 'ERROR', 'ERROR']);
    const summarize = node(spans, 'summarize');
    assert.equal(summarize.attributes['graph.node.status'], 'skipped');
    assert.equal(summarize.attributes['graph.node.skipped_because'], 'enrich');
    assert.equal(summarize.attributes['graph.node.attempts'], undefined);
    assert.equal(attempts(spans, 'summarize').length, 0);
    assert.equal(node(spans, 'classify').attributes['graph.node.status'], 'ok', 'an independent branch still runs');
    const root = one(spans, 'graph report');
    assert.equal(root.status.code, 'ERROR');
    assert.equal(root.status.message, '1 node(s) failed');
    assert.equal(root.attributes['graph.nodes.failed'], 1);
    assert.equal(root.attributes['graph.nodes.skipped'], 1);
  });

  test('a non-retryable error fails the node at once (retry_count 0)', async () => {
    const { run, spans } = await runGraph(['--invalid', 'parse'], 8);
    assert.equal(run.code, 1);
    const parse = node(spans, 'parse');
    assert.equal(parse.attributes['graph.node.retry_count'], 0);
    assert.equal(parse.attributes['error.type'], 'graph_app::InvalidInput');
    assert.equal(parse.attributes['graph.node.error'], 'not retryable');
    assert.equal(attempts(spans, 'parse').length, 1);
    for (const name of ['enrich', 'classify', 'summarize']) assert.equal(node(spans, name).attributes['graph.node.status'], 'skipped', name);
    assert.equal(one(spans, 'graph report').attributes['graph.nodes.skipped'], 3);
  });
});
