// OTLP/HTTP transport: POST /v1/traces with application/x-protobuf or application/json,
// optionally gzip-compressed (OTLP spec, "OTLP/HTTP").
import http from 'node:http';
import { encodeResponse, encodeStatus } from '../otlp.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
export const TRACES_PATH = '/v1/traces';

function encodingOf(contentType) {
  const mime = (contentType || '').split(';')[0].trim().toLowerCase();
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  if (mime === 'application/json') return 'json';
  return null;
}

// createServer is a parameter so a TLS variant can pass https.createServer with its options.
export function createHttpTransport(receiver, { host, port, createServer = http.createServer, serverOptions = {} }) {
  const sockets = new Set();
  let server = null;
  let boundPort = port;

  async function onRequest(req, res) {
    const url = new URL(req.url, 'http://receiver');
    if (url.pathname !== TRACES_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no such path: ${url.pathname}\n`);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only\n');
      return;
    }
    const encoding = encodingOf(req.headers['content-type']);
    if (!encoding) {
      res.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported Content-Type: ${req.headers['content-type']}\n`);
      return;
    }
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('body too large\n');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    const outcome = await receiver.handleExport({
      transport: 'http',
      encoding,
      contentEncoding: req.headers['content-encoding'],
      headers: { ...req.headers },
      path: url.pathname,
      body: Buffer.concat(chunks),
    });
    if (outcome.action === 'blackhole') return; // the socket stays open until stop()/close()
    if (outcome.action === 'reset') {
      req.socket.destroy();
      return;
    }
    if (outcome.delayMs) await new Promise((r) => setTimeout(r, outcome.delayMs));
    if (req.socket.destroyed) return;
    const asJson = encoding === 'json';
    const ok = outcome.status >= 200 && outcome.status < 300;
    const body = ok ? encodeResponse(outcome.partialSuccess, asJson) : encodeStatus(grpcCodeFor(outcome.status), outcome.message, asJson);
    const headers = {
      'content-type': asJson ? 'application/json' : 'application/x-protobuf',
      'content-length': body.length,
    };
    if (outcome.retryAfter != null) headers['retry-after'] = String(outcome.retryAfter);
    res.writeHead(outcome.status, headers).end(body);
  }

  async function listen() {
    if (server) return;
    server = createServer(serverOptions, (req, res) => {
      onRequest(req, res).catch((e) => {
        receiver.log(`internal error: ${e.stack}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(boundPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    boundPort = server.address().port;
  }

  async function stop() {
    if (!server) return;
    const s = server;
    server = null;
    const closed = new Promise((r) => s.close(r));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  return {
    name: 'http',
    listen,
    stop,
    close: stop,
    get port() {
      return boundPort;
    },
    get listening() {
      return server !== null;
    },
  };
}

// google.rpc.Status codes for the error body, following the OTLP HTTP <-> gRPC mapping.
function grpcCodeFor(status) {
  switch (status) {
    case 400: return 3; // INVALID_ARGUMENT
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 5; // NOT_FOUND
    case 429: return 8; // RESOURCE_EXHAUSTED
    case 502:
    case 503:
    case 504: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}
