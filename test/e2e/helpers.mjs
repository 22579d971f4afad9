// Shared by the end-to-end tests: where the built programs are (CTest passes their paths in the
// environment), the `@span` markers of a test program's source, and checks every run repeats.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { decodeJson, formatTree, normaliseRequest } from '../peers/index.js';

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through ctest (see test/e2e/CMakeLists.txt)`);
  return value;
}

// `// @span NAME` (exact span name) and `// @span-prefix PREFIX` markers on the line of a
// function's name: the span each function must produce, and its code.line.number.
export function readMarkers(sourcePath) {
  const markers = [];
  fs.readFileSync(sourcePath, 'utf8').split('\n').forEach((text, i) => {
    const m = /\/\/\s*@span(-prefix)?\s+(\S+)\s*$/.exec(text);
    if (m) markers.push({ name: m[2], prefix: Boolean(m[1]), line: i + 1 });
  });
  return markers;
}

export function markerMatches(marker, span) {
  return marker.prefix ? span.name.startsWith(marker.name) : span.name === marker.name;
}

// Every request decoded cleanly with the official schema and went to the traces path.
export function assertCleanRequests(receiver, { encoding = 'protobuf' } = {}) {
  const requests = receiver.requests();
  assert.ok(requests.length > 0, 'the program sent no export request');
  for (const r of requests) {
    assert.equal(r.error, null, `request ${r.id} failed to decode: ${r.error}`);
    assert.equal(r.path, '/v1/traces');
    assert.equal(r.encoding, encoding);
    assert.deepEqual(r.warnings, [], `request ${r.id} has encoding problems`);
  }
}

// Names of the spans as a sorted multiset, for "exactly these spans, each this often".
export function nameCounts(spans) {
  const counts = {};
  for (const s of spans) counts[s.name] = (counts[s.name] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort());
}

// A port on which nothing listens (bound, then released).
export async function closedPort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

// An OTLP JSON lines file (one ExportTraceServiceRequest per line) -> normalised spans, each line
// decoded by the receiver's own OTLP/JSON decoder.
export function readJsonLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 0, `${file} is empty`);
  const spans = [];
  lines.forEach((line, i) => {
    const { message, warnings } = decodeJson(line);
    assert.deepEqual(warnings, [], `${file}:${i + 1} has encoding problems`);
    spans.push(...normaliseRequest(message, { line: i + 1 }));
  });
  return spans;
}

export function describeRun(run, spans = []) {
  return `exit ${run.code}${run.signal ? ` (signal ${run.signal})` : ''} after ${run.elapsedMs.toFixed(0)} ms\n` +
    `--- stdout\n${run.stdout}--- stderr\n${run.stderr}--- spans\n${formatTree(spans)}`;
}
