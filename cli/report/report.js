// autospan HTML report: trace list, waterfall per trace, zoom, details, filter.
// Everything is drawn from the JSON block #autospan-data; nothing is fetched. Rows are
// virtualised (only what is on screen is in the DOM) and long runs of same-name siblings are
// collapsed into one expandable row, so a million spans stay usable.
(function () {
  'use strict';

  var ROW_H = 22, TRACE_H = 46, OVERSCAN = 20;
  var GROUP_MIN = 20; // this many same-name siblings collapse into one row
  var KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // ---- data ---------------------------------------------------------------------------------
  var dataEl = $('autospan-data');
  var D = JSON.parse(dataEl.textContent);
  dataEl.textContent = '';
  var STR = D.strings, SP = D.spans, TR = D.traces;
  var N = SP.name.length, T = TR.count.length;

  var sName = Int32Array.from(SP.name);
  var sDur = Float64Array.from(SP.dur);
  var sFlags = Uint8Array.from(SP.flags);
  var sAttrs = Int32Array.from(SP.attrs);
  var sRes = Int32Array.from(SP.res);
  var sParent = new Int32Array(N);
  var sStart = new Float64Array(N); // ns from the start of its trace
  var sTrace = new Int32Array(N);
  var tFirst = Int32Array.from(TR.first), tCount = Int32Array.from(TR.count);
  var tDur = Float64Array.from(TR.dur), tErrors = Int32Array.from(TR.errors);
  var tRoot = Int32Array.from(TR.root);

  (function decode() {
    for (var t = 0; t < T; t++) {
      var acc = 0;
      for (var p = tFirst[t], e = p + tCount[t]; p < e; p++) {
        acc += SP.start[p];
        sStart[p] = acc;
        sTrace[p] = t;
      }
    }
    for (var i = 0; i < N; i++) sParent[i] = SP.parent[i] === 0 ? -1 : i - SP.parent[i];
  })();

  // Children in CSR form; positions are by start time within a trace, so children are too.
  var childOff = new Int32Array(N + 1), childList = new Int32Array(N);
  (function () {
    var i;
    for (i = 0; i < N; i++) if (sParent[i] >= 0) childOff[sParent[i] + 1]++;
    for (i = 0; i < N; i++) childOff[i + 1] += childOff[i];
    var fill = childOff.slice(0, N);
    for (i = 0; i < N; i++) if (sParent[i] >= 0) childList[fill[sParent[i]]++] = i;
  })();

  var statusMsg = {}, eventsOf = {}, linksOf = {};
  D.statusMessages.forEach(function (m) { statusMsg[m[0]] = STR[m[1]]; });
  D.events.forEach(function (e) { (eventsOf[e[0]] = eventsOf[e[0]] || []).push(e); });
  D.links.forEach(function (l) { (linksOf[l[0]] = linksOf[l[0]] || []).push(l); });

  function spanId(p) { return SP.ids.substr(p * 16, 16); }
  function traceId(t) { return TR.ids.substr(t * 32, 32); }
  function isErr(p) { return ((sFlags[p] >> 3) & 3) === 2; }
  function statusOf(p) { return ['UNSET', 'OK', 'ERROR'][(sFlags[p] >> 3) & 3]; }
  function kindOf(p) { return KINDS[sFlags[p] & 7] || 'UNSPECIFIED'; }
  function isOrphan(p) { return (sFlags[p] & 32) !== 0; }
  function attrList(set) {
    var a = D.attrSets[set], out = [];
    for (var i = 0; i < a.length; i += 2) out.push([STR[a[i]], a[i + 1]]);
    return out;
  }
  function serviceOf(p) {
    var attrs = attrList(D.resources[sRes[p]]);
    for (var i = 0; i < attrs.length; i++) if (attrs[i][0] === 'service.name') return String(attrs[i][1]);
    return 'unknown_service';
  }
  function fmtValue(v) {
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  }

  function fmtDur(ns) {
    if (ns < 1000) return Math.round(ns) + ' ns';
    var units = [[1e9, 's'], [1e6, 'ms'], [1e3, '\u00b5s']];
    for (var i = 0; i < units.length; i++) {
      if (ns >= units[i][0] || i === units.length - 1) {
        var v = ns / units[i][0];
        return v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2) + ' ' + units[i][1];
      }
    }
    return ns + ' ns';
  }
  function fmtClock(t) {
    // Trace start as local wall-clock time; the nanosecond string is beyond double precision,
    // but milliseconds are plenty for a list label.
    var ms = Number(TR.start[t]) / 1e6;
    var d = new Date(ms);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    var msPart = String(Math.floor(ms % 1000)).padStart(3, '0');
    return {
      date: d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()),
      time: two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds()) + '.' + msPart,
    };
  }
  function hue(nameIdx) {
    var s = STR[nameIdx], h = 2166136261;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    // Blues, greens, purples, ambers: no reds, which mean errors here.
    return 40 + ((h >>> 0) % 280);
  }
  function barColor(nameIdx) { return 'hsl(' + hue(nameIdx) + ',55%,62%)'; }

  // ---- state --------------------------------------------------------------------------------
  var state = {
    trace: -1, selected: -1, selectedGroup: null, t0: 0, t1: 1,
    query: '', errorsOnly: false,
  };
  var collapsed = new Uint8Array(N);   // subtree folded by the user
  var openGroups = new Set();          // "parent:name" groups the user expanded
  var strMatch = null;                 // per string: does it match the filter
  var traceMatches = null;             // per trace: matching span count (filter on)
  var visibleTraces = new Int32Array(0);

  // ---- trace list ---------------------------------------------------------------------------
  var traceList = $('trace-list'), traceSpacer = $('trace-spacer');

  function spanMatches(p) { return strMatch === null || strMatch[sName[p]] === 1; }

  function applyFilter() {
    var q = state.query.trim().toLowerCase();
    if (q === '') {
      strMatch = null;
      traceMatches = null;
    } else {
      strMatch = new Uint8Array(STR.length);
      for (var s = 0; s < STR.length; s++) if (STR[s].toLowerCase().indexOf(q) >= 0) strMatch[s] = 1;
      traceMatches = new Int32Array(T);
      for (var p = 0; p < N; p++) if (strMatch[sName[p]]) traceMatches[sTrace[p]]++;
    }
    var list = [];
    for (var t = 0; t < T; t++) {
      if (state.errorsOnly && tErrors[t] === 0) continue;
      if (traceMatches !== null && traceMatches[t] === 0) continue;
      list.push(t);
    }
    visibleTraces = Int32Array.from(list);
    traceSpacer.style.height = (visibleTraces.length * TRACE_H) + 'px';
    var head = $('traces-head');
    head.textContent = '';
    head.appendChild(el('b', null, String(visibleTraces.length)));
    head.appendChild(document.createTextNode(visibleTraces.length === T ? ' traces' :
      ' of ' + T + ' traces'));
    renderTraceList();
    if (visibleTraces.length > 0 && (state.trace < 0 || list.indexOf(state.trace) < 0)) {
      selectTrace(visibleTraces[0]);
    } else if (visibleTraces.length === 0) {
      selectTrace(-1);
    } else {
      buildRows();
      renderRows();
    }
  }

  function renderTraceList() {
    var top = traceList.scrollTop, h = traceList.clientHeight || 600;
    var from = Math.max(0, Math.floor(top / TRACE_H) - 5);
    var to = Math.min(visibleTraces.length, Math.ceil((top + h) / TRACE_H) + 5);
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) {
      var t = visibleTraces[i];
      var item = el('div', 'trace' + (t === state.trace ? ' sel' : ''));
      item.style.top = (i * TRACE_H) + 'px';
      item.dataset.trace = String(t);
      item.dataset.traceId = traceId(t);
      var l1 = el('div', 't1');
      l1.appendChild(el('span', 'tn', STR[sName[tRoot[t]]]));
      if (tErrors[t] > 0) l1.appendChild(el('span', 'badge', tErrors[t] + ' err'));
      if (traceMatches !== null) l1.appendChild(el('span', 'badge m', traceMatches[t] + ' match'));
      l1.appendChild(el('span', 'td', fmtDur(tDur[t])));
      item.appendChild(l1);
      var clock = fmtClock(t);
      item.appendChild(el('div', 't2', clock.time + ' \u00b7 ' + tCount[t] + ' span' +
        (tCount[t] === 1 ? '' : 's') + ' \u00b7 ' + serviceOf(tRoot[t])));
      item.title = 'trace ' + traceId(t) + '\nstarted ' + clock.date + ' ' + clock.time;
      frag.appendChild(item);
    }
    var old = traceList.querySelectorAll('.trace');
    for (var k = 0; k < old.length; k++) old[k].remove();
    traceList.appendChild(frag);
  }

  traceList.addEventListener('scroll', renderTraceList);
  traceList.addEventListener('click', function (ev) {
    var item = ev.target.closest('.trace');
    if (item) selectTrace(Number(item.dataset.trace));
  });

  // ---- rows of the selected trace -----------------------------------------------------------
  // A row is a span (kind 0, ref = position) or a group of same-name siblings (kind 1, ref =
  // index into `groups`).
  var rowKind = new Uint8Array(0), rowRef = new Int32Array(0), rowDepth = new Int32Array(0);
  var rowCount = 0, groups = [];
  var rowsEl = $('rows'), rowSpacer = $('row-spacer');

  function groupKey(parent, nameIdx) { return parent + ':' + nameIdx; }

  function buildRows() {
    var t = state.trace;
    groups = [];
    rowCount = 0;
    if (t < 0) { rowSpacer.style.height = '0px'; return; }
    var cap = tCount[t];
    rowKind = new Uint8Array(cap); rowRef = new Int32Array(cap); rowDepth = new Int32Array(cap);
    // Explicit stack: traces can be deeper than the JavaScript call stack.
    var stack = [];
    for (var p = tFirst[t] + tCount[t] - 1; p >= tFirst[t]; p--) if (sParent[p] < 0) stack.push(p, 0);
    while (stack.length) {
      var depth = stack.pop(), ref = stack.pop();
      if (ref < 0) { // a group row: ref = -(group index) - 1
        var g = groups[-ref - 1];
        rowKind[rowCount] = 1; rowRef[rowCount] = -ref - 1; rowDepth[rowCount] = depth; rowCount++;
        continue;
      }
      rowKind[rowCount] = 0; rowRef[rowCount] = ref; rowDepth[rowCount] = depth; rowCount++;
      var n = childOff[ref + 1] - childOff[ref];
      if (n === 0 || collapsed[ref]) continue;
      var counts = null;
      if (n >= GROUP_MIN) {
        counts = new Map();
        for (var c = childOff[ref]; c < childOff[ref + 1]; c++) {
          var nm = sName[childList[c]];
          counts.set(nm, (counts.get(nm) || 0) + 1);
        }
      }
      var pending = [], seen = new Map();
      for (var c2 = childOff[ref]; c2 < childOff[ref + 1]; c2++) {
        var ch = childList[c2];
        var cnt = counts === null ? 0 : counts.get(sName[ch]);
        if (cnt >= GROUP_MIN && !openGroups.has(groupKey(ref, sName[ch]))) {
          var gi = seen.get(sName[ch]);
          if (gi === undefined) {
            gi = groups.length;
            seen.set(sName[ch], gi);
            groups.push({ parent: ref, name: sName[ch], members: [] });
            pending.push(-gi - 1);
          }
          groups[gi].members.push(ch);
        } else {
          pending.push(ch);
        }
      }
      for (var k = pending.length - 1; k >= 0; k--) stack.push(pending[k], depth + 1);
    }
    rowSpacer.style.height = (rowCount * ROW_H) + 'px';
  }

  function groupStats(g) {
    var start = Infinity, end = -Infinity, total = 0, max = 0, errors = 0;
    for (var i = 0; i < g.members.length; i++) {
      var m = g.members[i];
      start = Math.min(start, sStart[m]);
      end = Math.max(end, sStart[m] + sDur[m]);
      total += sDur[m];
      max = Math.max(max, sDur[m]);
      if (isErr(m)) errors++;
    }
    return { start: start, end: end, total: total, max: max, errors: errors };
  }

  function pct(ns) { return ((ns - state.t0) / (state.t1 - state.t0)) * 100; }

  function placeBar(lane, bar, label, start, dur, text) {
    var x0 = pct(start), x1 = pct(start + dur);
    var l = Math.max(x0, -1), r = Math.min(x1, 101);
    if (r < -1 || l > 101) { bar.style.display = 'none'; } else {
      bar.style.left = l + '%';
      bar.style.width = Math.max(0, r - l) + '%';
    }
    label.textContent = text;
    // Right of the bar when there is room, else left of it, else inside it.
    if (x1 <= 78) label.style.left = Math.max(x1, 0) + '%';
    else if (x0 >= 22) label.style.right = (100 - Math.min(x0, 100)) + '%';
    else { label.style.left = Math.max(x0, 0) + '%'; label.classList.add('in'); }
    lane.appendChild(bar);
    lane.appendChild(label);
  }

  // Rebuilds the rows on screen. Scrolling calls it with onlyIfMoved: nothing happens until the
  // visible range changes, so the element under the pointer survives small scrolls (a click
  // whose press and release land on different elements is no click).
  var drawnFrom = -1, drawnTo = -1;
  function renderRows(onlyIfMoved) {
    var top = rowsEl.scrollTop, h = rowsEl.clientHeight || 800;
    var first = Math.floor(top / ROW_H), last = Math.min(rowCount, Math.ceil((top + h) / ROW_H));
    if (onlyIfMoved === true && first >= drawnFrom && last <= drawnTo) return; // still covered
    var from = Math.max(0, first - OVERSCAN);
    var to = Math.min(rowCount, last + OVERSCAN);
    drawnFrom = from;
    drawnTo = to;
    var old = rowsEl.querySelectorAll('.row');
    for (var k = 0; k < old.length; k++) old[k].remove();
    if (state.trace < 0) return;
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(makeRow(i));
    rowsEl.appendChild(frag);
  }

  function makeRow(i) {
    var row = el('div', 'row');
    row.style.top = (i * ROW_H) + 'px';
    row.dataset.row = String(i);
    var label = el('div', 'label');
    label.style.paddingLeft = (4 + Math.min(rowDepth[i], 40) * 14) + 'px';
    var tog = el('span', 'tog');
    var lane = el('div', 'lane');
    var bar = el('div', 'bar'), dur = el('span', 'dur');
    if (rowKind[i] === 0) {
      var p = rowRef[i];
      var n = childOff[p + 1] - childOff[p];
      row.dataset.spanId = spanId(p);
      row.dataset.pos = String(p);
      if (isErr(p)) row.classList.add('err');
      if (p === state.selected) row.classList.add('sel');
      if (strMatch !== null) row.classList.add(spanMatches(p) ? 'match' : 'dim');
      if (n > 0) { tog.textContent = collapsed[p] ? '\u25b8' : '\u25be'; tog.dataset.toggle = '1'; }
      label.appendChild(tog);
      label.appendChild(el('span', 'nm', STR[sName[p]]));
      label.title = STR[sName[p]] + (collapsed[p] ? '  (' + n + ' children hidden)' : '');
      bar.style.background = barColor(sName[p]);
      placeBar(lane, bar, dur, sStart[p], sDur[p], fmtDur(sDur[p]) +
        (collapsed[p] ? '  +' + n + ' hidden' : ''));
      var evs = eventsOf[p];
      if (evs) {
        for (var e = 0; e < evs.length; e++) {
          var at = pct(sStart[p] + evs[e][2]);
          if (at < 0 || at > 100) continue;
          var mark = el('span', 'mark' + (STR[evs[e][1]] === 'exception' ? ' exc' : ''));
          mark.style.left = at + '%';
          lane.appendChild(mark);
        }
      }
    } else {
      var g = groups[rowRef[i]], st = groupStats(g);
      row.classList.add('agg');
      row.dataset.group = String(rowRef[i]);
      if (st.errors > 0) row.classList.add('err');
      if (state.selectedGroup === g.parent + ':' + g.name) row.classList.add('sel');
      if (strMatch !== null) row.classList.add(strMatch[g.name] ? 'match' : 'dim');
      tog.textContent = '\u25b8'; tog.dataset.toggle = '1';
      label.appendChild(tog);
      label.appendChild(el('span', 'nm', STR[g.name] + ' \u00d7 ' + g.members.length));
      label.title = g.members.length + ' calls of ' + STR[g.name] + ' collapsed; click the arrow to expand';
      bar.style.background = barColor(g.name);
      placeBar(lane, bar, dur, st.start, st.end - st.start, 'total ' + fmtDur(st.total));
    }
    row.appendChild(label);
    row.appendChild(lane);
    return row;
  }

  rowsEl.addEventListener('scroll', function () { renderRows(true); });

  // ---- axis ---------------------------------------------------------------------------------
  var axisLane = $('axis-lane');
  function renderAxis() {
    axisLane.textContent = '';
    if (state.trace < 0) return;
    var span = state.t1 - state.t0;
    var width = axisLane.clientWidth || 800;
    var target = span / Math.max(2, Math.floor(width / 110));
    var step = Math.pow(10, Math.floor(Math.log10(Math.max(target, 1))));
    if (target / step >= 5) step *= 5; else if (target / step >= 2) step *= 2;
    var first = Math.ceil(state.t0 / step) * step;
    for (var x = first; x <= state.t1; x += step) {
      var tick = el('div', 'tick', fmtDur(x));
      tick.style.left = pct(x) + '%';
      axisLane.appendChild(tick);
    }
  }

  // ---- selection and details ----------------------------------------------------------------
  function selectTrace(t) {
    state.trace = t;
    state.selected = -1;
    state.selectedGroup = null;
    state.t0 = 0;
    state.t1 = t >= 0 ? Math.max(tDur[t], 1) : 1;
    var head = $('trace-head');
    head.textContent = '';
    if (t >= 0) {
      head.appendChild(el('b', null, STR[sName[tRoot[t]]]));
      head.appendChild(document.createTextNode('  trace ' + traceId(t) + ' \u00b7 ' +
        tCount[t] + ' spans \u00b7 ' + fmtDur(tDur[t]) +
        (tErrors[t] ? ' \u00b7 ' + tErrors[t] + ' error' + (tErrors[t] === 1 ? '' : 's') : '')));
    }
    rowsEl.scrollTop = 0;
    buildRows();
    renderTraceList();
    renderAxis();
    renderRows();
    showDetails();
  }

  // Selection changes classes in place: rebuilding the rows would replace the element under
  // the pointer between the two clicks of a double-click, and the browser would drop it.
  function updateSelection() {
    var rows = rowsEl.querySelectorAll('.row');
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], sel;
      if (r.dataset.group !== undefined) {
        var g = groups[Number(r.dataset.group)];
        sel = state.selectedGroup === g.parent + ':' + g.name;
      } else {
        sel = Number(r.dataset.pos) === state.selected;
      }
      r.classList.toggle('sel', sel);
    }
  }

  function selectSpan(p) {
    state.selected = p;
    state.selectedGroup = null;
    updateSelection();
    showDetails();
  }

  function kv(table, k, v, cls) {
    var tr = el('tr');
    tr.appendChild(el('td', 'k', k));
    var td = el('td', cls || null);
    if (v instanceof Node) td.appendChild(v); else td.textContent = v;
    tr.appendChild(td);
    table.appendChild(tr);
    return tr;
  }

  function attrTable(pairs, cls) {
    var table = el('table', cls);
    pairs.forEach(function (a) {
      var tr = kv(table, a[0], fmtValue(a[1]));
      tr.dataset.key = a[0];
    });
    return table;
  }

  function selfTime(p) {
    var covered = 0, curB = 0, curE = -1, s = sStart[p], e = sStart[p] + sDur[p];
    for (var c = childOff[p]; c < childOff[p + 1]; c++) {
      var ch = childList[c];
      var b = Math.max(sStart[ch], s), en = Math.min(sStart[ch] + sDur[ch], e);
      if (en <= b) continue;
      if (curE >= 0 && b <= curE) { curE = Math.max(curE, en); continue; }
      if (curE >= 0) covered += curE - curB;
      curB = b; curE = en;
    }
    if (curE >= 0) covered += curE - curB;
    return Math.max(0, sDur[p] - covered);
  }

  function showDetails() {
    var box = $('details');
    box.textContent = '';
    var p = state.selected;
    if (state.selectedGroup !== null) { showGroupDetails(box); return; }
    if (p < 0) {
      box.appendChild(el('div', 'empty', state.trace < 0 ? 'No trace matches.' :
        'Click a span to see its attributes and events.'));
      return;
    }
    box.dataset.spanId = spanId(p);
    box.appendChild(el('h2', isErr(p) ? 'status-error' : null, STR[sName[p]]));
    var t = el('table', 'summary');
    kv(t, 'duration', fmtDur(sDur[p]));
    kv(t, 'self time', fmtDur(selfTime(p)));
    kv(t, 'start', '+' + fmtDur(sStart[p]) + ' into the trace');
    var st = statusOf(p);
    kv(t, 'status', st + (statusMsg[p] ? ': ' + statusMsg[p] : ''), st === 'ERROR' ? 'status-error' : null);
    kv(t, 'kind', kindOf(p));
    kv(t, 'service', serviceOf(p));
    kv(t, 'span id', spanId(p));
    if (sParent[p] >= 0) {
      var a = el('a', null, spanId(sParent[p]) + ' (' + STR[sName[sParent[p]]] + ')');
      a.addEventListener('click', function () { reveal(sParent[p]); });
      kv(t, 'parent', a);
    } else if (isOrphan(p)) {
      kv(t, 'parent', 'not in this file');
    }
    kv(t, 'trace id', traceId(sTrace[p]));
    if (D.scopes.length) {
      var sc = D.scopes[SP.scope ? SP.scope[p] : 0];
      if (sc) kv(t, 'scope', STR[sc[0]] + (sc[1] ? ' ' + STR[sc[1]] : ''));
    }
    box.appendChild(t);
    var attrs = attrList(sAttrs[p]);
    box.appendChild(el('h3', null, 'Attributes (' + attrs.length + ')'));
    box.appendChild(attrTable(attrs, 'attrs'));
    var evs = eventsOf[p] || [];
    if (evs.length) {
      box.appendChild(el('h3', null, 'Events (' + evs.length + ')'));
      evs.forEach(function (e) {
        var exc = STR[e[1]] === 'exception';
        var div = el('div', 'evt' + (exc ? ' exc' : ''));
        div.appendChild(el('div', 'en', STR[e[1]] + '  @ +' + fmtDur(e[2])));
        div.appendChild(attrTable(attrList(e[3]), 'eattrs'));
        box.appendChild(div);
      });
    }
    var links = linksOf[p] || [];
    if (links.length) {
      box.appendChild(el('h3', null, 'Links (' + links.length + ')'));
      var lt = el('table');
      links.forEach(function (l) { kv(lt, l[2], 'trace ' + l[1]); });
      box.appendChild(lt);
    }
    var det = el('details');
    det.appendChild(el('summary', null, 'Resource'));
    det.appendChild(attrTable(attrList(D.resources[sRes[p]]), 'res'));
    box.appendChild(det);
  }

  function showGroupDetails(box) {
    var g = null;
    for (var i = 0; i < groups.length; i++)
      if (groups[i].parent + ':' + groups[i].name === state.selectedGroup) g = groups[i];
    if (!g) { box.appendChild(el('div', 'empty', 'Click a span to see its attributes and events.')); return; }
    var st = groupStats(g);
    box.appendChild(el('h2', null, STR[g.name] + ' \u00d7 ' + g.members.length));
    var t = el('table', 'summary');
    kv(t, 'calls', String(g.members.length));
    kv(t, 'total', fmtDur(st.total));
    kv(t, 'mean', fmtDur(st.total / g.members.length));
    kv(t, 'max', fmtDur(st.max));
    kv(t, 'errors', String(st.errors), st.errors ? 'status-error' : null);
    kv(t, 'parent', STR[sName[g.parent]]);
    box.appendChild(t);
    var a = el('a', null, 'Expand these ' + g.members.length + ' rows');
    a.addEventListener('click', function () { toggleGroup(g); });
    box.appendChild(el('h3', null, 'Collapsed siblings'));
    box.appendChild(a);
  }

  function toggleGroup(g) {
    openGroups.add(groupKey(g.parent, g.name));
    state.selectedGroup = null;
    buildRows();
    renderRows();
    showDetails();
  }

  // Makes span p visible (unfolds its ancestors and groups), scrolls to it and selects it.
  function reveal(p) {
    if (sTrace[p] !== state.trace) selectTrace(sTrace[p]);
    for (var a = sParent[p], c = p; a >= 0; c = a, a = sParent[a]) {
      collapsed[a] = 0;
      openGroups.add(groupKey(a, sName[c]));
    }
    buildRows();
    for (var i = 0; i < rowCount; i++) {
      if (rowKind[i] === 0 && rowRef[i] === p) {
        var top = i * ROW_H, h = rowsEl.clientHeight;
        if (top < rowsEl.scrollTop || top + ROW_H > rowsEl.scrollTop + h)
          rowsEl.scrollTop = Math.max(0, top - h / 3);
        break;
      }
    }
    state.selected = p;
    state.selectedGroup = null;
    renderRows();
    showDetails();
  }

  // ---- interaction on rows: click, fold, drag to pan, wheel to zoom ---------------------------
  var drag = null, suppressClick = false;
  rowsEl.addEventListener('mousedown', function (ev) {
    suppressClick = false;
    if (ev.button !== 0 || !ev.target.closest('.lane')) return;
    drag = { x: ev.clientX, t0: state.t0, t1: state.t1, moved: false,
      width: ev.target.closest('.lane').clientWidth };
  });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    if ((ev.buttons & 1) === 0) { drag = null; return; } // released outside the window
    var dx = ev.clientX - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (!drag.moved) return;
    var shift = -dx / drag.width * (drag.t1 - drag.t0);
    setView(drag.t0 + shift, drag.t1 + shift);
  });
  window.addEventListener('mouseup', function () {
    // A drag ends in a click on whatever is under the pointer: swallow that one.
    if (drag && drag.moved) suppressClick = true;
    drag = null;
  });

  rowsEl.addEventListener('click', function (ev) {
    if (suppressClick) { suppressClick = false; return; }
    var row = ev.target.closest('.row');
    if (!row) return;
    var isToggle = ev.target.dataset && ev.target.dataset.toggle === '1';
    if (row.dataset.group !== undefined) {
      var g = groups[Number(row.dataset.group)];
      if (isToggle) { toggleGroup(g); return; }
      state.selected = -1;
      state.selectedGroup = g.parent + ':' + g.name;
      updateSelection();
      showDetails();
      return;
    }
    var p = Number(row.dataset.pos);
    if (isToggle) {
      collapsed[p] = collapsed[p] ? 0 : 1;
      buildRows();
      renderRows();
      return;
    }
    selectSpan(p);
  });
  rowsEl.addEventListener('dblclick', function (ev) {
    var row = ev.target.closest('.row');
    if (!row || row.dataset.pos === undefined) return;
    var p = Number(row.dataset.pos);
    var pad = Math.max(sDur[p] * 0.05, 1);
    setView(sStart[p] - pad, sStart[p] + sDur[p] + pad);
  });

  function clampView(t0, t1) {
    var full = Math.max(tDur[state.trace] || 1, 1);
    var minSpan = 10; // ns
    var span = Math.max(t1 - t0, minSpan);
    var margin = full * 0.5;
    if (span > full + 2 * margin) span = full + 2 * margin;
    if (t0 < -margin) t0 = -margin;
    if (t0 + span > full + margin) t0 = full + margin - span;
    return [t0, t0 + span];
  }
  function setView(t0, t1) {
    var v = clampView(t0, t1);
    state.t0 = v[0];
    state.t1 = v[1];
    renderAxis();
    renderRows();
  }
  function zoomAt(factor, frac) {
    if (frac === undefined) frac = 0.5;
    var span = state.t1 - state.t0, at = state.t0 + span * frac;
    var ns = span * factor;
    setView(at - ns * frac, at - ns * frac + ns);
  }
  function laneFrac(ev, lane) {
    var r = lane.getBoundingClientRect();
    return Math.min(1, Math.max(0, (ev.clientX - r.left) / Math.max(r.width, 1)));
  }
  function onWheel(ev, forceZoom) {
    var lane = ev.target.closest('.lane, .axis-lane');
    if (!lane) return;
    if (forceZoom || ev.ctrlKey || ev.metaKey) {
      ev.preventDefault();
      zoomAt(Math.pow(1.0015, ev.deltaY), laneFrac(ev, lane));
    } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      ev.preventDefault();
      var d = (ev.shiftKey ? ev.deltaY : ev.deltaX) / Math.max(lane.clientWidth, 1);
      var shift = d * (state.t1 - state.t0);
      setView(state.t0 + shift, state.t1 + shift);
    }
  }
  rowsEl.addEventListener('wheel', function (ev) { onWheel(ev, false); }, { passive: false });
  $('axis').addEventListener('wheel', function (ev) { onWheel(ev, true); }, { passive: false });
  $('axis-lane').addEventListener('click', function (ev) { zoomAt(0.5, laneFrac(ev, axisLane)); });

  $('zoom-in').addEventListener('click', function () { zoomAt(0.5); });
  $('zoom-out').addEventListener('click', function () { zoomAt(2); });
  $('zoom-reset').addEventListener('click', function () { setView(0, Math.max(tDur[state.trace] || 1, 1)); });

  document.addEventListener('keydown', function (ev) {
    if (ev.target && ev.target.tagName === 'INPUT') return;
    var k = ev.key;
    if (k === 'w' || k === '+' || k === '=') zoomAt(0.8);
    else if (k === 's' || k === '-') zoomAt(1.25);
    else if (k === 'a') setView(state.t0 - (state.t1 - state.t0) * 0.2, state.t1 - (state.t1 - state.t0) * 0.2);
    else if (k === 'd') setView(state.t0 + (state.t1 - state.t0) * 0.2, state.t1 + (state.t1 - state.t0) * 0.2);
    else if (k === '0') setView(0, Math.max(tDur[state.trace] || 1, 1));
    else return;
    ev.preventDefault();
  });

  // ---- filter -------------------------------------------------------------------------------
  var filterTimer = 0;
  $('filter').addEventListener('input', function (ev) {
    clearTimeout(filterTimer);
    var v = ev.target.value;
    filterTimer = setTimeout(function () { state.query = v; applyFilter(); }, N > 200000 ? 250 : 30);
  });
  $('filter').addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' || strMatch === null || state.trace < 0) return;
    // Enter: jump to the next matching span of this trace.
    var from = state.selected >= 0 ? state.selected + 1 : tFirst[state.trace];
    var end = tFirst[state.trace] + tCount[state.trace];
    for (var i = 0; i < tCount[state.trace]; i++) {
      var p = from + i >= end ? from + i - tCount[state.trace] : from + i;
      if (spanMatches(p)) { reveal(p); return; }
    }
  });
  $('errors-only').addEventListener('change', function (ev) {
    state.errorsOnly = ev.target.checked;
    applyFilter();
  });

  window.addEventListener('resize', function () { renderTraceList(); renderAxis(); renderRows(); });

  // ---- start --------------------------------------------------------------------------------
  var errs = 0;
  for (var t = 0; t < T; t++) errs += tErrors[t];
  $('stats').textContent = T + ' trace' + (T === 1 ? '' : 's') + ' \u00b7 ' + N + ' span' +
    (N === 1 ? '' : 's') + ' \u00b7 ' + errs + ' error' + (errs === 1 ? '' : 's') +
    ' \u00b7 ' + D.generator;
  if (T === 0) {
    $('rows').appendChild(el('div', 'none', 'This file holds no spans.'));
  }
  applyFilter();
  document.body.dataset.ready = '1';
})();
