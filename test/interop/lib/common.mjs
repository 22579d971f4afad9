// Shared by the interop tests: where the built programs are (ctest passes their paths in the
// environment), running them against a receiver, and the checks every test repeats.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeJson, formatTree, normaliseRequest, runProgram, startReceiver } from '../../peers/index.js';

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through ctest (see test/interop/CMakeLists.txt)`);
  return value;
}

export const VERSION = () => requireEnv('AUTOSPAN_VERSION');
export const PROBE = () => requireEnv('AUTOSPAN_INTEROP_PROBE');

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `autospan-interop-${prefix}-`));
}

// `// @span NAME` markers: the line each function's span must report in code.line.number.
export function readMarkers(sourcePath) {
  const markers = new Map();
  fs.readFileSync(sourcePath, 'utf8').split('\n').forEach((text, i) => {
    const m = /\/\/\s*@span\s+(\S+)\s*$/.exec(text);
    if (m) markers.set(m[1], i + 1);
  });
  return markers;
}

export function describeRun(run, spans = []) {
  return `exit ${run.code}${run.signal ? ` (signal ${run.signal})` : ''} after ${run.elapsedMs.toFixed(0)} ms\n` +
    `--- stdout\n${run.stdout}--- stderr\n${run.stderr}--- spans\n${formatTree(spans)}`;
}

// Runs the probe with `env` on top of a clean environment exporting to `receiver` (unless the
// caller overrides the endpoint or the exporter), and waits briefly for `expect` spans.
export async function runProbe(receiver, args, env = {}, { expect = 0, timeoutMs = 30000, waitMs = 3000 } = {}) {
  const fullEnv = { OTEL_BSP_SCHEDULE_DELAY: '100', ...env };
  if (receiver && fullEnv.OTEL_EXPORTER_OTLP_ENDPOINT === undefined && fullEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT === undefined) {
    fullEnv.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  }
  const run = await runProgram(PROBE(), args, { env: fullEnv, timeoutMs });
  if (receiver && expect > 0) await receiver.waitForSpans(expect, waitMs).catch(() => {});
  return run;
}

// A receiver for the duration of `fn`, closed afterwards whatever happens.
export async function withReceiver(fn, options = {}) {
  const receiver = await startReceiver(options);
  try {
    return await fn(receiver);
  } finally {
    await receiver.close();
  }
}

export function assertExit0(run, spans) {
  assert.equal(run.timedOut, false, `timed out\n${describeRun(run, spans)}`);
  assert.equal(run.code, 0, describeRun(run, spans));
}

// Lines of the runtime's own diagnostics.
export function autospanLines(stderr) {
  return stderr.split('\n').filter((l) => l.startsWith('autospan:'));
}

export function warningsAbout(stderr, variable) {
  return autospanLines(stderr).filter((l) => l.includes(variable));
}

// A port on which nothing listens (bound, then released).
export async function closedPort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

// OTLP JSON lines (the file exporter) -> normalised spans, through the receiver's decoder.
export function readJsonLines(file) {
  const spans = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    const { message, warnings } = decodeJson(line);
    assert.deepEqual(warnings, [], `${file}:${i + 1} has encoding problems`);
    spans.push(...normaliseRequest(message, { line: i + 1 }));
  });
  return spans;
}

// The traceparent fields, or null when the header is malformed.
export function parseTraceparent(value) {
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value ?? '');
  return m ? { version: m[1], traceId: m[2], spanId: m[3], flags: m[4] } : null;
}

export function randomHex(bytes) {
  let out = '';
  while (out.length < bytes * 2) out += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return out;
}

// `key=value` lines printed by the probe's inject command (prefix "header" or "env").
export function printedPairs(stdout, prefix) {
  const out = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${prefix} `)) continue;
    const rest = line.slice(prefix.length + 1);
    const eq = rest.indexOf('=');
    out[rest.slice(0, eq)] = rest.slice(eq + 1);
  }
  return out;
}

// `label key=value key=value` line printed by the probe.
export function printedFields(stdout, label) {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label} `));
  if (!line) return null;
  const fields = {};
  for (const m of line.matchAll(/(\w+)=(\S*)/g)) fields[m[1]] = m[2];
  return fields;
}
