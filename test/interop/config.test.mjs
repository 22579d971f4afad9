// Configuration conformance: every variable of docs/configuration.md (generated from the
// runtime's options table) shown to have its OpenTelemetry effect end to end, through the real
// receiver where the effect is observable there; and every invalid value giving exactly one
// warning and the default. The last test fails when a variable has no conformance test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatTree, one, parseFaultSpec, runProgram, startReceiver } from '../peers/index.js';
import { addGrpcTransport } from '../peers/lib/transports/grpc.js';
import {
  PROBE, assertExit0, autospanLines, closedPort, describeRun, readJsonLines, requireEnv, runProbe, tempDir, warningsAbout,
} from './lib/common.mjs';

const TREE_SPANS = 10;
const SOURCE_DIR = () => requireEnv('AUTOSPAN_SOURCE_DIR');

// Variables whose conformance tests live in another file of this directory (the file must name
// the variable, checked below).
const ELSEWHERE = {
  OTEL_EXPORTER_OTLP_CERTIFICATE: 'tls.test.mjs',
  OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: 'tls.test.mjs',
  OTEL_EXPORTER_OTLP_CLIENT_KEY: 'tls.test.mjs',
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: 'tls.test.mjs',
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: 'tls.test.mjs',
  OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: 'tls.test.mjs',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'protocols.test.mjs',
  OTEL_PROPAGATORS: 'propagation.test.mjs',
  TRACEPARENT: 'propagation.test.mjs',
  TRACESTATE: 'propagation.test.mjs',
  BAGGAGE: 'propagation.test.mjs',
  // Run-time control (issue #9) has its own end-to-end suite.
  AUTOSPAN_FILTER: '../control/control.test.mjs',
  AUTOSPAN_REQUIRE_PARENT: '../control/control.test.mjs',
};

const covered = new Set();
// A conformance test for one or more variables.
function conformance(variables, title, fn, options) {
  for (const v of [].concat(variables)) covered.add(v);
  test(`${[].concat(variables).join(', ')}: ${title}`, options ?? {}, fn);
}

let receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());

// Runs the probe against the shared receiver (reset first); returns the run and what arrived.
async function probe(args, env = {}, { expect = 0, timeoutMs, waitMs } = {}) {
  receiver.reset();
  const run = await runProbe(receiver, args, env, { expect, timeoutMs, waitMs });
  return { run, spans: receiver.spans(), requests: receiver.requests() };
}

const rootsOf = (spans) => spans.filter((s) => s.parentSpanId === '');
const REMOTE_SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const REMOTE_UNSAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

// The options table as the docs show it: [{ name, type, default }].
function documentedOptions() {
  const text = fs.readFileSync(path.join(SOURCE_DIR(), 'docs', 'configuration.md'), 'utf8');
  const table = text.split('<!-- BEGIN GENERATED OPTIONS TABLE')[1].split('<!-- END GENERATED OPTIONS TABLE')[0];
  return [...table.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({ name: m[1], type: m[2].trim(), default: m[3].trim() }));
}

