// Drives the HTML report in real headless Chromium (DevTools protocol over a pipe, see cdp.js):
// loads a generated report, checks that the DOM shows every span of every trace, clicks spans
// and checks the details panel, exercises filter, errors-only, fold, zoom and collapsed
// sibling groups, checks that the page made no network request and logged no error, and
// saves a screenshot.
// usage: node browser_test.js AUTOSPAN_BINARY OUTDIR BASIC.jsonl REPEATED.jsonl [SCREENSHOT.png]
// Exit 77 (CTest SKIP_RETURN_CODE) only when no Chromium is installed.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { Browser, findChromium } = require('./cdp');
const { readSpans, harness } = require('./otlp_read');

const [bin, outDir, basicInput, repeatedInput, screenshotArg] = process.argv.slice(2);
const chromium = findChromium();
if (!chromium) {
  console.log('SKIP: no chromium executable (apt-get install chromium)');
  process.exit(77);
}
fs.mkdirSync(outDir, { recursive: true });
const t = harness('cli.browser');

function report(input, name, extra = []) {
  const out = path.join(outDir, name);
  execFileSync(bin, ['html', input, '-o', out, '--progress', 'never', ...extra]);
  return out;
}

// Hostile names must show up as text, never as markup or script.
const hostile = path.join(outDir, 'hostile.jsonl');
fs.writeFileSync(hostile, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
  traceId: '00000000000000000000000000000abc', spanId: '00000000000000a1',
  name: '</script><img src=x onerror="window.pwned=1">&amp;', kind: 1,
  startTimeUnixNano: '1000', endTimeUnixNano: '2000',
  attributes: [{ key: '<b>k</b>', value: { stringValue: '</script>"\'' } }],
}] }] }] }) + '\n');

const rowsJs = `[...document.querySelectorAll('#rows .row')].map((r) => ({
  id: r.dataset.spanId || null, name: r.querySelector('.nm').textContent,
  err: r.classList.contains('err'), match: r.classList.contains('match'),
  dim: r.classList.contains('dim'), sel: r.classList.contains('sel'),
  group: r.dataset.group !== undefined, width: r.querySelector('.bar').style.width }))`;
const detailsJs = `(() => { const d = document.getElementById('details');
  const attrs = {}; d.querySelectorAll('table.attrs tr').forEach((tr) => { attrs[tr.dataset.key] = tr.children[1].textContent; });
  const summary = {}; d.querySelectorAll('table.summary tr').forEach((tr) => { summary[tr.children[0].textContent] = tr.children[1].textContent; });
  const events = [...d.querySelectorAll('.evt')].map((e) => ({ name: e.querySelector('.en').textContent,
    exc: e.classList.contains('exc'),
    attrs: Object.fromEntries([...e.querySelectorAll('tr')].map((tr) => [tr.dataset.key, tr.children[1].textContent])) }));
  return { title: (d.querySelector('h2') || {}).textContent, spanId: d.dataset.spanId, attrs, summary, events }; })()`;

