// The receiver core, independent of any transport: decodes export requests, applies the fault
// script, stores spans and request records, and lets tests wait for spans.
//
// Transports (lib/transports/*.js) turn their wire format into handleExport() calls and the
// returned outcome back into a wire response. OTLP/HTTP lives in transports/http.js; OTLP/gRPC
// and TLS variants plug in the same way.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { FaultScript } from './faults.js';
import { DecodeError, decodeJson, decodeProtobuf, normaliseRequest } from './otlp.js';
import { createHttpTransport } from './transports/http.js';

export class Receiver {
  constructor({ host = '127.0.0.1', port = 0, out = null, log = () => {} } = {}) {
    this.host = host;
    this.requestedPort = port;
    this.outPath = out;
    this.log = log;
    this.faults = new FaultScript();
    this.spanList = [];
    this.requestList = [];
    this.waiters = [];
    this.nextRequestId = 1;
    this.transports = {};
  }

  // Starts the OTLP/HTTP transport. Returns its port.
  async start() {
    this.transports.http = createHttpTransport(this, { host: this.host, port: this.requestedPort });
    await this.transports.http.listen();
    return this.transports.http.port;
  }

  get port() {
    return this.transports.http?.port;
  }

  get endpoint() {
    return `http://${this.host}:${this.port}`;
  }

  // Outage simulation: stop accepting connections (open ones are dropped) and resume later on
  // the same port, so a client configured with the endpoint sees the collector come back.
  async stopListening() {
    for (const t of Object.values(this.transports)) await t.stop();
  }

  async startListening() {
    for (const t of Object.values(this.transports)) await t.listen();
  }

  async close() {
    for (const t of Object.values(this.transports)) await t.close();
    for (const w of this.waiters) w.reject(new Error('receiver closed'));
    this.waiters = [];
  }

  reset() {
    this.spanList = [];
    this.requestList = [];
    this.faults.clear();
    if (this.outPath) fs.writeFileSync(this.outPath, '');
  }

  spans() {
    return this.spanList;
  }

  requests() {
    return this.requestList;
  }

  // Resolves with the stored spans once at least `count` are there.
  waitForSpans(count, timeoutMs = 10000) {
    if (this.spanList.length >= count) return Promise.resolve(this.spanList);
    return new Promise((resolve, reject) => {
      const waiter = { count, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} spans (have ${this.spanList.length})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  // One export request from any transport.
  //   request: { transport, encoding: 'protobuf' | 'json', contentEncoding, headers, path, body }
  // Returns { action: 'respond', status, retryAfter, partialSuccess, message, delayMs }
  //      or { action: 'blackhole' } or { action: 'reset' }.
  async handleExport(request) {
    const record = {
      id: this.nextRequestId++,
      time: new Date().toISOString(),
      transport: request.transport,
      path: request.path,
      encoding: request.encoding,
      contentEncoding: request.contentEncoding || '',
      headers: request.headers,
      bodyBytes: request.body.length,
      spanCount: 0,
      spanIds: [],
      warnings: [],
      error: null,
      stored: false,
      response: null,
    };
    this.requestList.push(record);

    let spans = [];
    try {
      const body = inflate(request.body, request.contentEncoding);
      if (request.encoding === 'json') {
        const { message, warnings } = decodeJson(body);
        record.warnings = warnings;
        spans = normaliseRequest(message, { requestId: record.id });
      } else {
        spans = normaliseRequest(decodeProtobuf(body), { requestId: record.id });
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      record.error = e.message;
      record.response = { status: 400 };
      this.log(`request ${record.id}: ${e.message}`);
      return { action: 'respond', status: 400, message: e.message };
    }
    record.spanCount = spans.length;
    // Kept even when the spans are not stored, so tests can tell a retry (same ids again) from a
    // new batch.
    record.spanIds = spans.map((s) => s.spanId);

    const fault = this.faults.next();
    if (fault.store) this.storeSpans(spans, record);
    if (fault.reset) {
      record.response = { reset: true };
      return { action: 'reset' };
    }
    if (fault.blackhole) {
      record.response = { blackhole: true };
      return { action: 'blackhole' };
    }
    record.response = { status: fault.status, retryAfter: fault.retryAfter ?? null, partialSuccess: fault.partialSuccess ?? null };
    this.log(`request ${record.id}: ${spans.length} spans, ${request.encoding}${record.contentEncoding ? '+' + record.contentEncoding : ''} -> ${fault.status}`);
    return {
      action: 'respond',
      status: fault.status,
      retryAfter: fault.retryAfter,
      partialSuccess: fault.partialSuccess,
      message: fault.message ?? (fault.status >= 300 ? `fault injection: ${fault.status}` : ''),
      delayMs: fault.delayMs ?? 0,
    };
  }

  storeSpans(spans, record) {
    record.stored = true;
    for (const s of spans) this.spanList.push(s);
    if (this.outPath && spans.length) {
      fs.appendFileSync(this.outPath, spans.map((s) => JSON.stringify(s) + '\n').join(''));
    }
    const ready = this.waiters.filter((w) => this.spanList.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.spanList.length < w.count);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(this.spanList);
    }
  }
}

function inflate(body, contentEncoding) {
  const enc = (contentEncoding || '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(body);
    if (enc === 'deflate') return zlib.inflateSync(body);
  } catch (e) {
    throw new DecodeError(`${enc} decompression failed: ${e.message}`);
  }
  throw new DecodeError(`unsupported Content-Encoding "${contentEncoding}"`);
}

export async function startReceiver(options = {}) {
  const receiver = new Receiver(options);
  await receiver.start();
  return receiver;
}
