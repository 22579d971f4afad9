// examples/agent_workflow: the hierarchy run -> agent -> task -> thread -> model_invoke -> tool,
// hand-made levels with plugin spans below them, one worker thread, and run_id/thread_id baggage
// on every span through AUTOSPAN_BAGGAGE_ATTRIBUTES.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertParent, assertTree, byName, formatTree, one, runProgram, startReceiver } from '../../peers/index.js';
import { describeRun, requireEnv } from '../lib/common.mjs';

const PROGRAM = requireEnv('AUTOSPAN_EXAMPLE_AGENT');
// The first model turn calls the tool, the second answers.
const FIRST_TURN = { name: 'model_invoke', children: [{ name: 'agent_app::llm::complete' }, { name: 'tool', children: [{ name: 'agent_app::tools::search_docs' }] }] };
const SECOND_TURN = { name: 'model_invoke', children: [{ name: 'agent_app::llm::complete' }] };
const LEVELS = ['run', 'agent', 'task', 'thread'];
const SPAN_COUNT = 10;

async function runAgent(args, env = {}) {
  const receiver = await startReceiver();
  try {
    const run = await runProgram(PROGRAM, args, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'agent', AUTOSPAN_BAGGAGE_ATTRIBUTES: 'run_id,thread_id', ...env },
      timeoutMs: 30000,
    });
    await receiver.waitForSpans(SPAN_COUNT, 3000).catch(() => {});
    return { run, spans: receiver.spans() };
  } finally {
    await receiver.close();
  }
}

describe('agent workflow', () => {
  test('the hierarchy, one trace, the tool call inside the first model turn', async () => {
    const { run, spans } = await runAgent(['--run-id', 'run-42', '--thread-id', 'th-7', 'What is autospan?']);
    assert.equal(run.code, 0, describeRun(run, spans));
    assert.equal(run.stdout, "Answer based on 3 documents about 'What is autospan?'\n");
    assert.equal(spans.length, SPAN_COUNT, formatTree(spans));
    const root = one(spans, 'run');
    assert.equal(root.parentSpanId, '');
    for (let i = 1; i < LEVELS.length; ++i) assertParent(spans, one(spans, LEVELS[i]), one(spans, LEVELS[i - 1]));
    const [first, second] = byName(spans, 'model_invoke').sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
    for (const turn of [first, second]) assertParent(spans, turn, one(spans, 'thread'));
    assertTree(spans, first, FIRST_TURN);
    assertTree(spans, second, SECOND_TURN);
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 1);
    assert.deepEqual(first.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
    assert.deepEqual(second.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(first.kind, 'CLIENT');
    assert.equal(typeof first.attributes['gen_ai.usage.input_tokens'], 'number');
    assert.equal(one(spans, 'tool').attributes['gen_ai.tool.name'], 'search_docs');
    assert.equal(byName(spans, /count_tokens/).length, 0, 'the opted-out helper has no span');
  });

  test('run_id and thread_id baggage on every span, on both threads', async () => {
    const { spans } = await runAgent(['--run-id', 'run-42', '--thread-id', 'th-7']);
    assert.equal(spans.length, SPAN_COUNT, formatTree(spans));
    for (const s of spans) {
      assert.equal(s.attributes.run_id, 'run-42', s.name);
      assert.equal(s.attributes.thread_id, 'th-7', s.name);
    }
    const mainTid = one(spans, 'run').attributes['thread.id'];
    const workerTid = one(spans, 'thread').attributes['thread.id'];
    assert.notEqual(workerTid, mainTid, 'the conversation thread ran on a worker thread');
    for (const name of ['agent', 'task']) assert.equal(one(spans, name).attributes['thread.id'], mainTid);
    for (const s of spans.filter((x) => !['run', 'agent', 'task'].includes(x.name))) assert.equal(s.attributes['thread.id'], workerTid, s.name);
  });

  test('a failing tool: ERROR with the exception on the tool spans only; the run still answers', async () => {
    const { run, spans } = await runAgent(['--fail-tool']);
    assert.equal(run.code, 0, describeRun(run, spans));
    assert.match(run.stdout, /error: search backend unavailable/);
    const errors = spans.filter((s) => s.status.code === 'ERROR').map((s) => s.name).sort();
    assert.deepEqual(errors, ['agent_app::tools::search_docs', 'tool']);
    for (const name of ['tool', 'agent_app::tools::search_docs']) {
      const [event] = one(spans, name).events;
      assert.deepEqual(event.attributes, { 'exception.type': 'std::runtime_error', 'exception.message': 'search backend unavailable' });
    }
    assert.equal(one(spans, 'tool').attributes['error.type'], 'tool_error');
    assert.equal(spans.find((s) => s.name === 'run').attributes.run_id, 'run-0001', 'default ids');
  });
});