async function main() {
  const browser = await Browser.launch(chromium);
  try {
    const page = await browser.newPage();
    await page.init(1400, 900);

    // ---- basic.jsonl: every span of every trace --------------------------------------------
    const basic = report(basicInput, 'basic.html');
    const spans = readSpans(basicInput);
    const traces = [...new Set(spans.map((s) => s.traceId))];
    await page.goto('file://' + basic);
    await page.waitFor(`document.body.dataset.ready === '1'`);
    const listed = await page.eval(`[...document.querySelectorAll('#trace-list .trace')].map((e) => e.dataset.traceId)`);
    t.check(listed.length === traces.length && traces.every((id) => listed.includes(id)),
      `trace list holds the ${traces.length} traces`, JSON.stringify(listed));
    const stats = await page.eval(`document.getElementById('stats').textContent`);
    t.check(stats.startsWith(`${traces.length} traces \u00b7 ${spans.length} spans \u00b7 1 error`), 'header counts', stats);

    let rows;
    const seen = new Map();
    for (const id of traces) {
      await page.click(`#trace-list .trace[data-trace-id="${id}"]`);
      await page.waitFor(`document.querySelector('#trace-list .trace.sel').dataset.traceId === '${id}'`);
      const rows = await page.eval(rowsJs);
      const expected = spans.filter((s) => s.traceId === id);
      t.check(rows.length === expected.length, `trace ${id}: ${expected.length} rows`, `got ${rows.length}`);
      for (const r of rows) seen.set(r.id, r);
    }
    for (const s of spans) {
      const r = seen.get(s.spanId);
      if (!t.check(r !== undefined, `span ${s.name} ${s.spanId} is in the DOM`)) continue;
      t.check(r.name === s.name, `span ${s.spanId} shows its name`, r.name);
      t.check(r.err === (s.status === 2), `span ${s.name} ${s.status === 2 ? 'is' : 'is not'} highlighted as an error`);
    }

    // ---- click a span: details show its attributes ------------------------------------------
    const dbq = spans.find((s) => s.name === 'app::db_query');
    await page.click(`#trace-list .trace[data-trace-id="${dbq.traceId}"]`);
    await page.click(`#rows .row[data-span-id="${dbq.spanId}"] .nm`);
    await page.waitFor(`document.getElementById('details').dataset.spanId === '${dbq.spanId}'`);
    let d = await page.eval(detailsJs);
    t.check(d.title === 'app::db_query', 'details title is the clicked span', d.title);
    t.check(d.attrs['db.rows'] === '3', 'details: int attribute', JSON.stringify(d.attrs));
    t.check(d.attrs['db.cache_hit_ratio'] === '0.25', 'details: double attribute');
    t.check(d.attrs['db.cached'] === 'false', 'details: bool attribute');
    t.check(d.attrs['db.tables'] === '["users","orders"]', 'details: array attribute');
    t.check(d.attrs['thread.name'] === 'main', 'details: thread.name');
    t.check(d.summary['duration'] === '3.00 ms', 'details: duration', d.summary['duration']);
    t.check(d.summary['span id'] === dbq.spanId, 'details: span id');
    t.check(d.summary['service'] === 'shop', 'details: service from the resource');
    t.check((await page.eval(rowsJs)).find((r) => r.id === dbq.spanId).sel, 'clicked row is selected');
    // The parent link selects the parent.
    await page.click('#details table.summary a');
    d = await page.eval(detailsJs);
    t.check(d.title === 'app::lookup' && d.summary['self time'] === '2.00 ms', 'parent link selects the parent (self time 2 ms)', JSON.stringify(d.summary));

    // ---- the error span: status and exception event -----------------------------------------
    const err = spans.find((s) => s.status === 2);
    await page.click(`#trace-list .trace[data-trace-id="${err.traceId}"]`);
    await page.click(`#rows .row[data-span-id="${err.spanId}"] .bar`);
    await page.waitFor(`document.getElementById('details').dataset.spanId === '${err.spanId}'`);
    d = await page.eval(detailsJs);
    t.check(d.summary['status'] === 'ERROR: key not found', 'error span: status and message', d.summary['status']);
    t.check(d.events.length === 1 && d.events[0].exc && d.events[0].attrs['exception.type'] === 'std::out_of_range',
      'error span: exception event with its type', JSON.stringify(d.events));
    t.check(await page.eval(`document.querySelectorAll('#rows .row.err .mark.exc').length === 1`), 'exception marker on the bar');
    const badge = await page.eval(`document.querySelector('#trace-list .trace[data-trace-id="${err.traceId}"] .badge').textContent`);
    t.check(badge === '1 err', 'error trace has a badge in the list', badge);
    await page.screenshot(screenshotArg || path.join(outDir, 'report.png'));

    // ---- zoom: buttons, ctrl+wheel on the timeline, reset -----------------------------------
    const ticks = `[...document.querySelectorAll('#axis-lane .tick')].map((e) => e.textContent).join('|')`;
    const rootWidth = `document.querySelector('#rows .row .bar').style.width`;
    const before = { ticks: await page.eval(ticks), width: await page.eval(rootWidth) };
    await page.click('#zoom-in');
    const zoomed = { ticks: await page.eval(ticks), width: await page.eval(rootWidth) };
    t.check(zoomed.ticks !== before.ticks, 'zoom in changes the time axis', `${before.ticks} -> ${zoomed.ticks}`);
    t.check(parseFloat(zoomed.width) > parseFloat(before.width), 'zoom in widens bars', `${before.width} -> ${zoomed.width}`);
    await page.click('#zoom-reset');
    t.check(await page.eval(ticks) === before.ticks, 'reset restores the whole trace');
    const lane = await page.eval(`(() => { const r = document.querySelector('#rows .row .lane').getBoundingClientRect(); return { x: r.left + r.width / 4, y: r.top + r.height / 2 }; })()`);
    await page.wheel(lane.x, lane.y, -400, 2 /* ctrl */);
    await page.waitFor(`${ticks} !== ${JSON.stringify(before.ticks)}`);
    t.check(true, 'ctrl+wheel over the timeline zooms');
    await page.click('#zoom-reset');
    // Dragging the timeline pans it, and the release is not taken as a click on a span.
    await page.click('#zoom-in');
    const panBefore = { ticks: await page.eval(ticks), sel: await page.eval(`document.getElementById('details').dataset.spanId`) };
    await page.mouse('mouseMoved', lane.x + 200, lane.y);
    await page.mouse('mousePressed', lane.x + 200, lane.y);
    for (let dx = 20; dx <= 160; dx += 20) await page.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: lane.x + 200 - dx, y: lane.y, button: 'left', buttons: 1 });
    await page.mouse('mouseReleased', lane.x + 40, lane.y);
    t.check(await page.eval(ticks) !== panBefore.ticks, 'dragging the timeline pans it');
    t.check(await page.eval(`document.getElementById('details').dataset.spanId`) === panBefore.sel, 'a drag does not select a span');
    await page.click('#zoom-reset');
    // Double-clicking a span zooms to it: its bar then spans (nearly) the whole lane.
    await page.click(`#trace-list .trace[data-trace-id="${dbq.traceId}"]`);
    await page.click(`#rows .row[data-span-id="${dbq.spanId}"] .bar`, { clickCount: 2 });
    const dbqWidth = await page.eval(`parseFloat(document.querySelector('#rows .row[data-span-id="${dbq.spanId}"] .bar').style.width)`);
    t.check(dbqWidth > 85, 'double-click zooms to the span', dbqWidth);
    await page.click('#zoom-reset');

    // ---- fold a subtree ----------------------------------------------------------------------
    const lookupA = spans.find((s) => s.name === 'app::lookup' && s.traceId === dbq.traceId);
    await page.click(`#trace-list .trace[data-trace-id="${dbq.traceId}"]`);
    await page.click(`#rows .row[data-span-id="${lookupA.spanId}"] .tog`);
    rows = await page.eval(rowsJs);
    t.check(!rows.some((r) => r.id === dbq.spanId), 'folding app::lookup hides db_query', JSON.stringify(rows.map((r) => r.name)));
    await page.click(`#rows .row[data-span-id="${lookupA.spanId}"] .tog`);
    t.check((await page.eval(rowsJs)).some((r) => r.id === dbq.spanId), 'unfolding shows it again');

    // ---- filter by name and errors only ------------------------------------------------------
    await page.type('#filter', 'db_q');
    await page.waitFor(`document.querySelectorAll('#trace-list .trace').length === 1`);
    rows = await page.eval(rowsJs);
    t.check(rows.find((r) => r.id === dbq.spanId).match && rows.filter((r) => r.match).length === 1,
      'filter: the matching span is highlighted');
    t.check(rows.filter((r) => r.dim).length === rows.length - 1, 'filter: the others are dimmed');
    await page.eval(`(() => { const f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input')); })()`);
    await page.waitFor(`document.querySelectorAll('#trace-list .trace').length === ${traces.length}`);
    await page.click('#errors-only');
    await page.waitFor(`document.querySelectorAll('#trace-list .trace').length === 1`);
    t.check(await page.eval(`document.querySelector('#trace-list .trace').dataset.traceId`) === err.traceId,
      'errors only: just the failing trace');
    await page.click('#errors-only');

    t.check(page.requests.every((u) => u.startsWith('file://') || u.startsWith('data:')),
      'no network request', JSON.stringify(page.requests));
    t.check(page.errors.length === 0, 'no script or console error', JSON.stringify(page.errors));

    // ---- repeated.jsonl: 50 same-name siblings collapse into one expandable row -------------
    const repeated = report(repeatedInput, 'repeated.html');
    await page.goto('file://' + repeated);
    await page.waitFor(`document.body.dataset.ready === '1'`);
    rows = await page.eval(rowsJs);
    const group = rows.find((r) => r.group);
    t.check(group && group.name === 'app::process_record \u00d7 50', 'siblings collapsed into one row', JSON.stringify(group));
    t.check(rows.length === 3, 'collapsed trace shows 3 rows', rows.length);
    await page.click('#rows .row.agg .nm');
    d = await page.eval(`document.querySelector('#details h2').textContent`);
    t.check(d === 'app::process_record \u00d7 50', 'clicking the group shows its statistics', d);
    await page.click('#rows .row.agg .tog');
    rows = await page.eval(rowsJs);
    t.check(rows.filter((r) => r.name === 'app::process_record').length === 50, 'expanding shows all 50');

    // ---- an empty input still makes a working page ------------------------------------------
    const emptyReport = report(path.join(path.dirname(basicInput), 'empty.txt'), 'empty.html');
    await page.goto('file://' + emptyReport);
    await page.waitFor(`document.body.dataset.ready === '1'`);
    t.check(await page.eval(`document.getElementById('stats').textContent.startsWith('0 traces')`), 'empty input: page says 0 traces');
    t.check(await page.eval(`document.querySelector('#rows .none').textContent`) === 'This file holds no spans.', 'empty input: explains itself');

    // ---- hostile names stay text -------------------------------------------------------------
    const hostileReport = report(hostile, 'hostile.html', ['--title', '<i>t</i></title>']);
    await page.goto('file://' + hostileReport);
    await page.waitFor(`document.body.dataset.ready === '1'`);
    rows = await page.eval(rowsJs);
    t.check(rows.length === 1 && rows[0].name === '</script><img src=x onerror="window.pwned=1">&amp;', 'markup in a span name is shown as text', JSON.stringify(rows));
    t.check(await page.eval(`window.pwned === undefined && document.querySelectorAll('#rows img').length === 0`), 'markup in a span name is not executed');
    t.check(await page.eval(`document.title`) === '<i>t</i></title> - autospan', 'title is escaped');
    t.check(page.errors.length === 0, 'no script or console error (all pages)', JSON.stringify(page.errors));
  } finally {
    await browser.close();
  }
}

main().then(() => t.done(), (e) => {
  t.check(false, 'browser session', e.stack);
  t.done();
});
