// Independent reader of OTLP JSON lines for the tests: the expected values come from here,
// not from the tool under test.
'use strict';
const fs = require('fs');

function anyValue(v) {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return (v.arrayValue.values || []).map(anyValue);
  if ('kvlistValue' in v)
    return Object.fromEntries((v.kvlistValue.values || []).map((kv) => [kv.key, anyValue(kv.value)]));
  return null;
}
function attrs(list) {
  return Object.fromEntries((list || []).map((kv) => [kv.key, anyValue(kv.value)]));
}

// Every span of the file, with BigInt times and its resource's attributes.
function readSpans(file) {
  const spans = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const req = JSON.parse(line);
    for (const rs of req.resourceSpans || []) {
      const resource = attrs(rs.resource && rs.resource.attributes);
      for (const ss of rs.scopeSpans || []) {
        for (const s of ss.spans || []) {
          spans.push({
            traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || '',
            name: s.name, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano),
            attributes: attrs(s.attributes),
            status: (s.status && s.status.code) || 0, statusMessage: (s.status && s.status.message) || '',
            events: (s.events || []).map((e) => ({ name: e.name, time: BigInt(e.timeUnixNano), attributes: attrs(e.attributes) })),
            resource,
          });
        }
      }
    }
  }
  return spans;
}

// A tiny TAP-like harness: each check prints one line; the process exits 1 if any failed.
function harness(name) {
  let passed = 0, failed = 0;
  return {
    check(cond, what, detail) {
      if (cond) { passed++; console.log(`ok - ${what}`); }
      else { failed++; console.log(`not ok - ${what}${detail !== undefined ? `\n    ${detail}` : ''}`); }
      return cond;
    },
    done() {
      console.log(`${name}: ${passed} passed, ${failed} failed`);
      process.exitCode = failed ? 1 : 0;
      return failed === 0;
    },
  };
}

module.exports = { readSpans, harness };