describe('the SDK as a whole', () => {
  conformance('OTEL_SDK_DISABLED', 'true: nothing is recorded or sent, behaviour unchanged; false: traced', async () => {
    const on = await probe(['tree'], { OTEL_SDK_DISABLED: 'false' }, { expect: TREE_SPANS });
    assert.equal(on.spans.length, TREE_SPANS, describeRun(on.run, on.spans));
    const off = await probe(['tree'], { OTEL_SDK_DISABLED: 'TRUE' });
    assertExit0(off.run);
    assert.equal(off.requests.length, 0);
    assert.equal(off.run.stdout, on.run.stdout);
    assert.deepEqual(autospanLines(off.run.stderr), []);
  });

  conformance(['OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES'], 'service.name and extra resource attributes (details: semconv.test.mjs)', async () => {
    const { spans } = await probe(['roots', '1'], { OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,team=a%20b' }, { expect: 1 });
    assert.equal(spans[0].resource.attributes['service.name'], 'svc');
    assert.equal(spans[0].resource.attributes.team, 'a b');
  });
});

describe('exporters', () => {
  conformance('OTEL_TRACES_EXPORTER', 'none: nothing leaves the process', async () => {
    const { run, requests } = await probe(['tree'], { OTEL_TRACES_EXPORTER: 'none' });
    assertExit0(run);
    assert.equal(requests.length, 0);
    assert.deepEqual(autospanLines(run.stderr), []);
  });

  conformance(['OTEL_TRACES_EXPORTER', 'AUTOSPAN_FILE'], 'console,file,otlp: the same spans in all three', async () => {
    const dir = tempDir('exporters');
    try {
      const file = path.join(dir, 'spans.jsonl');
      const { run, spans } = await probe(['tree'], { OTEL_TRACES_EXPORTER: 'console, file ,OTLP', AUTOSPAN_FILE: file }, { expect: TREE_SPANS });
      assertExit0(run, spans);
      assert.equal(spans.length, TREE_SPANS);
      const fromFile = readJsonLines(file);
      assert.deepEqual(fromFile.map((s) => s.spanId).sort(), spans.map((s) => s.spanId).sort());
      for (const s of spans) assert.ok(run.stderr.includes(s.name), `console tree shows ${s.name}\n${run.stderr}`);
      assert.match(run.stderr, new RegExp(`trace ${one(spans, 'probe_app::run').traceId}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  conformance('AUTOSPAN_FILE', 'default path autospan-<pid>.jsonl in the working directory', async () => {
    const dir = tempDir('file');
    try {
      const run = await runProgram(PROBE(), ['roots', '2'], { env: { OTEL_TRACES_EXPORTER: 'file' }, cwd: dir });
      assertExit0(run);
      assert.deepEqual(fs.readdirSync(dir), [`autospan-${run.pid}.jsonl`]);
      assert.equal(readJsonLines(path.join(dir, `autospan-${run.pid}.jsonl`)).length, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  conformance('OTEL_TRACES_EXPORTER', 'console only: the tree on stderr, nothing sent', async () => {
    const { run, requests } = await probe(['tree'], { OTEL_TRACES_EXPORTER: 'console' });
    assertExit0(run);
    assert.equal(requests.length, 0);
    assert.match(run.stderr, /^probe_app::run\s/m);
    assert.match(run.stderr, /fail_on_purpose.*ERROR std::runtime_error: probe failure: expected/);
  });

  conformance('NO_COLOR', 'the console exporter colours a terminal unless NO_COLOR is set', async () => {
    // `script` gives the probe a pseudo-terminal as stderr.
    const onTty = (env) => new Promise((resolve) => {
      execFile('script', ['-qec', `${PROBE()} roots 1`, '/dev/null'], { env: { PATH: process.env.PATH, TERM: 'xterm', OTEL_TRACES_EXPORTER: 'console', ...env }, timeout: 20000 },
        (err, stdout) => resolve({ err, stdout }));
    });
    const coloured = await onTty({});
    assert.equal(coloured.err, null);
    assert.match(coloured.stdout, /probe_app::root_call/);
    assert.match(coloured.stdout, /\x1b\[/, 'colours on a terminal');
    const plain = await onTty({ NO_COLOR: '1' });
    assert.match(plain.stdout, /probe_app::root_call/);
    assert.doesNotMatch(plain.stdout, /\x1b\[/, 'NO_COLOR turns them off');
  });
});

describe('OTLP exporter settings', () => {
  conformance('OTEL_EXPORTER_OTLP_ENDPOINT', 'a base URL: /v1/traces is appended (also after a trailing slash)', async () => {
    for (const endpoint of [receiver.endpoint, `${receiver.endpoint}/`]) {
      const { spans, requests } = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, { expect: 1 });
      assert.equal(spans.length, 1, endpoint);
      assert.equal(requests[0].path, '/v1/traces');
    }
  });

  conformance('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'a full URL used as is, winning over OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const ok = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_ENDPOINT: dead, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces` }, { expect: 1 });
    assert.equal(ok.spans.length, 1, describeRun(ok.run));
    // Used as is: no /v1/traces appended, so the receiver answers 404 and nothing is stored.
    const asIs = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint });
    assert.equal(asIs.spans.length, 0);
    assert.match(asIs.run.stderr, /404/);
  });

  conformance('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json is sent as JSON (all protocols: protocols.test.mjs)', async () => {
    const { spans, requests } = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, { expect: 1 });
    assert.equal(spans.length, 1);
    assert.equal(requests[0].encoding, 'json');
  });

  conformance(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'], 'percent-decoded, trimmed, traces list merged over the generic one key by key', async () => {
    const { requests } = await probe(['roots', '1'], {
      OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1,x-b=generic, x-c = two%20words ',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-b=traces,x-d=4',
    }, { expect: 1 });
    const h = requests[0].headers;
    assert.deepEqual({ a: h['x-a'], b: h['x-b'], c: h['x-c'], d: h['x-d'] }, { a: '1', b: 'traces', c: 'two words', d: '4' });
  });

  conformance('OTEL_EXPORTER_OTLP_HEADERS', 'a malformed entry: one warning that does not print the value; the others are sent', async () => {
    const { run, requests } = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_HEADERS: 'x-ok=1,secret-token-without-equals' }, { expect: 1 });
    assert.equal(requests[0].headers['x-ok'], '1');
    assert.equal(autospanLines(run.stderr).length, 1, run.stderr);
    assert.ok(!run.stderr.includes('secret-token-without-equals'));
  });

  conformance(['OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'], 'bounds an export to a collector that never answers', async () => {
    receiver.reset();
    receiver.faults.setDefault(parseFaultSpec('blackhole'));
    try {
      const generic = await runProbe(receiver, ['roots', '1'], { OTEL_EXPORTER_OTLP_TIMEOUT: '700' });
      assertExit0(generic);
      assert.ok(generic.elapsedMs < 5000, `OTEL_EXPORTER_OTLP_TIMEOUT=700: exit after ${generic.elapsedMs} ms`);
      assert.match(generic.stderr, /dropped 1 span/);
      const traces = await runProbe(receiver, ['roots', '1'], { OTEL_EXPORTER_OTLP_TIMEOUT: '60000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0.7s' });
      assert.ok(traces.elapsedMs < 5000, `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=0.7s wins: exit after ${traces.elapsedMs} ms`);
      // And the timeout really is what ended it: 2 s takes at least 2 s.
      const longer = await runProbe(receiver, ['roots', '1'], { OTEL_EXPORTER_OTLP_TIMEOUT: '2000' });
      assert.ok(longer.elapsedMs >= 1900, `OTEL_EXPORTER_OTLP_TIMEOUT=2000: exit after ${longer.elapsedMs} ms`);
    } finally {
      receiver.faults.clear();
    }
  });

  conformance(['OTEL_EXPORTER_OTLP_COMPRESSION', 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION'], 'gzip, and the traces variant overriding the generic one', async () => {
    const gz = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, { expect: 1 });
    assert.equal(gz.requests[0].contentEncoding, 'gzip');
    assert.equal(gz.spans.length, 1);
    const none = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' }, { expect: 1 });
    assert.equal(none.requests[0].contentEncoding, '');
    const tracesOnly = await probe(['roots', '1'], { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip' }, { expect: 1 });
    assert.equal(tracesOnly.requests[0].contentEncoding, 'gzip');
  });

  conformance(['OTEL_EXPORTER_OTLP_INSECURE', 'OTEL_EXPORTER_OTLP_TRACES_INSECURE'], 'grpc to a bare host:port: plaintext h2c only when insecure', async () => {
    receiver.reset();
    const grpc = await addGrpcTransport(receiver, { name: 'grpc-insecure' });
    try {
      const bare = `127.0.0.1:${grpc.port}`;
      const base = { OTEL_EXPORTER_OTLP_ENDPOINT: bare, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TIMEOUT: '2000' };
      const secure = await runProbe(null, ['roots', '1'], base);
      assertExit0(secure);
      assert.equal(receiver.spans().length, 0, 'a bare endpoint means TLS, which the h2c receiver cannot speak');
      assert.match(secure.stderr, /dropped 1 span/);
      for (const flag of ['OTEL_EXPORTER_OTLP_INSECURE', 'OTEL_EXPORTER_OTLP_TRACES_INSECURE']) {
        receiver.reset();
        const run = await runProbe(receiver, ['roots', '1'], { ...base, [flag]: 'true' }, { expect: 1 });
        assert.equal(receiver.spans().length, 1, `${flag}\n${describeRun(run)}`);
        assert.equal(receiver.requests()[0].transport, 'grpc');
      }
    } finally {
      await grpc.close();
      delete receiver.transports['grpc-insecure'];
    }
  });
});

