// Long-running peers for the cross-service tests: the JS SDK service (js/service.mjs) and the
// C++ example backend, each started on 127.0.0.1 and ready once it printed its first line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cleanEnv } from '../../peers/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const JS_SERVICE = path.join(here, '..', 'js', 'service.mjs');

// Spawns `file args`, resolves when `ready(line)` returns a value for a stdout line. The child is
// killed after timeoutMs in any case, so a test can never leave it behind.
function spawnReady(file, args, env, ready, { timeoutMs = 60000, startMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = [];
    const stdout = [];
    child.stderr.on('data', (c) => stderr.push(c));
    const lifetime = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    lifetime.unref();
    const startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(file)} did not become ready\n${Buffer.concat(stderr)}`));
    }, startMs);
    const exited = new Promise((r) => child.once('exit', (code, signal) => {
      clearTimeout(lifetime);
      r({ code, signal, stdout: stdout.join('\n'), stderr: Buffer.concat(stderr).toString('utf8') });
    }));
    child.once('error', reject);
    let resolved = false;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      if (resolved) return;
      const value = ready(line);
      if (value === undefined) return;
      resolved = true;
      clearTimeout(startTimer);
      resolve({ ...value, child, exited, stop: async () => { child.kill('SIGTERM'); return exited; } });
    });
    exited.then((r) => {
      if (!resolved) {
        clearTimeout(startTimer);
        reject(new Error(`${path.basename(file)} exited early (${r.code ?? r.signal})\n${r.stderr}`));
      }
    });
  });
}

export async function startJsService(tracesUrl, { serviceName = 'js-pricing' } = {}) {
  const svc = await spawnReady(process.execPath, [JS_SERVICE, '--traces-url', tracesUrl, '--service-name', serviceName, '--lifetime', '120'], {},
    (line) => {
      try {
        const msg = JSON.parse(line);
        return msg.event === 'ready' ? { port: msg.port } : undefined;
      } catch {
        return undefined;
      }
    });
  const base = `http://127.0.0.1:${svc.port}`;
  return {
    ...svc,
    base,
    async get(route) {
      const res = await fetch(base + route, { signal: AbortSignal.timeout(20000) });
      return { status: res.status, body: await res.json() };
    },
    async flush() {
      const res = await fetch(`${base}/flush`, { method: 'POST', signal: AbortSignal.timeout(20000) });
      if (!res.ok) throw new Error(`flush failed: ${res.status}`);
    },
  };
}

// The cross_service example's C++ backend, serving `requests` requests then exiting.
export async function startCppBackend(file, env, { requests = 1 } = {}) {
  const svc = await spawnReady(file, ['--requests', String(requests)], env, (line) => {
    const m = /^listening (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    return m ? { base: m[1], port: Number(m[2]) } : undefined;
  });
  return svc;
}
