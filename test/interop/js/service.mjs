// A JS service instrumented with the real OpenTelemetry JS SDK, the "other service" of the
// interop tests. Listens on 127.0.0.1 and exports its spans over OTLP to the test receiver.
//
//   node service.mjs --traces-url http://127.0.0.1:PORT/v1/traces [--service-name js-pricing]
//
// Prints {"event":"ready","port":N} on stdout, then serves:
//   GET /quote             continues the caller's trace (traceparent + baggage): SERVER span
//                          "GET /quote" with a child "js.compute"; answers what it extracted
//   GET /call?target=URL   starts a trace: "js.checkout" -> CLIENT "GET", injects trace context
//         &order=ID        and baggage order_id=ID into the request to URL; answers the reply
//   POST /flush            waits until every ended span is exported
// Exits on SIGTERM (after flushing) or after --lifetime seconds (default 300).
import http from 'node:http';
import { createJsSdk } from './otel_js.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const tracesUrl = option('--traces-url');
if (!tracesUrl) {
  process.stderr.write('usage: service.mjs --traces-url URL [--service-name NAME] [--lifetime S]\n');
  process.exit(2);
}
const sdk = createJsSdk({ serviceName: option('--service-name', 'js-pricing'), tracesUrl });
const { api } = sdk;

function json(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

function quote(req, res) {
  const parent = sdk.extract(req.headers);
  const remote = api.trace.getSpanContext(parent);
  const baggage = sdk.baggageOf(parent);
  const { span, ctx } = sdk.startSpan('GET /quote', {
    kind: api.SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.route': '/quote', 'url.path': '/quote' },
  }, parent);
  // What the baggage said, on the span: proves it crossed the process boundary intact.
  for (const [k, v] of Object.entries(baggage)) span.setAttribute(`baggage.${k}`, v);
  const compute = sdk.startSpan('js.compute', {}, ctx).span;
  compute.setAttribute('quote.total', 42.5);
  compute.end();
  span.setAttribute('http.response.status_code', 200);
  span.end();
  json(res, 200, {
    service: 'js',
    trace_id: span.spanContext().traceId,
    span_id: span.spanContext().spanId,
    remote_parent: remote ? { traceId: remote.traceId, spanId: remote.spanId, traceFlags: remote.traceFlags, traceState: remote.traceState?.serialize() ?? '' } : null,
    baggage,
  });
}

async function call(url, res) {
  const target = url.searchParams.get('target');
  const order = url.searchParams.get('order') ?? 'J-1';
  const root = sdk.startSpan('js.checkout', { kind: api.SpanKind.INTERNAL }, sdk.withBaggage(api.ROOT_CONTEXT, { order_id: order }));
  const client = sdk.startSpan('GET', { kind: api.SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'url.full': target } }, root.ctx);
  const headers = sdk.inject(client.ctx);
  let reply;
  let status;
  try {
    const response = await fetch(target, { headers, signal: AbortSignal.timeout(10000) });
    status = response.status;
    reply = await response.text();
    client.span.setAttribute('http.response.status_code', status);
  } catch (e) {
    client.span.recordException(e);
    client.span.setStatus({ code: api.SpanStatusCode.ERROR });
    reply = String(e);
    status = 0;
  }
  client.span.end();
  root.span.end();
  json(res, 200, {
    trace_id: root.span.spanContext().traceId,
    root_span_id: root.span.spanContext().spanId,
    client_span_id: client.span.spanContext().spanId,
    sent_headers: headers,
    downstream_status: status,
    downstream: reply,
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://js-service');
  if (req.method === 'GET' && url.pathname === '/quote') return quote(req, res);
  if (req.method === 'GET' && url.pathname === '/call') return call(url, res).catch((e) => json(res, 500, { error: String(e) }));
  if (req.method === 'POST' && url.pathname === '/flush') {
    return sdk.provider.forceFlush().then(() => json(res, 200, { flushed: true }), (e) => json(res, 500, { error: String(e) }));
  }
  json(res, 404, { error: `no route ${req.method} ${url.pathname}` });
});

async function stop() {
  server.close();
  await sdk.provider.shutdown().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(option('--lifetime', '300')) * 1000).unref();

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ event: 'ready', port: server.address().port, pid: process.pid }) + '\n');
});
