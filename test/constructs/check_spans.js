#!/usr/bin/env node
// Runs an instrumented construct program with the `file` exporter and compares the spans it
// produced with the tree written beside the construct:
//
//   /* expected spans
//   app::run                                   one root span (roots in start order)
//     app::Loader::load x2                     two consecutive children with the same subtree
//     app::parse !error std::runtime_error: bad   status ERROR + exception event (type: message)
//   */
//
// Indentation (two spaces) is the parent/child relation, order is start order. Besides the tree,
// every span with a qualified name must carry code.function.name, code.file.path and
// code.line.number, the line must name the function, and a child must share its parent's trace.
//
// usage: node check_spans.js --case SOURCE --spans OUT.jsonl [--exit-code N] -- PROGRAM [ARGS...]
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

function parseArgs(argv) {
  const opts = { exitCode: 0, program: [] };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--') {
      opts.program = argv.slice(i + 1);
      break;
    }
    if (a === '--case') opts.caseFile = argv[++i];
    else if (a === '--spans') opts.spans = argv[++i];
    else if (a === '--exit-code') opts.exitCode = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.caseFile || !opts.spans) throw new Error('need --case and --spans');
  return opts;
}

function expectedTree(source) {
  const m = /\/\* expected spans\n([\s\S]*?)\*\//.exec(source);
  if (!m) throw new Error('no "/* expected spans" block in the case file');
  return m[1].split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/\s+$/, ''));
}

function attr(span, key) {
  for (const a of span.attributes || []) {
    if (a.key !== key) continue;
    const v = a.value || {};
    if ('stringValue' in v) return v.stringValue;
    if ('intValue' in v) return Number(v.intValue);
    return undefined;
  }
  return undefined;
}

function readSpans(file) {
  const spans = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const req = JSON.parse(line);
    for (const rs of req.resourceSpans || [])
      for (const ss of rs.scopeSpans || []) for (const s of ss.spans || []) spans.push(s);
  }
  return spans;
}

function isError(span) {
  const code = span.status && span.status.code;
  return code === 2 || code === 'STATUS_CODE_ERROR';
}

function label(span) {
  let text = span.name;
  if (!isError(span)) return text;
  const ev = (span.events || []).find((e) => e.name === 'exception');
  if (!ev) return `${text} !error`;
  return `${text} !error ${attr(ev, 'exception.type')}: ${attr(ev, 'exception.message')}`;
}

// Renders the forest, collapsing consecutive identical sibling subtrees into "xN".
function render(spans, problems) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) {
      const parent = byId.get(s.parentSpanId);
      if (parent.traceId !== s.traceId) problems.push(`${s.name}: trace differs from its parent's`);
      if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
      children.get(s.parentSpanId).push(s);
    } else {
      if (s.parentSpanId) problems.push(`${s.name}: parent ${s.parentSpanId} was never exported`);
      roots.push(s);
    }
  }
  const byStart = (a, b) => {
    const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  };
  const subtree = (s) => {
    const head = label(s);
    const kids = renderList((children.get(s.spanId) || []).sort(byStart));
    return [head, ...kids.map((l) => '  ' + l)];
  };
  const renderList = (list) => {
    const out = [];
    let prev = null;
    let count = 0;
    const flush = () => {
      if (!prev) return;
      const [head, ...rest] = prev;
      const suffix = count > 1 ? ` x${count}` : '';
      const bang = head.indexOf(' !error');
      out.push(bang < 0 ? head + suffix : head.slice(0, bang) + suffix + head.slice(bang), ...rest);
    };
    for (const s of list) {
      const lines = subtree(s);
      if (prev && lines.join('\n') === prev.join('\n')) {
        ++count;
        continue;
      }
      flush();
      prev = lines;
      count = 1;
    }
    flush();
    return out;
  };
  return renderList(roots.sort(byStart));
}

// The text a function's declaration line must contain for its last name component.
function nameToken(functionName) {
  const last = functionName.split('::').pop();
  if (last.startsWith('<lambda')) return '[';
  if (last.startsWith('operator')) return 'operator';
  return last;
}

function checkAttributes(spans, problems) {
  const files = new Map();
  for (const s of spans) {
    const fn = attr(s, 'code.function.name');
    if (fn === undefined) {
      if (s.name.includes('::')) problems.push(`${s.name}: no code.function.name`);
      continue;
    }
    const file = attr(s, 'code.file.path');
    const line = attr(s, 'code.line.number');
    if (!file || !line) {
      problems.push(`${s.name}: code.file.path / code.line.number missing`);
      continue;
    }
    if (!files.has(file))
      files.set(file, fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : null);
    const lines = files.get(file);
    if (!lines) continue; // relative to a directory we do not know
    const text = lines[line - 1] || '';
    if (!text.includes(nameToken(fn)))
      problems.push(`${s.name}: ${path.basename(file)}:${line} does not name '${fn}': ${text.trim()}`);
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const expected = expectedTree(fs.readFileSync(opts.caseFile, 'utf8'));
  if (opts.program.length > 0) {
    fs.rmSync(opts.spans, { force: true });
    const env = Object.assign({}, process.env, {
      OTEL_TRACES_EXPORTER: 'file',
      AUTOSPAN_FILE: opts.spans,
      OTEL_SERVICE_NAME: 'autospan-construct-test',
    });
    delete env.AUTOSPAN_MIN_DURATION;
    const run = spawnSync(opts.program[0], opts.program.slice(1), { env, encoding: 'utf8' });
    if (run.error) throw run.error;
    if (run.status !== opts.exitCode) {
      process.stderr.write(run.stdout + run.stderr);
      console.error(`FAIL: ${opts.program[0]} exited with ${run.status}, expected ${opts.exitCode}`);
      process.exit(1);
    }
  }
  const spans = fs.existsSync(opts.spans) ? readSpans(opts.spans) : [];
  const problems = [];
  const actual = render(spans, problems);
  checkAttributes(spans, problems);
  if (actual.join('\n') !== expected.join('\n'))
    problems.push(`span tree differs\n--- expected\n${expected.join('\n')}\n--- actual\n${actual.join('\n')}`);
  if (problems.length > 0) {
    console.error(`FAIL: ${opts.caseFile}\n` + problems.join('\n'));
    process.exit(1);
  }
  console.log(`ok: ${spans.length} spans as expected`);
}

main();
