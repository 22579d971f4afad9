// Runs a program built against the installed autospan package and checks the spans it exports:
// over OTLP/HTTP to the project's receiver (test/peers, decoded with the official schema), or,
// with --exporter file, as OTLP JSON lines read back with the receiver's JSON decoder.
//
//   node check_spans.mjs --program PATH --expect shop|manual --version X.Y.Z
//                        [--mode plugin|rewrite] [--exporter otlp|file] [--recipe NAME]
//                        [--source-dir DIR]
//
// --expect shop    the instrumented test/consumer/project/src program (tree below)
// --expect manual  src/manual.cpp (manual API only)
// --recipe NAME    run with the settings docs/recipes.md gives for NAME (gentrace, jaeger,
//                  tempo, collector), the receiver standing in for that backend
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assertTree, byName, formatTree, one, roots, runProgram, startReceiver } from '../peers/index.js';
import { readJsonLines } from '../e2e/helpers.mjs';

const { values: opt } = parseArgs({
  options: {
    program: { type: 'string' },
    expect: { type: 'string' },
    version: { type: 'string' },
    mode: { type: 'string', default: 'plugin' },
    exporter: { type: 'string', default: 'otlp' },
    recipe: { type: 'string' },
    'source-dir': { type: 'string', default: path.join(path.dirname(new URL(import.meta.url).pathname), 'project', 'src') },
  },
});
for (const required of ['program', 'expect', 'version']) {
  if (!opt[required]) throw new Error(`--${required} is required`);
}

// The environment of each recipe in docs/recipes.md. ENDPOINT is replaced by the receiver's.
const RECIPES = {
  jaeger: { OTEL_EXPORTER_OTLP_ENDPOINT: 'ENDPOINT', OTEL_SERVICE_NAME: 'shop' },
  tempo: {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'ENDPOINT',
    OTEL_SERVICE_NAME: 'shop',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.version=1.4.2',
  },
  collector: {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'ENDPOINT',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    OTEL_SERVICE_NAME: 'shop',
  },
  gentrace: {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ENDPOINT/v1/traces',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer test-gentrace-key',
    OTEL_SERVICE_NAME: 'shop',
    AUTOSPAN_PIPELINE_ID: '3f1c2a9e-5b7d-4c1e-9a0f-2d6b8e4c7a11',
    AUTOSPAN_PIPELINE_ID_ATTRIBUTE: 'gentrace.pipeline_id',
  },
};

function describe(run, spans) {
  return `exit ${run.code}${run.signal ? ` (signal ${run.signal})` : ''}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}--- spans\n${formatTree(spans)}`;
}

// 1-based line of the first line of `file` matching `re`.
function lineOf(file, re) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} not found in ${file}`);
  return i + 1;
}

async function runWithExporter(env) {
  if (opt.exporter === 'file') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autospan-consumer-'));
    const file = path.join(dir, 'spans.jsonl');
    const run = await runProgram(opt.program, [], {
      env: { OTEL_TRACES_EXPORTER: 'file', AUTOSPAN_FILE: file, OTEL_SERVICE_NAME: 'shop', ...env },
    });
    const spans = fs.existsSync(file) ? readJsonLines(file) : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { run, spans, requests: [] };
  }
  const receiver = await startReceiver();
  try {
    let recipeEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'shop' };
    if (opt.recipe) {
      assert.ok(RECIPES[opt.recipe], `unknown recipe ${opt.recipe}`);
      recipeEnv = Object.fromEntries(Object.entries(RECIPES[opt.recipe])
        .map(([k, v]) => [k, v.replace('ENDPOINT', receiver.endpoint)]));
    }
    const run = await runProgram(opt.program, [], { env: { ...recipeEnv, ...env } });
    // Export is complete when the program has exited (final flush); nothing to wait for.
    return { run, spans: receiver.spans(), requests: receiver.requests() };
  } finally {
    await receiver.close();
  }
}

function checkCommon(spans, run) {
  for (const s of spans) {
    assert.equal(s.kind, 'INTERNAL', s.name);
    assert.equal(s.scope.name, 'autospan', s.name);
    assert.equal(s.scope.version, opt.version, s.name);
    assert.equal(s.resource.attributes['telemetry.sdk.name'], 'autospan');
    assert.equal(s.resource.attributes['telemetry.sdk.version'], opt.version);
    assert.equal(s.resource.attributes['service.name'], 'shop');
    assert.equal(s.attributes['thread.id'], run.pid, `${s.name}: thread.id is the main thread's`);
  }
  assert.equal(new Set(spans.map((s) => s.traceId)).size, 1, `one trace\n${formatTree(spans)}`);
}

