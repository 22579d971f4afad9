// Writes the small OTLP JSON lines inputs under golden/ (run by hand when they change; the
// outputs are committed so that a change shows up in review). Known structure:
//
// basic.jsonl — service "shop" (pid 4242), two traces, one error, split over two lines
//   (batches) as a BatchSpanProcessor would, children exported before their parents:
//   trace A (t=0):  app::handle_request 10 ms           thread 1 "main"
//                     app::parse 1 ms      at +1 ms
//                     app::lookup 5 ms     at +2 ms
//                       app::db_query 3 ms at +3 ms
//                     app::render 2 ms     at +7.5 ms
//   trace B (t=20 ms): app::handle_request 4 ms          thread 2 "worker"
//                     app::parse 0.5 ms    at +0.25 ms
//                     app::lookup 3 ms     at +1 ms, ERROR "key not found", exception event
// A second resource (service "billing") with one span on the same thread id 1 to check
// pid separation.
'use strict';
const fs = require('fs');
const path = require('path');

const BASE = 1700000000000000000n; // ns
const ms = (x) => BigInt(Math.round(x * 1e6));
const hex = (n, width) => n.toString(16).padStart(width, '0');
const str = (s) => ({ stringValue: s });
const int = (i) => ({ intValue: String(i) });

function span(t, id, parent, name, startMs, durMs, thread, extra = {}) {
  const start = BASE + ms(startMs);
  const s = {
    traceId: hex(t, 32),
    spanId: hex(id, 16),
    flags: 257,
    name,
    kind: 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + ms(durMs)),
    attributes: [
      { key: 'code.function.name', value: str(name) },
      { key: 'code.file.path', value: str('src/app.cpp') },
      { key: 'code.line.number', value: int(10 + id) },
      { key: 'thread.id', value: int(thread.id) },
      { key: 'thread.name', value: str(thread.name) },
    ],
    ...extra,
  };
  if (parent) s.parentSpanId = hex(parent, 16);
  return s;
}

function request(service, pid, spans) {
  return {
    resourceSpans: [{
      resource: {
        attributes: [
          { key: 'service.name', value: str(service) },
          { key: 'telemetry.sdk.name', value: str('autospan') },
          { key: 'telemetry.sdk.language', value: str('cpp') },
          { key: 'process.pid', value: int(pid) },
        ],
      },
      scopeSpans: [{ scope: { name: 'autospan', version: '0.1.0' }, spans }],
    }],
  };
}

const main = { id: 1, name: 'main' };
const worker = { id: 2, name: 'worker' };
const A = 0xa1n, B = 0xb2n, C = 0xc3n;
const batch1 = [
  span(A, 2, 1, 'app::parse', 1, 1, main),
  span(A, 4, 3, 'app::db_query', 3, 3, main, {
    attributes: undefined,
  }),
  span(A, 3, 1, 'app::lookup', 2, 5, main),
];
// db_query carries a double, a bool and an array to exercise every AnyValue kind.
batch1[1].attributes = [
  { key: 'code.function.name', value: str('app::db_query') },
  { key: 'thread.id', value: int(1) },
  { key: 'thread.name', value: str('main') },
  { key: 'db.rows', value: int(3) },
  { key: 'db.cache_hit_ratio', value: { doubleValue: 0.25 } },
  { key: 'db.cached', value: { boolValue: false } },
  { key: 'db.tables', value: { arrayValue: { values: [str('users'), str('orders')] } } },
];
const batch2 = [
  span(A, 5, 1, 'app::render', 7.5, 2, main),
  span(A, 1, 0, 'app::handle_request', 0, 10, main),
  span(B, 0x12, 0x11, 'app::parse', 20.25, 0.5, worker),
  span(B, 0x13, 0x11, 'app::lookup', 21, 3, worker, {
    status: { code: 2, message: 'key not found' },
    events: [{
      timeUnixNano: String(BASE + ms(23.5)),
      name: 'exception',
      attributes: [
        { key: 'exception.type', value: str('std::out_of_range') },
        { key: 'exception.message', value: str('key not found') },
      ],
    }],
  }),
  span(B, 0x11, 0, 'app::handle_request', 20, 4, worker),
];
const other = [span(C, 0x21, 0, 'billing::charge', 30, 1.5, main)];

const lines = [request('shop', 4242, batch1), request('shop', 4242, batch2),
  request('billing', 5151, other)];
fs.writeFileSync(path.join(__dirname, 'golden', 'basic.jsonl'),
  lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

// repeated.jsonl — one trace whose root calls app::process_record 50 times (collapsing).
const rep = [span(0xd4n, 1, 0, 'app::batch', 0, 60, main)];
for (let i = 0; i < 50; i++) rep.push(span(0xd4n, 100 + i, 1, 'app::process_record', 1 + i, 0.8, main));
rep.push(span(0xd4n, 2, 1, 'app::flush', 55, 4, main));
fs.writeFileSync(path.join(__dirname, 'golden', 'repeated.jsonl'),
  JSON.stringify(request('etl', 7, rep)) + '\n');

// malformed.jsonl — one problem per line, between good lines: a line cut short (a killed
// writer), a bad trace id, a good line using enum names, a truncated array, a negative time.
{
  const basic = fs.readFileSync(path.join(__dirname, 'golden', 'basic.jsonl'), 'utf8').split('\n');
  const good = { resourceSpans: [{ scopeSpans: [{ spans: [{
    traceId: '000000000000000000000000000000e5', spanId: '0000000000000001', name: 'ok',
    startTimeUnixNano: '5', endTimeUnixNano: '9', kind: 'SPAN_KIND_SERVER',
    status: { code: 'STATUS_CODE_OK' } }] }] }] };
  const negative = { resourceSpans: [{ scopeSpans: [{ spans: [{
    traceId: '000000000000000000000000000000e6', spanId: '0000000000000001',
    startTimeUnixNano: '-5' }] }] }] };
  const lines = [
    basic[0],
    basic[1].slice(0, 300),
    basic[2].replace('"traceId":"000000000000000000000000000000c3"', '"traceId":"xyz"'),
    JSON.stringify(good),
    '[1,2',
    JSON.stringify(negative),
  ];
  fs.writeFileSync(path.join(__dirname, 'golden', 'malformed.jsonl'), lines.join('\n') + '\n');
}