describe('samplers', () => {
  const N = 400;
  // The OpenTelemetry TraceIdRatioBased rule, as documented in docs/configuration.md.
  const inRatio = (traceId, ratio) => (BigInt(`0x${traceId.slice(16)}`) >> 1n) < BigInt(Math.floor(ratio * 2 ** 63));

  conformance('OTEL_TRACES_SAMPLER', 'always_on records also under an unsampled remote parent; always_off records nothing', async () => {
    const on = await probe(['roots', '3'], { OTEL_TRACES_SAMPLER: 'always_on', TRACEPARENT: REMOTE_UNSAMPLED }, { expect: 3 });
    assert.equal(on.spans.length, 3);
    const off = await probe(['tree'], { OTEL_TRACES_SAMPLER: 'always_off', TRACEPARENT: REMOTE_SAMPLED });
    assertExit0(off.run);
    assert.equal(off.spans.length, 0);
  });

  conformance(['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'], `traceidratio 0.25 over ${N} traces: about a quarter, each decided by the trace id rule`, async () => {
    const { run, spans } = await probe(['roots', String(N)], { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, { expect: 50 });
    assertExit0(run);
    await new Promise((r) => setTimeout(r, 300));
    const kept = receiver.spans();
    // Binomial(400, 0.25): mean 100, sd 8.7; 50..150 is more than 5 sd either way.
    assert.ok(kept.length >= 50 && kept.length <= 150, `${kept.length} of ${N} traces kept`);
    for (const s of kept) assert.ok(inRatio(s.traceId, 0.25), `trace ${s.traceId} is above the 0.25 bound`);
    assert.ok(spans.length > 0);
  });

  conformance('OTEL_TRACES_SAMPLER_ARG', 'bounds: 0 keeps nothing, 1 keeps everything', async () => {
    const zero = await probe(['roots', '50'], { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    assert.equal(zero.spans.length, 0);
    const one_ = await probe(['roots', '50'], { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }, { expect: 50 });
    assert.equal(one_.spans.length, 50);
  });

  conformance('OTEL_TRACES_SAMPLER_ARG', 'out of [0, 1] or not a number: one warning, the default 1.0', async () => {
    for (const arg of ['1.5', '-0.1', 'half']) {
      const { run, spans } = await probe(['roots', '20'], { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg }, { expect: 20 });
      assert.equal(spans.length, 20, arg);
      assert.equal(warningsAbout(run.stderr, 'OTEL_TRACES_SAMPLER_ARG').length, 1, run.stderr);
    }
  });

  conformance('OTEL_TRACES_SAMPLER', 'parentbased_always_on (the default): follows the remote parent, records new roots', async () => {
    for (const sampler of [undefined, 'parentbased_always_on']) {
      const env = sampler ? { OTEL_TRACES_SAMPLER: sampler } : {};
      assert.equal((await probe(['roots', '3'], { ...env, TRACEPARENT: REMOTE_UNSAMPLED })).spans.length, 0);
      const sampled = await probe(['roots', '3'], { ...env, TRACEPARENT: REMOTE_SAMPLED }, { expect: 3 });
      assert.equal(sampled.spans.length, 3);
      for (const s of sampled.spans) assert.equal(s.parentSpanId, 'b7ad6b7169203331');
      assert.equal((await probe(['roots', '3'], env, { expect: 3 })).spans.length, 3);
    }
  });

  conformance('OTEL_TRACES_SAMPLER', 'parentbased_always_off: records only under a sampled remote parent', async () => {
    const env = { OTEL_TRACES_SAMPLER: 'parentbased_always_off' };
    assert.equal((await probe(['roots', '3'], env)).spans.length, 0);
    assert.equal((await probe(['roots', '3'], { ...env, TRACEPARENT: REMOTE_SAMPLED }, { expect: 3 })).spans.length, 3);
    assert.equal((await probe(['roots', '3'], { ...env, TRACEPARENT: REMOTE_UNSAMPLED })).spans.length, 0);
  });

  conformance(['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'], 'parentbased_traceidratio: the ratio for new roots, the parent\'s flag otherwise', async () => {
    const env = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
    assert.equal((await probe(['roots', '20'], env)).spans.length, 0);
    assert.equal((await probe(['roots', '3'], { ...env, TRACEPARENT: REMOTE_SAMPLED }, { expect: 3 })).spans.length, 3);
    assert.equal((await probe(['roots', '3'], { ...env, OTEL_TRACES_SAMPLER_ARG: '1', TRACEPARENT: REMOTE_UNSAMPLED })).spans.length, 0);
  });

  conformance('OTEL_TRACES_SAMPLER', 'the decision covers the whole trace: a sampled trace is complete', async () => {
    const { spans } = await probe(['tree'], { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }, { expect: 3 });
    await new Promise((r) => setTimeout(r, 300));
    const byTrace = new Map();
    for (const s of receiver.spans()) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? 0) + 1);
    // Two traces (run on the main thread, worker_task on the worker): each all or nothing.
    for (const [traceId, count] of byTrace) {
      assert.ok(count === 7 || count === 3, `trace ${traceId} has ${count} spans\n${formatTree(spans)}`);
      assert.ok(inRatio(traceId, 0.5));
    }
  });
});

describe('batch span processor', () => {
  conformance('OTEL_BSP_SCHEDULE_DELAY', 'spans are exported within the delay, not only at exit', async () => {
    receiver.reset();
    const started = Date.now();
    const run = await runProbe(receiver, ['roots', '1', '2500'], { OTEL_BSP_SCHEDULE_DELAY: '200' });
    const exitedAt = Date.now();
    assertExit0(run);
    const arrived = Date.parse(receiver.requests()[0].time);
    assert.ok(exitedAt - arrived > 1200, `with a 200 ms delay the span arrived ${arrived - started} ms after start, ${exitedAt - arrived} ms before exit`);

    receiver.reset();
    const run2 = await runProbe(receiver, ['roots', '1', '1500'], { OTEL_BSP_SCHEDULE_DELAY: '5000' });
    const exited2 = Date.now();
    assertExit0(run2);
    const arrived2 = Date.parse(receiver.requests()[0].time);
    assert.ok(exited2 - arrived2 < 1000, 'with the default 5 s delay the span waits until exit');
  });

  conformance('OTEL_BSP_EXPORT_TIMEOUT', 'bounds the final flush at exit, whatever the export timeout', async () => {
    receiver.reset();
    receiver.faults.setDefault(parseFaultSpec('blackhole'));
    try {
      const run = await runProbe(receiver, ['roots', '1'], { OTEL_EXPORTER_OTLP_TIMEOUT: '60000', OTEL_BSP_EXPORT_TIMEOUT: '500' });
      assertExit0(run);
      assert.ok(run.elapsedMs < 4000, `exit after ${run.elapsedMs} ms`);
      // The request in flight gets the remaining time, so it fails (or is abandoned) in time.
      assert.match(run.stderr, /dropped 1 span\(s\)/);
    } finally {
      receiver.faults.clear();
    }
  });

  conformance('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'no request carries more spans than the batch size', async () => {
    const small = await probe(['roots', '100'], { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10' }, { expect: 100 });
    assert.equal(small.spans.length, 100);
    assert.ok(small.requests.length >= 10);
    for (const r of small.requests) assert.ok(r.spanCount <= 10, `request of ${r.spanCount} spans`);
    const dflt = await probe(['roots', '100'], {}, { expect: 100 });
    assert.ok(Math.max(...dflt.requests.map((r) => r.spanCount)) > 10, 'the default (512) batches more');
  });

  conformance('OTEL_BSP_MAX_QUEUE_SIZE', 'a burst beyond the queue: spans are dropped and counted, never blocking', async () => {
    const small = await probe(['burst', '5000'], { OTEL_BSP_MAX_QUEUE_SIZE: '16' }, { expect: 1 });
    assertExit0(small.run);
    await new Promise((r) => setTimeout(r, 200));
    const got = receiver.spans().length;
    const dropped = Number(/dropped (\d+) span\(s\)/.exec(small.run.stderr)?.[1]);
    assert.ok(got < 5000, `${got} spans arrived`);
    assert.equal(got + dropped, 5000, small.run.stderr);
    assert.match(small.run.stderr, /[1-9]\d* buffer full/);
    const dflt = await probe(['burst', '1000'], {}, { expect: 1000 });
    assert.equal(dflt.spans.length, 1000, 'the default queue (2048) holds 1000');
    assert.deepEqual(autospanLines(dflt.run.stderr), []);
  });
});

describe('span limits', () => {
  conformance('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'string values truncated, in arrays and events too; other types untouched', async () => {
    const { spans } = await probe(['manual', '2', '20', '1', '0'], { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '5' }, { expect: 1 });
    const s = one(spans, 'probe.manual');
    assert.equal(s.attributes['str.0'], 'aaaaa');
    assert.equal(s.attributes['str.1'], 'bbbbb');
    assert.deepEqual(s.attributes['type.string_array'], ['short', 'a-lon']);
    assert.equal(s.attributes['type.int'], -42);
    assert.equal(s.events[0].attributes['event.text'], 'an ev');
    const unlimited = await probe(['manual', '1', '300', '0', '0'], {}, { expect: 1 });
    assert.equal(unlimited.spans[0].attributes['str.0'].length, 300, 'no limit by default');
  });

  conformance('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'at most N attributes, the rest counted as dropped', async () => {
    const { spans } = await probe(['manual', '20', '3', '0', '0'], { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '5' }, { expect: 1 });
    const s = one(spans, 'probe.manual');
    const total = 20 + 7 + 1; // str.*, type.*, thread.id
    assert.equal(Object.keys(s.attributes).length, 5, JSON.stringify(s.attributes));
    assert.equal(s.droppedAttributesCount, total - 5);
    const dflt = await probe(['manual', '20', '3', '0', '0'], {}, { expect: 1 });
    assert.equal(Object.keys(dflt.spans[0].attributes).length, total);
    assert.equal(dflt.spans[0].droppedAttributesCount, 0);
  });

  conformance('OTEL_SPAN_EVENT_COUNT_LIMIT', 'at most N events, the rest counted as dropped', async () => {
    const { spans } = await probe(['manual', '0', '0', '5', '0'], { OTEL_SPAN_EVENT_COUNT_LIMIT: '2' }, { expect: 1 });
    const s = one(spans, 'probe.manual');
    assert.deepEqual(s.events.map((e) => e.name), ['event.0', 'event.1']);
    assert.equal(s.droppedEventsCount, 3);
  });

  conformance('OTEL_SPAN_LINK_COUNT_LIMIT', 'at most N links, the rest counted as dropped', async () => {
    const { spans } = await probe(['manual', '0', '0', '0', '4'], { OTEL_SPAN_LINK_COUNT_LIMIT: '1' }, { expect: 5 });
    const s = one(spans, 'probe.manual');
    assert.equal(s.links.length, 1);
    assert.equal(s.droppedLinksCount, 3);
  });
});

