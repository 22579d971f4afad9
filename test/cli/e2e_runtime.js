// End to end with the real runtime: runs traced_app with the `file` exporter, then checks that
// every `autospan` command reads what the runtime wrote: the spans and their structure
// (read independently here), tree, summary, the Chrome conversion (check_chrome.js) and the
// HTML report in Chromium (browser checks are in browser_test.js; here: it loads, all spans).
// usage: node e2e_runtime.js AUTOSPAN_BINARY TRACED_APP OUTDIR
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { readSpans, harness } = require('./otlp_read');

const [bin, app, outDir] = process.argv.slice(2);
const t = harness('cli.e2e');
fs.mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, 'traced_app.jsonl');
fs.rmSync(file, { force: true });
const env = Object.assign({}, process.env, {
  OTEL_TRACES_EXPORTER: 'file', AUTOSPAN_FILE: file, OTEL_SERVICE_NAME: 'shop',
  OTEL_BSP_SCHEDULE_DELAY: '50',
});
delete env.OTEL_SDK_DISABLED;
const run = spawnSync(app, [], { env, encoding: 'utf8' });
t.check(run.status === 0, 'traced_app exits 0', run.stderr);
t.check(fs.existsSync(file), `the file exporter wrote ${file}`);

const spans = readSpans(file);
const byName = (n) => spans.filter((s) => s.name === n);
const expectCount = { 'shop::handle_order': 3, 'shop::parse': 3, 'shop::lookup': 3, 'shop::db_query': 3,
  'shop::render': 3, 'shop::process_item': 90 };
for (const [name, n] of Object.entries(expectCount))
  t.check(byName(name).length === n, `${n} x ${name} in the file`, byName(name).length);
const byId = new Map(spans.map((s) => [s.spanId, s]));
const parentName = (s) => (byId.get(s.parentSpanId) || {}).name;
t.check(byName('shop::db_query').every((s) => parentName(s) === 'shop::lookup'), 'db_query under lookup');
t.check(byName('shop::render').every((s) => parentName(s) === 'shop::handle_order'), 'render (other thread) under handle_order');
t.check(new Set(byName('shop::handle_order').map((s) => s.traceId)).size === 3, 'one trace per order');
const failed = byName('shop::lookup').filter((s) => s.status === 2);
t.check(failed.length === 1 && failed[0].events.some((e) => e.name === 'exception'), 'one lookup failed with an exception event');

const tree = execFileSync(bin, ['tree', '--color', 'never', file], { encoding: 'utf8' });
t.check((tree.match(/^trace [0-9a-f]{32}/gm) || []).length === 3, 'tree: 3 traces', tree);
t.check(/shop::process_item × 30, total/.test(tree), 'tree: the 30 items are collapsed');
t.check(/shop::lookup .*ERROR/.test(tree) && tree.includes('no such order'), 'tree: the error is shown');
for (const name of Object.keys(expectCount)) t.check(tree.includes(name), `tree shows ${name}`);

const summary = execFileSync(bin, ['summary', '--format', 'csv', file], { encoding: 'utf8' });
const rows = Object.fromEntries(summary.trim().split('\n').slice(1).map((l) => {
  const m = /^"((?:[^"]|"")*)",(.*)$/.exec(l);
  return [m[1], m[2].split(',').map(Number)];
}));
for (const [name, n] of Object.entries(expectCount))
  t.check(rows[name] && rows[name][0] === n, `summary: ${name} calls = ${n}`);
t.check(rows['shop::lookup'][1] === 1, 'summary: lookup has 1 error');
t.check(rows['shop::db_query'][5] >= 300000, 'summary: db_query p50 >= 300 us (busy loop)');

const chrome = spawnSync(process.execPath, [path.join(__dirname, 'check_chrome.js'), bin, path.join(outDir, 'chrome'), file], { encoding: 'utf8' });
t.check(chrome.status === 0, 'check_chrome.js passes on the runtime\'s file', chrome.stdout.split('\n').filter((l) => l.startsWith('not ok')).join('\n'));

execFileSync(bin, ['html', file, '-o', path.join(outDir, 'traced_app.html')]);
t.check(fs.statSync(path.join(outDir, 'traced_app.html')).size > 10000, 'html report written');
t.done();
