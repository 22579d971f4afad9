// Scalability: generates an OTLP JSON lines file with --spans N spans (as the file exporter
// writes it: 512 spans per line), times `autospan summary`, `convert --to chrome` and `html`,
// then opens the report in headless Chromium and checks that it stays usable: the page is
// ready, the giant trace's 40 % of all spans collapse into a few rows, the DOM holds only
// what is on screen, a click shows details, the filter answers.
// usage: node scale_test.js AUTOSPAN_BINARY OUTDIR [--spans N] [--keep]
// Prints a Markdown table of the measurements (docs/viewing.md quotes it).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { Browser, findChromium } = require('./cdp');
const { harness } = require('./otlp_read');

const args = process.argv.slice(2);
const bin = args[0], outDir = args[1];
const spansArg = args.indexOf('--spans');
const N = spansArg >= 0 ? Number(args[spansArg + 1]) : 200000;
const keep = args.includes('--keep');
const t = harness('cli.scale');
fs.mkdirSync(outDir, { recursive: true });

// ---- generate ---------------------------------------------------------------------------------
const input = path.join(outDir, `spans-${N}.jsonl`);
const BASE = 1700000000000000000n;
let nextSpan = 1n;
const hex16 = () => (nextSpan++).toString(16).padStart(16, '0');
const resource = { attributes: [
  { key: 'service.name', value: { stringValue: 'scale-test' } },
  { key: 'process.pid', value: { intValue: '4242' } }] };
const fns = ['app::handle', 'app::parse', 'app::validate', 'app::lookup', 'app::db_query',
  'app::render', 'app::serialize', 'app::compress', 'app::write'];
function mkSpan(trace, id, parent, name, startNs, durNs, tid, line) {
  const s = { traceId: trace, spanId: id, flags: 257, name, kind: 1,
    startTimeUnixNano: String(BASE + BigInt(startNs)), endTimeUnixNano: String(BASE + BigInt(startNs + durNs)),
    attributes: [
      { key: 'code.function.name', value: { stringValue: name } },
      { key: 'code.file.path', value: { stringValue: 'src/app.cpp' } },
      { key: 'code.line.number', value: { intValue: String(line) } },
      { key: 'thread.id', value: { intValue: String(tid) } }] };
  if (parent) s.parentSpanId = parent;
  return s;
}
function generate() {
  const fd = fs.openSync(input, 'w');
  let batch = [], count = 0, errors = 0;
  const flush = () => {
    if (!batch.length) return;
    fs.writeSync(fd, JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{
      scope: { name: 'autospan', version: '0.1.0' }, spans: batch }] }] }) + '\n');
    batch = [];
  };
  const push = (s) => { batch.push(s); count++; if (batch.length === 512) flush(); };
  // One giant trace: a batch job calling process_record N/5 times, each calling parse.
  const giant = 'feed'.padStart(32, '0');
  const root = hex16();
  const records = Math.floor(N / 5);
  let at = 0;
  for (let i = 0; i < records; i++) {
    const id = hex16();
    push(mkSpan(giant, id, root, 'app::process_record', 1000 + at, 900, 1, 40));
    push(mkSpan(giant, hex16(), id, 'app::parse_record', 1100 + at, 500, 1, 41));
    at += 1000;
  }
  push(mkSpan(giant, root, '', 'app::batch_job', 0, at + 2000, 1, 30));
  // The rest: request traces of ~30 spans over 4 threads, every 50th one failing.
  let tr = 0, clock = at + 10000;
  while (count < N) {
    const trace = (0x100000 + tr).toString(16).padStart(32, '0');
    const tid = 2 + (tr % 4);
    const top = hex16();
    let off = clock + 100;
    const n = Math.min(29, N - count - 1);
    for (let k = 0; k < n; k++) {
      const dur = 2000 + ((k * 7919 + tr * 104729) % 50000);
      const s = mkSpan(trace, hex16(), top, fns[1 + (k % 8)], off, dur, tid, 50 + k);
      if (tr % 50 === 0 && k === n - 1) {
        s.status = { code: 2, message: 'timeout' };
        s.events = [{ timeUnixNano: String(BASE + BigInt(off + dur)), name: 'exception', attributes: [
          { key: 'exception.type', value: { stringValue: 'std::runtime_error' } },
          { key: 'exception.message', value: { stringValue: 'timeout' } }] }];
        errors++;
      }
      push(s);
      off += dur + 100;
    }
    push(mkSpan(trace, top, '', 'app::handle', clock, off - clock + 100, tid, 20));
    clock = off + 5000;
    tr++;
  }
  flush();
  fs.closeSync(fd);
  return { count, traces: tr + 1, errors, records };
}

