// Converts inputs with `autospan convert --to chrome` and checks the output against the
// inputs read independently: one X event per span with exact ts/dur, pid per resource, tid per
// thread.id, proper nesting per thread (what Perfetto and chrome://tracing require), parents
// enclosing children on a shared thread, exceptions as instant events.
// usage: node check_chrome.js AUTOSPAN_BINARY OUTDIR INPUT.jsonl...
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { readSpans, harness } = require('./otlp_read');

const [bin, outDir, ...inputs] = process.argv.slice(2);
const t = harness('cli.chrome');
fs.mkdirSync(outDir, { recursive: true });

// An extra input that forces the overlap lanes: spans without thread.id that overlap without
// nesting (two concurrent async requests), plus a zero-length span.
const overlap = path.join(outDir, 'overlap.jsonl');
{
  const mk = (trace, id, parent, name, s, e) => ({ traceId: trace.padStart(32, '0'), spanId: id.padStart(16, '0'),
    parentSpanId: parent ? parent.padStart(16, '0') : undefined, name, kind: 2,
    startTimeUnixNano: String(1700000000000000000n + BigInt(s)), endTimeUnixNano: String(1700000000000000000n + BigInt(e)) });
  const spans = [mk('f1', '1', '', 'GET /a', 0, 1000), mk('f2', '2', '', 'GET /b', 500, 1500),
    mk('f1', '3', '1', 'db', 100, 900), mk('f2', '4', '2', 'db', 600, 1400), mk('f1', '5', '1', 'instant', 950, 950)];
  fs.writeFileSync(overlap, JSON.stringify({ resourceSpans: [{ resource: { attributes: [
    { key: 'service.name', value: { stringValue: 'async-svc' } }] }, scopeSpans: [{ spans }] }] }) + '\n');
}

for (const input of [...inputs, overlap]) {
  const label = path.basename(input);
  const out = path.join(outDir, label.replace(/\.jsonl$/, '.chrome.json'));
  execFileSync(bin, ['convert', '--to', 'chrome', input, '-o', out, '--progress', 'never']);
  const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  const spans = readSpans(input);
  t.check(Array.isArray(doc.traceEvents), `${label}: traceEvents is an array`);
  const events = doc.traceEvents;
  const x = events.filter((e) => e.ph === 'X');
  t.check(x.length === spans.length, `${label}: one X event per span (${spans.length})`, `got ${x.length}`);
  for (const e of events) {
    const ok = typeof e.name === 'string' && typeof e.ph === 'string' && Number.isInteger(e.pid) &&
      Number.isInteger(e.tid) && (e.ph === 'M' || (typeof e.ts === 'number' && e.ts >= 0)) &&
      (e.ph !== 'X' || (typeof e.dur === 'number' && e.dur >= 0)) && typeof e.args === 'object';
    if (!ok) { t.check(false, `${label}: well-formed event`, JSON.stringify(e)); break; }
  }
  const base = spans.reduce((m, s) => (s.start < m ? s.start : m), spans[0].start);
  t.check(doc.otherData && doc.otherData.base_unix_nano === String(base), `${label}: base_unix_nano is the earliest start`);
  const us = (ns) => Number(ns) / 1000;
  const bySpan = new Map();
  for (const e of x) {
    const id = e.args['otel.span_id'];
    t.check(!bySpan.has(id), `${label}: span ${id} appears once`);
    bySpan.set(id, e);
  }
  const pidOfService = new Map();
  for (const s of spans) {
    const e = bySpan.get(s.spanId);
    if (!t.check(e !== undefined, `${label}: span ${s.name} ${s.spanId} converted`)) continue;
    t.check(e.name === s.name, `${label}: ${s.spanId} name`);
    t.check(Math.abs(e.ts - us(s.start - base)) < 1e-6, `${label}: ${s.name} ts`, `${e.ts} vs ${us(s.start - base)}`);
    t.check(Math.abs(e.dur - us(s.end - s.start)) < 1e-6, `${label}: ${s.name} dur`, `${e.dur} vs ${us(s.end - s.start)}`);
    t.check(e.args['otel.trace_id'] === s.traceId, `${label}: ${s.name} trace id`);
    for (const [k, v] of Object.entries(s.attributes))
      t.check(JSON.stringify(e.args[k]) === JSON.stringify(v), `${label}: ${s.name} arg ${k}`, `${JSON.stringify(e.args[k])} vs ${JSON.stringify(v)}`);
    if ('thread.id' in s.attributes)
      t.check(e.tid === s.attributes['thread.id'], `${label}: ${s.name} tid = thread.id`);
    const service = s.resource['service.name'];
    if (!pidOfService.has(service)) pidOfService.set(service, e.pid);
    t.check(pidOfService.get(service) === e.pid, `${label}: ${s.name} pid is its service's`);
    if (s.status === 2) t.check(e.args['otel.status_code'] === 'ERROR', `${label}: ${s.name} error status in args`);
    for (const ev of s.events) {
      const inst = events.find((i) => i.ph === 'i' && i.name === ev.name && i.args['otel.span_id'] === s.spanId);
      if (t.check(inst !== undefined, `${label}: event ${ev.name} of ${s.name} is an instant event`)) {
        t.check(Math.abs(inst.ts - us(ev.time - base)) < 1e-6 && inst.tid === e.tid && inst.pid === e.pid,
          `${label}: event ${ev.name} at its time on its span's thread`);
        for (const [k, v] of Object.entries(ev.attributes))
          t.check(inst.args[k] === v, `${label}: event arg ${k}`);
      }
    }
    if (s.parentSpanId && bySpan.has(s.parentSpanId)) {
      const p = bySpan.get(s.parentSpanId);
      if (p.pid === e.pid && p.tid === e.tid)
        t.check(p.ts <= e.ts && e.ts + e.dur <= p.ts + p.dur + 1e-9, `${label}: ${s.name} inside its parent`);
    }
  }
  t.check(new Set(pidOfService.values()).size === pidOfService.size, `${label}: a distinct pid per service`);
  // Nesting per (pid, tid): sorted by ts (longest first), each event is inside the open one.
  const threads = new Map();
  for (const e of x) {
    const k = `${e.pid}/${e.tid}`;
    if (!threads.has(k)) threads.set(k, []);
    threads.get(k).push(e);
  }
  let nested = true, detail = '';
  for (const [k, list] of threads) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      if (stack.length && e.ts + e.dur > stack[stack.length - 1].ts + stack[stack.length - 1].dur + 1e-9) {
        nested = false; detail = `${k}: ${e.name} crosses ${stack[stack.length - 1].name}`;
      }
      stack.push(e);
    }
  }
  t.check(nested, `${label}: X events nest on every thread`, detail);
  const meta = events.filter((e) => e.ph === 'M');
  for (const k of threads.keys()) {
    const [pid, tid] = k.split('/').map(Number);
    t.check(meta.some((m) => m.name === 'thread_name' && m.pid === pid && m.tid === tid), `${label}: thread ${k} named`);
    t.check(meta.some((m) => m.name === 'process_name' && m.pid === pid), `${label}: process ${pid} named`);
  }
  if (label === 'overlap.jsonl')
    t.check(threads.size >= 2, `${label}: overlapping spans moved to an extra track`, `${threads.size} tracks`);
}
t.done();