describe("autospan's own variables", () => {
  conformance(['AUTOSPAN_PIPELINE_ID', 'AUTOSPAN_PIPELINE_ID_ATTRIBUTE'], 'on every root span and no other; custom key; not on a continued remote trace', async () => {
    const { spans } = await probe(['tree'], { AUTOSPAN_PIPELINE_ID: 'pipe-9' }, { expect: TREE_SPANS });
    assert.deepEqual(rootsOf(spans).map((s) => s.name).sort(), ['probe_app::run', 'probe_app::worker_task']);
    for (const s of spans) assert.equal(s.attributes['pipeline.id'], s.parentSpanId === '' ? 'pipe-9' : undefined, s.name);
    const custom = await probe(['roots', '1'], { AUTOSPAN_PIPELINE_ID: 'pipe-9', AUTOSPAN_PIPELINE_ID_ATTRIBUTE: 'gentrace.pipeline_id' }, { expect: 1 });
    assert.equal(custom.spans[0].attributes['gentrace.pipeline_id'], 'pipe-9');
    assert.equal(custom.spans[0].attributes['pipeline.id'], undefined);
    const remote = await probe(['roots', '1'], { AUTOSPAN_PIPELINE_ID: 'pipe-9', TRACEPARENT: REMOTE_SAMPLED }, { expect: 1 });
    assert.equal(remote.spans[0].attributes['pipeline.id'], undefined);
  });

  conformance(['AUTOSPAN_MIN_DURATION', 'AUTOSPAN_MIN_DURATION_MODE'], 'the worked example: calls of 0, 40, 0, 0 ms with a 20 ms minimum', async () => {
    const durations = (spans) => spans.filter((s) => s.name === 'probe_app::timed_call')
      .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1)).map((s) => s.durationNs >= 20e6);
    const all = await probe(['durations'], {}, { expect: 4 });
    assert.deepEqual(durations(all.spans), [false, true, false, false], 'no minimum: every call');
    const span = await probe(['durations'], { AUTOSPAN_MIN_DURATION: '20ms' }, { expect: 1 });
    assert.deepEqual(durations(span.spans), [true], 'span mode: only the slow call');
    const latch = await probe(['durations'], { AUTOSPAN_MIN_DURATION: '20ms', AUTOSPAN_MIN_DURATION_MODE: 'latch' }, { expect: 2 });
    assert.deepEqual(durations(latch.spans), [false, false], 'latch mode: every call after the first slow one');
  });

  conformance('AUTOSPAN_MIN_DURATION', 'manual spans are never dropped by the minimum', async () => {
    const { spans } = await probe(['manual', '0', '0', '0', '0'], { AUTOSPAN_MIN_DURATION: '1s' }, { expect: 1 });
    assert.equal(one(spans, 'probe.manual').kind, 'CLIENT');
  });

  conformance('AUTOSPAN_BAGGAGE_ATTRIBUTES', 'selected keys, or * for all', async () => {
    const some = await probe(['inject'], { AUTOSPAN_BAGGAGE_ATTRIBUTES: 'run_id' }, { expect: 1 });
    const client = one(some.spans, 'client');
    assert.equal(client.attributes.run_id, 'run 42');
    assert.equal(client.attributes.thread_id, undefined);
    const all = await probe(['inject'], { AUTOSPAN_BAGGAGE_ATTRIBUTES: '*' }, { expect: 1 });
    assert.equal(one(all.spans, 'client').attributes.run_id, 'run 42');
    assert.equal(one(all.spans, 'client').attributes.thread_id, 't-7');
    const none = await probe(['inject'], {}, { expect: 1 });
    assert.equal(one(none.spans, 'client').attributes.run_id, undefined);
  });

  conformance('AUTOSPAN_SUMMARY', '1: a per-function table on stderr at exit', async () => {
    const { run } = await probe(['tree'], { AUTOSPAN_SUMMARY: '1', OTEL_TRACES_EXPORTER: 'none' });
    assertExit0(run);
    const row = run.stderr.split('\n').find((l) => l.includes('probe_app::stage'));
    assert.ok(row, run.stderr);
    assert.match(row, /\b3\b/, 'stage was called 3 times');
    for (const header of ['calls', 'p99']) assert.match(run.stderr, new RegExp(header));
    const off = await probe(['tree'], { OTEL_TRACES_EXPORTER: 'none' });
    assert.ok(!off.run.stderr.includes('probe_app::stage'));
  });

  conformance('AUTOSPAN_LOG_LEVEL', 'info adds the start-up line; error silences warnings; warn is the default', async () => {
    const info = await probe(['roots', '1'], { AUTOSPAN_LOG_LEVEL: 'info' }, { expect: 1 });
    assert.match(info.run.stderr, /^autospan: info: /m);
    const dflt = await probe(['roots', '1'], { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'many' }, { expect: 1 });
    assert.doesNotMatch(dflt.run.stderr, /autospan: info:/);
    assert.equal(warningsAbout(dflt.run.stderr, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE').length, 1);
    const quiet = await probe(['roots', '1'], { AUTOSPAN_LOG_LEVEL: 'error', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'many' }, { expect: 1 });
    assert.deepEqual(autospanLines(quiet.run.stderr), []);
    const debug = await probe(['roots', '1'], { AUTOSPAN_LOG_LEVEL: 'DEBUG' }, { expect: 1 });
    assert.match(debug.run.stderr, /^autospan: info: /m, 'debug includes info');
  });
});

