// Helpers for asserting on normalised spans (the objects lib/otlp.js produces). Every failing
// check throws an AssertionError whose message includes the span tree that did arrive, because
// "expected 1 span named X, found 0" alone never says what went wrong.
import assert from 'node:assert/strict';

export function byName(spans, name) {
  return spans.filter((s) => (name instanceof RegExp ? name.test(s.name) : s.name === name));
}

// Exactly one span with this name (string or RegExp).
export function one(spans, name) {
  const found = byName(spans, name);
  if (found.length !== 1) {
    assert.fail(`expected exactly 1 span named ${name}, found ${found.length}\n${formatTree(spans)}`);
  }
  return found[0];
}

export function bySpanId(spans, spanId) {
  return spans.find((s) => s.spanId === spanId);
}

export function parentOf(spans, span) {
  return span.parentSpanId ? bySpanId(spans, span.parentSpanId) : undefined;
}

export function childrenOf(spans, span) {
  return spans.filter((s) => s.parentSpanId === span.spanId && s.traceId === span.traceId);
}

// Spans without a parent in the given set (true roots, or children of spans that never arrived).
export function roots(spans) {
  const ids = new Set(spans.map((s) => s.traceId + s.spanId));
  return spans.filter((s) => !s.parentSpanId || !ids.has(s.traceId + s.parentSpanId));
}

export function traceOf(spans, span) {
  return spans.filter((s) => s.traceId === span.traceId);
}

export function assertParent(spans, child, parent) {
  const p = parentOf(spans, child);
  if (!p || p.spanId !== parent.spanId || child.traceId !== parent.traceId) {
    assert.fail(`expected ${child.name} to be a child of ${parent.name}, its parent is ${p ? p.name : child.parentSpanId || '(none: root)'}\n${formatTree(spans)}`);
  }
}

// Asserts that the spans under `root` form exactly this tree. An expected node is
//   { name: string | RegExp, count?: n (identical siblings, default 1), children?: [...] }
// Children are matched by name irrespective of order; unexpected extra children fail.
export function assertTree(spans, root, expected) {
  const problems = [];
  matchNode(spans, [root], expected, problems, expected.name);
  if (problems.length) assert.fail(`span tree differs from the expectation:\n  ${problems.join('\n  ')}\n${formatTree(spans)}`);
}

function nameMatches(name, pattern) {
  return pattern instanceof RegExp ? pattern.test(name) : name === pattern;
}

function matchNode(spans, candidates, expected, problems, where) {
  const matching = candidates.filter((s) => nameMatches(s.name, expected.name));
  const count = expected.count ?? 1;
  if (matching.length !== count) {
    problems.push(`${where}: expected ${count} span(s) named ${expected.name}, found ${matching.length}`);
  }
  for (const span of matching) {
    const children = childrenOf(spans, span);
    const expectedChildren = expected.children ?? [];
    for (const child of expectedChildren) matchNode(spans, children, child, problems, `${where} > ${child.name}`);
    const unexpected = children.filter((c) => !expectedChildren.some((e) => nameMatches(c.name, e.name)));
    for (const u of unexpected) problems.push(`${where}: unexpected child ${u.name}`);
  }
}

// An indented text tree of the spans (per trace), for failure messages and demos.
export function formatTree(spans) {
  if (!spans.length) return '(no spans)';
  const lines = [];
  const visit = (span, depth) => {
    const ms = (span.durationNs / 1e6).toFixed(3);
    const status = span.status.code === 'UNSET' ? '' : ` [${span.status.code}]`;
    lines.push(`${'  '.repeat(depth + 1)}${span.name} (${ms} ms)${status} span=${span.spanId}`);
    const kids = childrenOf(spans, span).sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
    for (const c of kids) visit(c, depth + 1);
  };
  for (const r of roots(spans)) {
    lines.push(`trace ${r.traceId}${r.parentSpanId ? ` (parent ${r.parentSpanId} not received)` : ''}`);
    visit(r, 0);
  }
  return lines.join('\n');
}
