// OTLP/gRPC transport on @grpc/grpc-js: the unary TraceService/Export method (OTLP spec,
// "OTLP/gRPC"), over h2c or TLS (optionally requiring a client certificate).
//
// grpc-js does the HTTP/2 framing, the 5-byte message prefix and grpc-encoding (gzip)
// decompression itself, as a real collector's gRPC stack would; the request message is handed to
// the receiver core as raw bytes and decoded there with the official schema, like OTLP/HTTP
// bodies. So a malformed frame fails in grpc-js, and a malformed message fails in the decoder.
//
//   const grpc = createGrpcTransport(receiver, { host: '127.0.0.1', port: 0, tls: { key, cert, ca, requireClientCert } });
//   await grpc.listen();  // grpc.port, grpc.endpoint
import * as grpcJs from '@grpc/grpc-js';
import { ExportTraceServiceResponse } from '../otlp.js';

export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const identity = (buffer) => buffer;

// A service definition without .proto loading: the request stays raw bytes (see above), the
// response is encoded with the generated schema.
const TRACE_SERVICE = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: (object) => Buffer.from(ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject(object)).finish()),
    responseDeserialize: (buffer) => ExportTraceServiceResponse.decode(buffer),
  },
};

// The OTLP mapping of the scripted HTTP statuses (faults.js speaks HTTP) onto gRPC codes.
export function grpcStatusFor(httpStatus) {
  switch (httpStatus) {
    case 400: return grpcJs.status.INVALID_ARGUMENT;
    case 401: return grpcJs.status.UNAUTHENTICATED;
    case 403: return grpcJs.status.PERMISSION_DENIED;
    case 404: return grpcJs.status.NOT_FOUND;
    case 429: return grpcJs.status.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
    case 504: return grpcJs.status.UNAVAILABLE;
    default: return grpcJs.status.UNKNOWN;
  }
}

export function createGrpcTransport(receiver, { host = '127.0.0.1', port = 0, tls = null } = {}) {
  let server = null;
  let boundPort = port;
  const blackholed = new Set();

  function credentials() {
    if (!tls) return grpcJs.ServerCredentials.createInsecure();
    return grpcJs.ServerCredentials.createSsl(
      tls.ca ? Buffer.from(tls.ca) : null,
      [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
      Boolean(tls.requireClientCert),
    );
  }

  function exportHandler(call, callback) {
    const headers = {};
    for (const [key, value] of Object.entries(call.metadata.getMap())) headers[key] = Buffer.isBuffer(value) ? value.toString('base64') : value;
    receiver
      .handleExport({
        transport: 'grpc',
        encoding: 'protobuf',
        contentEncoding: '', // grpc-js already inflated a gzip message
        headers,
        path: call.getPath(),
        body: call.request,
      })
      .then(async (outcome) => {
        if (outcome.action === 'blackhole') {
          blackholed.add(call);
          return;
        }
        if (outcome.action === 'reset') {
          callback({ code: grpcJs.status.UNAVAILABLE, details: 'fault injection: reset' });
          return;
        }
        if (outcome.delayMs) await new Promise((r) => setTimeout(r, outcome.delayMs));
        if (outcome.status >= 200 && outcome.status < 300) {
          const ps = outcome.partialSuccess;
          callback(null, ps ? { partialSuccess: { rejectedSpans: ps.rejectedSpans ?? 0, errorMessage: ps.errorMessage ?? '' } } : {});
          return;
        }
        callback({ code: grpcStatusFor(outcome.status), details: outcome.message || `fault injection: ${outcome.status}` });
      })
      .catch((e) => {
        receiver.log(`grpc internal error: ${e.stack}`);
        callback({ code: grpcJs.status.INTERNAL, details: 'receiver error' });
      });
  }

  async function listen() {
    if (server) return;
    const s = new grpcJs.Server();
    s.addService(TRACE_SERVICE, { Export: exportHandler });
    boundPort = await new Promise((resolve, reject) => {
      s.bindAsync(`${host}:${boundPort}`, credentials(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    server = s;
  }

  async function stop() {
    if (!server) return;
    const s = server;
    server = null;
    blackholed.clear();
    // forceShutdown: open calls (black holes included) are cancelled, as in an outage.
    s.forceShutdown();
  }

  return {
    name: 'grpc',
    listen,
    stop,
    close: stop,
    get port() {
      return boundPort;
    },
    get endpoint() {
      return `${tls ? 'https' : 'http'}://${host}:${boundPort}`;
    },
    get listening() {
      return server !== null;
    },
  };
}

// Adds an OTLP/gRPC listener to a Receiver (started or not). Returns the transport.
export async function addGrpcTransport(receiver, options = {}) {
  const transport = createGrpcTransport(receiver, { host: receiver.host, ...options });
  receiver.transports[options.name ?? 'grpc'] = transport;
  await transport.listen();
  return transport;
}
