// Process helpers for tests: run an instrumented program without blocking the event loop (an
// in-process receiver must keep answering while the program exports), and run the receiver as
// a separate process driven through its control endpoint.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RECEIVER_SCRIPT = path.join(here, '..', 'receiver.js');

// Environment for a program under test: the caller's, minus any OTEL_*/AUTOSPAN_*/carrier
// variables that would leak in from the developer's shell, plus `env`.
export function cleanEnv(env = {}) {
  const base = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OTEL_|AUTOSPAN_)/.test(k) || ['TRACEPARENT', 'TRACESTATE', 'BAGGAGE'].includes(k)) continue;
    base[k] = v;
  }
  return { ...base, ...env };
}

// Runs `file` to completion. Resolves { code, signal, stdout, stderr, elapsedMs, pid, timedOut };
// kills the program (SIGKILL) after timeoutMs.
export function runProgram(file, args = [], { env = {}, timeoutMs = 30000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env: cleanEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let timedOut = false;
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
        pid: child.pid,
        timedOut,
      });
    });
  });
}

// Starts receiver.js as a child process. Resolves with its ready line plus helpers to use the
// control endpoint. `args` are extra command-line flags (e.g. ['--fault', '503']).
export function spawnReceiver(args = [], { timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RECEIVER_SCRIPT, '--quiet', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('receiver did not become ready'));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`receiver exited early with code ${code}`)));
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line);
      const control = `http://${ready.host}:${ready.controlPort}`;
      const call = async (method, route, body) => {
        const res = await fetch(control + route, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const value = await res.json();
        if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${value.error}`);
        return value;
      };
      resolve({
        ...ready,
        process: child,
        get: (route) => call('GET', route),
        post: (route, body) => call('POST', route, body ?? {}),
        stop: async () => {
          child.removeAllListeners('exit');
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
