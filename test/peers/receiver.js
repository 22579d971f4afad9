#!/usr/bin/env node
// A real OTLP trace receiver for autospan's tests and demos. See README.md for the flags and the
// control endpoint. On start it prints one JSON line on stdout:
//   {"event":"ready","host":"127.0.0.1","port":43567,"controlPort":40125,"endpoint":"http://...","pid":123}
// and writes the same line to --port-file when given (written to a temporary name and renamed,
// so a reader never sees half of it).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startControlServer } from './lib/control.js';
import { parseFaultSpec } from './lib/faults.js';
import { Receiver } from './lib/receiver.js';

const USAGE = `usage: receiver.js [options]
  --host ADDR            listen address (default 127.0.0.1)
  --port N               OTLP/HTTP port (default 0: any free port)
  --control-port N       control endpoint port (default 0)
  --port-file PATH       write the ready line (JSON) to PATH
  --out PATH             append every stored span to PATH as a JSON line
  --fault SPEC           script the next response (repeatable, in order): 503, 429:retry-after=1,
                         400, 200:delay=500, blackhole, reset, ok:partial=2, 503:times=3, or JSON
  --default-response SPEC  the response once the script is used up (default: ok)
  --lifetime SECONDS     exit after this long, whatever happens (default 900; 0 = never)
  --quiet                no per-request log on stderr
  --help`;

function fail(message) {
  process.stderr.write(`receiver: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'control-port': { type: 'string', default: '0' },
      'port-file': { type: 'string' },
      out: { type: 'string' },
      fault: { type: 'string', multiple: true, default: [] },
      'default-response': { type: 'string' },
      lifetime: { type: 'string', default: '900' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  fail(e.message);
}
if (args.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}

const log = args.quiet ? () => {} : (m) => process.stderr.write(`receiver: ${m}\n`);
if (args.out) fs.writeFileSync(args.out, '');
const receiver = new Receiver({ host: args.host, port: Number(args.port), out: args.out ?? null, log });
try {
  for (const f of args.fault) receiver.faults.push(parseFaultSpec(f));
  if (args['default-response']) receiver.faults.setDefault(parseFaultSpec(args['default-response']));
} catch (e) {
  fail(e.message);
}

let control;
async function shutdown(code = 0) {
  await receiver.close();
  if (control) await control.close();
  process.exit(code);
}

await receiver.start();
control = await startControlServer(receiver, { host: args.host, port: Number(args['control-port']), onShutdown: () => shutdown(0) });

const ready = {
  event: 'ready',
  host: args.host,
  port: receiver.port,
  controlPort: control.port,
  endpoint: receiver.endpoint,
  pid: process.pid,
};
const line = JSON.stringify(ready) + '\n';
if (args['port-file']) {
  const tmp = path.join(path.dirname(args['port-file']), `.${path.basename(args['port-file'])}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, line);
  fs.renameSync(tmp, args['port-file']);
}
process.stdout.write(line);
log(`listening on ${receiver.endpoint} (control on port ${control.port})`);

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => shutdown(0));
const lifetime = Number(args.lifetime);
if (lifetime > 0) {
  setTimeout(() => {
    log(`lifetime of ${lifetime} s reached, exiting`);
    shutdown(0);
  }, lifetime * 1000).unref();
}
