// Node side of the export tests, using the official OpenTelemetry schema from test/peers
// (protobufjs code generated from opentelemetry-proto).
//
//   node otlp_peer.mjs decode FILE protobuf|json   -> normalised spans (+ warnings) as JSON
//   node otlp_peer.mjs grpc-server SCRIPT          -> an OTLP/gRPC receiver over h2c (Node's
//        http2). Prints {"port":N}, then one JSON line per request. SCRIPT is a comma list of
//        replies, one per request: a grpc-status number, "partial" (OK with partial_success
//        rejected_spans=2), or "http503"; after the list every request gets 0. Exits when stdin
//        closes.
import fs from 'node:fs';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { decodeProtobuf, decodeJson, normaliseRequest, encodeResponse } from '../../peers/lib/otlp.js';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'decode') {
  const [file, encoding] = args;
  const body = fs.readFileSync(file);
  let message;
  let warnings = [];
  if (encoding === 'json') ({ message, warnings } = decodeJson(body));
  else message = decodeProtobuf(body);
  process.stdout.write(JSON.stringify({ spans: normaliseRequest(message), warnings }) + '\n');
} else if (mode === 'grpc-server') {
  const script = (args[0] || '').split(',').filter((s) => s !== '');
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const record = {
        path: headers[':path'],
        method: headers[':method'],
        contentType: headers['content-type'],
        te: headers['te'],
        grpcEncoding: headers['grpc-encoding'] || '',
        authorization: headers['authorization'] || '',
      };
      try {
        const compressed = body[0];
        const length = body.readUInt32BE(1);
        let message = body.subarray(5, 5 + length);
        if (body.length !== 5 + length) throw new Error(`frame length ${length} != ${body.length - 5}`);
        if (compressed) message = zlib.gunzipSync(message);
        record.compressed = compressed;
        record.spans = normaliseRequest(decodeProtobuf(message)).map((s) => s.name);
      } catch (e) {
        record.error = String(e.message || e);
      }
      const reply = script.length ? script.shift() : '0';
      record.reply = reply;
      process.stdout.write(JSON.stringify(record) + '\n');
      if (reply === 'http503') {
        stream.respond({ ':status': 503 }, { endStream: true });
      } else if (reply === '0' || reply === 'partial') {
        const response = encodeResponse(reply === 'partial' ? { rejectedSpans: 2, errorMessage: 'two bad' } : null, false);
        const frame = Buffer.alloc(5);
        frame.writeUInt32BE(response.length, 1);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.concat([frame, response]));
      } else {
        // Trailers-Only: the status in the one header block.
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': reply,
                         'grpc-message': encodeURIComponent('scripted failure') }, { endStream: true });
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), 120000).unref();
} else {
  process.stderr.write('usage: otlp_peer.mjs decode FILE protobuf|json | grpc-server SCRIPT\n');
  process.exit(2);
}