function checkShop(spans, run) {
  assert.equal(run.stdout, 'rejected 1\ntotal 11\n', describe(run, spans));
  const root = one(spans, 'consumer.main');
  assertTree(spans, root, {
    name: 'consumer.main',
    children: [{
      name: 'shop::checkout',
      children: [{ name: 'shop::parse' }, { name: 'shop::price', count: 3 }, { name: 'shop::discount' }],
    }],
  });
  assert.equal(spans.length, 7, `exactly the tree above (shop::detail is excluded)\n${formatTree(spans)}`);

  const failed = byName(spans, 'shop::price').filter((s) => s.status.code === 'ERROR');
  assert.equal(failed.length, 1, `one price() call threw\n${formatTree(spans)}`);
  const event = failed[0].events.find((e) => e.name === 'exception');
  assert.ok(event, 'exception event on the span the exception left');
  assert.equal(event.attributes['exception.type'], 'std::invalid_argument');
  assert.equal(event.attributes['exception.message'], 'unknown item: kiwi');

  const src = opt['source-dir'];
  const where = {
    'shop::checkout': ['shop.cpp', /^int checkout\(/],
    'shop::parse': ['shop.cpp', /^std::vector<Order> parse\(/],
    'shop::price': ['shop.cpp', /^int price\(/],
    'shop::discount': ['shop.h', /^inline int discount\(/],
  };
  for (const s of spans.filter((x) => x.name.startsWith('shop::'))) {
    const [file, re] = where[s.name];
    assert.ok(String(s.attributes['code.file.path']).endsWith(`src/${file}`),
      `${s.name}: code.file.path ${s.attributes['code.file.path']}`);
    const got = s.attributes['code.line.number'];
    if (opt.mode === 'plugin') {
      const line = lineOf(path.join(src, file), re);
      assert.equal(got, line, `${s.name}: the plugin records the line of the function's name`);
    } else {
      // The macro records the line of the statement the rewriter inserted, in the file that was
      // compiled (the rewritten copy): that line must be the function's AUTOSPAN_FUNCTION.
      const compiled = String(s.attributes['code.file.path']);
      const text = fs.readFileSync(compiled, 'utf8').split('\n');
      assert.match(text[got - 1] ?? '', new RegExp(`AUTOSPAN_FUNCTION\\("${s.name}"\\)`),
        `${s.name}: ${compiled}:${got} is not its AUTOSPAN_FUNCTION line`);
      const signature = lineOf(compiled, re);
      assert.ok(got > signature && got <= signature + 2, `${s.name}: inserted at the body's start`);
    }
  }
}

function checkManual(spans, run) {
  const m = /^sum 6 trace ([0-9a-f]{32})\n$/.exec(run.stdout);
  assert.ok(m, describe(run, spans));
  const root = one(spans, 'manual.run');
  assertTree(spans, root, { name: 'manual.run', children: [{ name: 'manual.step', count: 3 }] });
  assert.equal(spans.length, 4, formatTree(spans));
  assert.equal(root.traceId, m[1], 'trace_id_hex() printed by the program is the exported trace id');
  assert.equal(root.attributes['manual.items'], 3);
  assert.equal(root.status.code, 'ERROR');
  const event = root.events.find((e) => e.name === 'exception');
  assert.equal(event?.attributes['exception.type'], 'std::runtime_error');
  assert.equal(event?.attributes['exception.message'], 'boom');
}

function checkRecipe(spans, requests) {
  const root = roots(spans)[0];
  const gentrace = opt.recipe === 'gentrace';
  for (const r of requests) {
    assert.equal(r.path, '/v1/traces');
    assert.equal(r.encoding, gentrace ? 'json' : 'protobuf');
    assert.equal(r.error, null);
    assert.deepEqual(r.warnings, [], 'OTLP/JSON as the specification spells it');
  }
  if (gentrace) {
    assert.equal(requests[0].headers.authorization, 'Bearer test-gentrace-key');
    assert.equal(root.attributes['gentrace.pipeline_id'], RECIPES.gentrace.AUTOSPAN_PIPELINE_ID);
    for (const s of spans.filter((x) => x !== root)) {
      assert.equal(s.attributes['gentrace.pipeline_id'], undefined, `${s.name}: only the root carries it`);
    }
    assert.equal(root.attributes['pipeline.id'], undefined, 'the default key is replaced');
  }
  if (opt.recipe === 'tempo') {
    assert.equal(root.resource.attributes['deployment.environment.name'], 'staging');
    assert.equal(root.resource.attributes['service.version'], '1.4.2');
  }
  if (opt.recipe === 'collector') {
    assert.equal(requests[0].contentEncoding, 'gzip');
  }
}

const { run, spans, requests } = await runWithExporter({});
assert.equal(run.code, 0, describe(run, spans));
assert.ok(spans.length > 0, `no spans arrived\n${describe(run, spans)}`);
checkCommon(spans, run);
if (opt.expect === 'shop') checkShop(spans, run);
else if (opt.expect === 'manual') checkManual(spans, run);
else throw new Error(`--expect ${opt.expect}?`);
if (opt.recipe) checkRecipe(spans, requests);
console.log(`${opt.program}: ${spans.length} spans as expected (${opt.exporter}${opt.recipe ? `, recipe ${opt.recipe}` : ''})`);
console.log(formatTree(spans));