// Values no parser accepts, per documented type.
const INVALID = {
  boolean: 'maybe',
  integer: '-5',
  'number 0..1': '1.5',
  duration: 'soon',
  'duration (ms)': '10 parsecs',
  choice: 'bogus',
  list: 'otlp,bogus',
};

describe('invalid values: exactly one warning naming the variable, and the default', () => {
  for (const option of (() => {
    try {
      return documentedOptions();
    } catch {
      return [];
    }
  })()) {
    const bad = INVALID[option.type];
    if (bad === undefined) continue; // strings accept anything
    conformance(option.name, `invalid ${option.type} '${bad}'`, async () => {
      const { run, spans } = await probe(['roots', '3'], { [option.name]: bad }, { expect: 3 });
      assertExit0(run, spans);
      const lines = autospanLines(run.stderr);
      assert.equal(lines.length, 1, `exactly one diagnostic:\n${run.stderr}`);
      assert.match(lines[0], new RegExp(`^autospan: warning: ${option.name}='${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is invalid: expected .+; (using the default '${option.default.replace(/`/g, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'|ignoring it)$`));
      // The default is in force: the spans arrive as without the variable.
      assert.equal(spans.length, 3, describeRun(run, spans));
    });
  }
});

test('every documented variable has a conformance test', () => {
  const documented = documentedOptions().map((o) => o.name);
  assert.ok(documented.length >= 40, `parsed ${documented.length} variables from docs/configuration.md`);
  const here = path.dirname(new URL(import.meta.url).pathname);
  const missing = documented.filter((name) => {
    if (covered.has(name)) return false;
    const file = ELSEWHERE[name];
    return !(file && fs.readFileSync(path.join(here, file), 'utf8').includes(name));
  });
  assert.deepEqual(missing, [], 'variables without an end-to-end conformance test');
});
