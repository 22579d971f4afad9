// examples/cross_service: two C++ processes, one trace. The frontend's CLIENT span is the parent
// of the backend's SERVER span (W3C traceparent over HTTP), and the order id travels as baggage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertTree, formatTree, one, runProgram, startReceiver } from '../../peers/index.js';
import { describeRun, requireEnv } from '../lib/common.mjs';
import { startCppBackend } from '../lib/services.mjs';

const FRONTEND = requireEnv('AUTOSPAN_EXAMPLE_FRONTEND');
const BACKEND = requireEnv('AUTOSPAN_EXAMPLE_BACKEND');

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

const env = (extra) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100', AUTOSPAN_BAGGAGE_ATTRIBUTES: 'order_id', ...extra });

// Runs the backend for `orders.length` requests and the frontend once per order.
async function checkout(orders, frontendEnv = {}) {
  receiver.reset();
  const backend = await startCppBackend(BACKEND, env({ OTEL_SERVICE_NAME: 'pricing' }), { requests: orders.length });
  const runs = [];
  try {
    for (const order of orders) {
      runs.push(await runProgram(FRONTEND, ['--order', order, `${backend.base}/quote`], { env: env({ OTEL_SERVICE_NAME: 'shop', ...frontendEnv }), timeoutMs: 30000 }));
    }
    backend.result = await backend.exited;
  } finally {
    backend.child.kill('SIGKILL');
  }
  return { runs, backend: backend.result };
}

const inService = (spans, name) => spans.filter((s) => s.resource.attributes['service.name'] === name);

describe('two processes, one trace per checkout', () => {
  let runs;
  let spans;
  before(async () => {
    ({ runs } = await checkout(['A-1', 'A-2']));
    await receiver.waitForSpans(14, 5000).catch(() => {});
    spans = receiver.spans();
  });

  test('the frontend printed the quote of the backend, in the same trace', () => {
    for (const run of runs) {
      assert.equal(run.code, 0, describeRun(run, spans));
      const printed = /trace_id=([0-9a-f]{32})/.exec(run.stdout)[1];
      const quote = JSON.parse(/^quote: (.*)$/m.exec(run.stdout)[1]);
      assert.equal(quote.trace_id, printed);
    }
  });

  test('each trace: checkout -> fetch_quote -> GET (CLIENT) -> GET /quote (SERVER) -> handle -> price_quote -> lookup_rate', () => {
    assert.equal(spans.length, 14, formatTree(spans));
    const roots = spans.filter((s) => s.name === 'frontend_app::checkout');
    assert.equal(roots.length, 2);
    assert.notEqual(roots[0].traceId, roots[1].traceId);
    for (const root of roots) {
      assertTree(spans, root, {
        name: 'frontend_app::checkout',
        children: [{ name: 'frontend_app::fetch_quote', children: [{ name: 'GET', children: [{
          name: 'GET /quote',
          children: [{ name: 'backend_app::handle', children: [{ name: 'backend_app::price_quote', children: [{ name: 'backend_app::lookup_rate' }] }] }],
        }] }] }],
      });
    }
    for (const s of inService(spans, 'pricing').filter((x) => x.name === 'GET /quote')) {
      assert.equal(s.kind, 'SERVER');
      assert.equal(s.attributes['http.response.status_code'], 200);
      assert.equal(s.flags & 0x300, 0x300, 'parent is remote');
    }
  });

  test('the order id travels as baggage and lands on every span below the point it was set', () => {
    for (const order of ['A-1', 'A-2']) {
      const traced = spans.filter((s) => s.attributes.order_id === order);
      // checkout() itself sets the baggage, so its own span ends with it too.
      assert.equal(traced.length, 7, `${order}\n${formatTree(spans)}`);
      assert.equal(new Set(traced.map((s) => s.traceId)).size, 1);
    }
  });
});

test('OTEL_PROPAGATORS=tracecontext on the frontend: the trace still joins, the baggage does not travel', async () => {
  const { runs, backend } = await checkout(['A-3'], { OTEL_PROPAGATORS: 'tracecontext' });
  await receiver.waitForSpans(6, 5000).catch(() => {});
  const spans = receiver.spans();
  assert.equal(backend.code, 0, backend.stderr);
  assert.equal(runs[0].code, 1, 'the backend refuses a quote without an order id');
  assert.match(runs[0].stderr, /HTTP 400/);
  const client = one(spans, 'GET');
  const server = one(spans, 'GET /quote');
  assert.equal(server.parentSpanId, client.spanId, formatTree(spans));
  assert.equal(server.attributes['http.response.status_code'], 400);
  assert.equal(server.attributes.order_id, undefined);
  assert.equal(client.status.code, 'ERROR');
  assert.equal(client.attributes['error.type'], '400');
  assert.equal(one(spans, 'frontend_app::fetch_quote').status.code, 'ERROR', 'the exception left fetch_quote');
});
