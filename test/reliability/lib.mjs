// Shared by the reliability tests: runs test/reliability/programs/rel_app (and friends) against
// the real receiver, reads what they print, and measures how long their exit took.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { cleanEnv, formatTree } from '../peers/index.js';

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through ctest (test/reliability/CMakeLists.txt)`);
  return value;
}

export const APP = requireEnv('AUTOSPAN_REL_APP');

// Starts a program. The result has `child`, `waitForLine(regex, timeoutMs)` and `done`, which
// resolves to { code, signal, stdout, stderr, elapsedMs, endNs } (endNs: CLOCK_MONOTONIC when it
// had exited, the clock of the program's T_EXIT line). The program is killed after timeoutMs.
export function start(file, args, { env = {}, timeoutMs = 30000 } = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(file, args, { env: cleanEnv({ AUTOSPAN_LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const watchers = [];
  child.stdout.on('data', (c) => {
    stdout += c;
    for (const w of [...watchers]) w.check();
  });
  child.stderr.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      // Taken when the process is gone (before its pipes are drained): the end of the exit.
      child.exitNs = process.hrtime.bigint();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of watchers) w.fail();
      resolve({ code, signal, stdout, stderr, timedOut, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6, endNs: child.exitNs ?? process.hrtime.bigint() });
    });
  });
  const waitForLine = (regex, ms = 10000) =>
    new Promise((resolve, reject) => {
      const w = {
        check() {
          const m = regex.exec(stdout);
          if (!m) return false;
          watchers.splice(watchers.indexOf(w), 1);
          clearTimeout(w.timer);
          resolve(m);
          return true;
        },
        fail() {
          clearTimeout(w.timer);
          reject(new Error(`program ended before printing ${regex}\n--- stdout\n${stdout}--- stderr\n${stderr}`));
        },
      };
      w.timer = setTimeout(() => {
        watchers.splice(watchers.indexOf(w), 1);
        reject(new Error(`no line matching ${regex} within ${ms} ms\n--- stdout\n${stdout}--- stderr\n${stderr}`));
      }, ms);
      watchers.push(w);
      w.check();
    });
  return { child, waitForLine, done };
}

export async function run(args, options = {}) {
  return start(APP, args, options).done;
}

// The number in the first `key N` line of stdout.
export function printed(run, key) {
  const m = new RegExp(`^${key} (-?\\d+)`, 'm').exec(run.stdout);
  assert.ok(m, `the program printed no "${key}" line\n${describe(run)}`);
  return Number(m[1]);
}

// How long the exit took: from the program's T_EXIT line to the end of the process, in ms.
export function exitMs(run) {
  const t = BigInt(printed(run, 'T_EXIT'));
  return Number(run.endNs - t) / 1e6;
}

// The runtime's one-line drop report at exit, or 0 when it printed none.
export function droppedAtExit(run) {
  const m = /autospan: warning: dropped (\d+) span\(s\)/.exec(run.stderr);
  return m ? Number(m[1]) : 0;
}

export function uniqueSpanIds(spans) {
  return new Set(spans.map((s) => s.traceId + s.spanId));
}

export function describe(run, spans) {
  const status = `exit ${run.code}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' TIMED OUT' : ''} after ${run.elapsedMs.toFixed(0)} ms`;
  const tree = spans ? `\n--- spans (${spans.length})\n${spans.length > 60 ? '(too many to show)' : formatTree(spans)}` : '';
  return `${status}\n--- stdout\n${run.stdout.slice(-3000)}--- stderr\n${run.stderr.slice(-3000)}${tree}`;
}

// A port on which nothing listens (bound, then released): a collector that is down.
export async function closedPort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Request records' times (ISO, ms resolution) as gaps in ms between consecutive requests.
export function gapsMs(requests) {
  const t = requests.map((r) => Date.parse(r.time));
  return t.slice(1).map((v, i) => v - t[i]);
}