const haveTime = fs.existsSync('/usr/bin/time');
// Runs the tool; returns wall seconds and peak RSS in MiB (when /usr/bin/time exists).
function timed(cmdArgs) {
  const t0 = process.hrtime.bigint();
  let rss = null, cpu = null;
  if (haveTime) {
    const res = spawnSync('/usr/bin/time', ['-f', 'AUTOSPAN_RSS_KB=%M AUTOSPAN_CPU=%U+%S', bin, ...cmdArgs],
      { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
    if (res.status !== 0) throw new Error(`autospan ${cmdArgs.join(' ')} failed: ${res.stderr}`);
    const m = /AUTOSPAN_RSS_KB=(\d+)/.exec(res.stderr.toString());
    if (m) rss = Number(m[1]) / 1024;
    const c = /AUTOSPAN_CPU=([\d.]+)\+([\d.]+)/.exec(res.stderr.toString());
    if (c) cpu = Number(c[1]) + Number(c[2]);
  } else {
    execFileSync(bin, cmdArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, rss, cpu };
}
const mib = (file) => fs.statSync(file).size / (1024 * 1024);

async function main() {
  const g0 = Date.now();
  const gen = generate();
  console.log(`generated ${gen.count} spans in ${gen.traces} traces (${mib(input).toFixed(1)} MiB) in ${((Date.now() - g0) / 1000).toFixed(1)} s`);
  t.check(gen.count === N, `generated ${N} spans`);

  const chrome = path.join(outDir, 'trace.json');
  const html = path.join(outDir, 'report.html');
  const m = {
    summary: timed(['summary', input, '-o', path.join(outDir, 'summary.txt')]),
    convert: timed(['convert', '--to', 'chrome', input, '-o', chrome, '--progress', 'never']),
    html: timed(['html', input, '-o', html, '--progress', 'never']),
  };
  const summary = fs.readFileSync(path.join(outDir, 'summary.txt'), 'utf8');
  t.check(summary.includes(`${gen.traces} traces, ${N} spans, ${gen.errors} errors`), 'summary counts every span', summary.split('\n').slice(-2)[0]);
  const doc = JSON.parse(fs.readFileSync(chrome, 'utf8'));
  t.check(doc.traceEvents.filter((e) => e.ph === 'X').length === N, 'chrome trace has one X event per span');

  let page = { ready: null, click: null, filter: null, domRows: null };
  const chromium = findChromium();
  if (chromium) {
    const browser = await Browser.launch(chromium);
    try {
      const p = await browser.newPage();
      await p.init(1400, 900);
      const t0 = Date.now();
      await p.goto('file://' + html);
      await p.waitFor(`document.body.dataset.ready === '1'`, 120000);
      page.ready = (Date.now() - t0) / 1000;
      const stats = await p.eval(`document.getElementById('stats').textContent`);
      t.check(stats.startsWith(`${gen.traces} traces \u00b7 ${N} spans`), 'report header counts every span', stats);
      // The giant trace is the first (earliest); its siblings are one group row.
      const rows = await p.eval(`[...document.querySelectorAll('#rows .row')].map((r) => r.querySelector('.nm').textContent)`);
      t.check(rows.includes(`app::process_record \u00d7 ${gen.records}`), `giant trace: ${gen.records} siblings in one row`, JSON.stringify(rows.slice(0, 5)));
      const c0 = Date.now();
      await p.click('#rows .row.agg .tog');
      await p.waitFor(`document.querySelectorAll('#rows .row:not(.agg)').length > 10`);
      page.click = (Date.now() - c0) / 1000;
      page.domRows = await p.eval(`document.querySelectorAll('#rows .row').length`);
      t.check(page.domRows < 200, `expanded ${gen.records} rows, DOM holds only ${page.domRows}`);
      await p.eval(`document.getElementById('rows').scrollTop = 1e7`);
      await p.eval(`new Promise((r) => requestAnimationFrame(() => r()))`);
      const last = await p.eval(`[...document.querySelectorAll('#rows .row')].pop().querySelector('.nm').textContent`);
      t.check(last === 'app::parse_record', 'scrolled to the end of the expanded trace', last);
      await p.click('#rows .row:last-child .nm');
      t.check(await p.eval(`document.querySelector('#details h2').textContent`) === 'app::parse_record', 'click shows details');
      const f0 = Date.now();
      await p.type('#filter', 'db_query');
      await p.waitFor(`document.querySelector('#traces-head').textContent.includes(' of ')`, 60000);
      page.filter = (Date.now() - f0) / 1000;
      await p.screenshot(path.join(outDir, 'scale.png'));
      t.check(p.errors.length === 0, 'no script error', JSON.stringify(p.errors));
    } finally {
      await browser.close();
    }
  } else {
    console.log('chromium not installed: browser part skipped');
  }

  const fmt = (x) => (x === null ? 'n/a' : x.toFixed(1));
  console.log(`\n| ${N} spans, ${gen.traces} traces | input ${mib(input).toFixed(0)} MiB |`);
  console.log('| step | wall time (s) | CPU time (s) | peak RSS (MiB) | output (MiB) |');
  console.log('|---|---|---|---|---|');
  console.log(`| autospan summary | ${fmt(m.summary.s)} | ${fmt(m.summary.cpu)} | ${fmt(m.summary.rss)} | |`);
  console.log(`| autospan convert --to chrome | ${fmt(m.convert.s)} | ${fmt(m.convert.cpu)} | ${fmt(m.convert.rss)} | ${mib(chrome).toFixed(0)} |`);
  console.log(`| autospan html | ${fmt(m.html.s)} | ${fmt(m.html.cpu)} | ${fmt(m.html.rss)} | ${mib(html).toFixed(0)} |`);
  console.log(`| report ready in Chromium (load + parse + first draw) | ${fmt(page.ready)} | | | |`);
  console.log(`| expand the ${gen.records} collapsed siblings | ${fmt(page.click)} | | | |`);
  console.log(`| filter all spans by name | ${fmt(page.filter)} | | | |`);
  if (!keep) for (const f of [input, chrome]) fs.rmSync(f, { force: true });
  if (!chromium) { t.done(); process.exit(process.exitCode || 77); }
}

main().then(() => t.done(), (e) => { t.check(false, 'scale run', e.stack); t.done(); });
