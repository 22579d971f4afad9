// The control endpoint: a second HTTP listener through which a test that runs the receiver as a
// separate process reads what arrived and scripts faults. It stays up while the OTLP listener is
// stopped for outage tests.
//
//   GET  /health                       {"listening": bool, "port": N, "spans": N, "requests": N}
//   GET  /spans[?name=X]               normalised spans (JSON array)
//   GET  /requests                     request records (headers, encoding, sizes, responses)
//   GET  /wait?spans=N[&timeoutMs=T]   the spans once at least N arrived; 408 on timeout
//   GET  /faults                       the pending fault script and the default response
//   POST /faults                       {"push": [spec...], "default": spec, "clear": bool}
//   POST /reset                        forget spans, requests and faults
//   POST /stop, POST /start            stop / resume the OTLP listener (same port)
//   POST /shutdown                     answer, then exit the process
import http from 'node:http';
import { normaliseSpec, parseFaultSpec } from './faults.js';

function send(res, status, value) {
  const body = Buffer.from(JSON.stringify(value) + '\n');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}

function toSpec(value) {
  return typeof value === 'string' ? parseFaultSpec(value) : normaliseSpec(value);
}

export async function startControlServer(receiver, { host = '127.0.0.1', port = 0, onShutdown = () => {} } = {}) {
  const routes = {
    'GET /health': () => ({
      listening: Object.values(receiver.transports).every((t) => t.listening),
      port: receiver.port,
      spans: receiver.spans().length,
      requests: receiver.requests().length,
    }),
    'GET /spans': (url) => {
      const name = url.searchParams.get('name');
      return name == null ? receiver.spans() : receiver.spans().filter((s) => s.name === name);
    },
    'GET /requests': () => receiver.requests(),
    'GET /faults': () => receiver.faults.describe(),
    'GET /wait': async (url) => {
      const count = Number(url.searchParams.get('spans') ?? 1);
      const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 10000);
      return receiver.waitForSpans(count, timeoutMs);
    },
    'POST /faults': async (url, req) => {
      const body = await readJson(req);
      const push = Array.isArray(body) ? body : body.push ?? [];
      if (body.clear) receiver.faults.clear();
      const specs = push.map(toSpec);
      const fallback = body.default === undefined ? undefined : toSpec(body.default ?? {});
      receiver.faults.push(...specs);
      if (fallback) receiver.faults.setDefault(fallback);
      return receiver.faults.describe();
    },
    'POST /reset': () => {
      receiver.reset();
      return { ok: true };
    },
    'POST /stop': async () => {
      await receiver.stopListening();
      return { listening: false, port: receiver.port };
    },
    'POST /start': async () => {
      await receiver.startListening();
      return { listening: true, port: receiver.port };
    },
    'POST /shutdown': (url, req, res) => {
      res.on('finish', () => setImmediate(onShutdown));
      return { ok: true };
    },
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://control');
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    try {
      send(res, 200, await route(url, req, res));
    } catch (e) {
      send(res, e.message.startsWith('timed out') ? 408 : 400, { error: e.message });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: server.address().port,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}
