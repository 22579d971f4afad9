#!/usr/bin/env node
// constructs.unwind_ir: compiles unwind_ir.cpp to LLVM IR with the plugin at -O0 and -O2 and
// checks, function by function, what the plugin's IR steps did with the exits: on the unwinding
// path (clang-plugin/unwind_pass.h), landing pads that only ended the span are gone, the ones
// that stay (handlers included) tell the runtime first, callers that may inline instrumented code
// mark the depth; on the normal path (clang-plugin/exit_test_pass.h), every exit call that is
// left is behind its null test again, with -O2 and with -O2 -flto=thin (where the step is off).
//
// usage: node check_unwind_ir.js COMPILER PLUGIN SOURCE INCLUDE_DIR
'use strict';

const { spawnSync } = require('child_process');

const [compiler, plugin, source, includeDir] = process.argv.slice(2);
let failures = 0;
function check(cond, what) {
  if (!cond) {
    console.error(`FAIL: ${what}`);
    ++failures;
  }
}

function compile(level, extra) {
  const args = ['-std=c++17', level, '-S', '-emit-llvm', '-o', '-', `-I${includeDir}`,
    `-fplugin=${plugin}`, '-fplugin-arg-autospan-namespace=app', ...extra, source];
  const r = spawnSync(compiler, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`${compiler} ${args.join(' ')} failed`);
  }
  return r.stdout;
}

// Function bodies by mangled name.
function functions(ir) {
  const out = {};
  const re = /^define [^\n]*@(["\w.$]+)\([^\n]*\{\n([\s\S]*?)\n\}\n/gm;
  let m;
  while ((m = re.exec(ir)) !== null) out[m[1]] = m[2];
  return out;
}

// The instructions of each landing pad block: from `landingpad` to the block's end.
function landingPads(body) {
  const pads = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; ++i) {
    if (!/= landingpad /.test(lines[i])) continue;
    const pad = [];
    for (let j = i + 1; j < lines.length && lines[j].trim() !== ''; ++j) pad.push(lines[j].trim());
    pads.push(pad);
  }
  return pads;
}

function firstCall(pad) {
  const call = pad.find((l) => /\bcall\b/.test(l));
  const m = call && /@([\w.$]+)\(/.exec(call);
  return m ? m[1] : '';
}

const enterHelper = '_ZN17__autospan_abi_v25enterEP13autospan_site';
const count = (text, re) => (text.match(re) || []).length;

// Optimised IR: every call of autospan_exit_v2 that is left sits in a block that a branch on its
// token's null test leads to (`%c = icmp ne ptr %t, null` / `br i1 %c, label %call_block, ...`,
// or the `eq` form), the step's tag is gone, and the exit helper is inlined everywhere.
function checkExitTests(what, fns) {
  let exits = 0;
  for (const [name, body] of Object.entries(fns)) {
    // Blocks by label (the entry block has none).
    const blocks = {};
    let label = '';
    for (const line of body.split('\n')) {
      const m = /^([\w.]+):/.exec(line);
      if (m) label = m[1];
      blocks[label] = (blocks[label] || '') + line + '\n';
    }
    for (const [blockLabel, block] of Object.entries(blocks)) {
      const call = /call void @autospan_exit_v2\(ptr [^%]*(%[\w.]+)\)/.exec(block);
      if (!call) continue;
      ++exits;
      const guarded = Object.values(blocks).some((pred) => {
        const cmp = /(%[\w.]+) = icmp (ne|eq) ptr (%[\w.]+), null\n/.exec(pred);
        if (!cmp || cmp[3] !== call[1]) return false;
        const br = new RegExp(`br i1 ${cmp[1].replace(/\./g, '\\.')}, label %([\\w.]+), label %([\\w.]+)`)
          .exec(pred);
        return br !== null && br[cmp[2] === 'ne' ? 1 : 2] === blockLabel;
      });
      check(guarded, `${what} ${name}: autospan_exit_v2(${call[1]}) only behind its null test`);
    }
    check(!/!autospan\.exit/.test(body), `${what} ${name}: no !autospan.exit tag left`);
    check(!/call void @_ZN17__autospan_abi_v24exitEPPv/.test(body),
      `${what} ${name}: the exit helper is inlined`);
  }
  check(exits >= 4, `${what}: exits found (${exits})`);
}

for (const level of ['-O0', '-O2']) {
  const ir = compile(level, []);
  const fns = functions(ir);
  const at = (name) => `${level} ${name}`;
  for (const name of ['_ZN3app5plainEi', '_ZN3app10with_localEi', '_ZN3app7catchesEi',
    '_ZN3app10small_leafEi', '_ZN3app10large_leafEj', '_Z7outsidei', '_Z6holderi',
    '_Z9unrelatedi'])
    check(name in fns, `${at(name)}: defined`);

  // Every site says that unwinding is the runtime's job (AUTOSPAN_SITE_RUNTIME_UNWINDS, 0x200).
  const sites = ir.match(/^@[\w.$]*__autospan_site = .*$/gm) || [];
  check(sites.length === 6, `${level}: six sites (found ${sites.length})`);
  for (const s of sites) check(/i32 \d+, i32 512, i32 0, i32 0 \}/.test(s), `${level}: site flags in ${s}`);

  const plain = fns._ZN3app5plainEi || '';
  check(!/landingpad|invoke /.test(plain), `${at('app::plain')}: no landing pad, no invoke`);
  // -O0 calls the exit helper, -O2 has it inlined: one exit either way, on the way out.
  check(count(plain, /call void @(_ZN17__autospan_abi_v24exitEPPv|autospan_exit_v2)\(/g) === 1,
    `${at('app::plain')}: one exit, on the way out`);

  const local = fns._ZN3app10with_localEi || '';
  const localPads = landingPads(local);
  check(localPads.length === 1, `${at('app::with_local')}: one landing pad (${localPads.length})`);
  for (const pad of localPads) {
    check(firstCall(pad) === 'autospan_unwound_v2',
      `${at('app::with_local')}: landing pad starts with autospan_unwound_v2, not ${firstCall(pad)}`);
    check(pad.some((l) => /_ZN3ObjD1Ev/.test(l)), `${at('app::with_local')}: landing pad runs ~Obj`);
    check(!pad.some((l) => /__autospan_abi_v24exit/.test(l)),
      `${at('app::with_local')}: no exit on the unwinding path`);
  }

  const catches = landingPads(fns._ZN3app7catchesEi || '');
  check(catches.length >= 1 && catches.every((p) => firstCall(p) === 'autospan_unwound_v2'),
    `${at('app::catches')}: every landing pad starts with autospan_unwound_v2`);

  // A landing pad that is both a handler and on the way to the unwinding exit tells the runtime
  // once.
  for (const [name, body] of Object.entries(fns))
    for (const pad of landingPads(body))
      check(pad.filter((l) => /@autospan_unwound_v2\(/.test(l)).length <= 1,
        `${at(name)}: at most one autospan_unwound_v2 per landing pad`);

  const catchesAll = fns._ZN3app11catches_allEi || '';
  const catchAllPads = landingPads(catchesAll);
  check(catchAllPads.length >= 1 && firstCall(catchAllPads[0]) === 'autospan_unwound_v2',
    `${at('app::catches_all')}: its catch-all landing pad starts with autospan_unwound_v2`);

  if (level !== '-O0') checkExitTests(level, fns);

  const outside = fns._Z7outsidei || '';
  const outsidePads = landingPads(outside);
  if (level === '-O0') {
    check(!/autospan_unwind_mark/.test(outside), `${at('outside')}: no mark without inlining`);
    check(outsidePads.length === 1 && firstCall(outsidePads[0]) === 'autospan_unwound_below_v2',
      `${at('outside')}: its handler starts with autospan_unwound_below_v2`);
  } else {
    check(count(outside, /call ptr @autospan_unwind_mark_v2\(\)/g) === 1,
      `${at('outside')}: notes the depth once, on entry`);
    check(outsidePads.length === 1 && firstCall(outsidePads[0]) === 'autospan_unwind_to_v2',
      `${at('outside')}: its handler starts with autospan_unwind_to_v2`);
    // app::plain is inlined here, its entry with it: what the mark is for.
    check(/@_ZZN3app5plainEiE15__autospan_site/.test(outside), `${at('outside')}: app::plain inlined`);
    const helper = fns._ZN17__autospan_abi_v25enterEP13autospan_site || '';
    check(/musttail call [^\n]*@autospan_enter_v2\(/.test(helper),
      `${level} entry helper: a guaranteed tail call of autospan_enter_v2`);
    // The entry helper inlined into a small leaf, and only there: it tests the thread gate and
    // the filter tag itself and calls the runtime directly. A larger leaf and a function that
    // calls something else (app::plain calls g) call the helper.
    const leaf = fns._ZN3app10small_leafEi || '';
    check(!leaf.includes(`@${enterHelper}(`), `${at('app::small_leaf')}: no call of the entry helper`);
    check(/@llvm\.threadlocal\.address[^\n]*@autospan_thread_gate_v2/.test(leaf),
      `${at('app::small_leaf')}: reads the thread gate`);
    check(/@autospan_filter_off_v2/.test(leaf), `${at('app::small_leaf')}: reads the filter tag`);
    check(/call [^\n]*@autospan_enter_v2\(ptr [^\n]*@_ZZN3app10small_leafEiE15__autospan_site\)/.test(leaf),
      `${at('app::small_leaf')}: calls autospan_enter_v2 itself`);
    for (const name of ['_ZN3app10large_leafEj', '_ZN3app5plainEi'])
      check(count(fns[name] || '', new RegExp(`call [^\\n]*@${enterHelper}\\(`, 'g')) === 1,
        `${at(name)}: calls the entry helper`);
  }
  const holderPads = landingPads(fns._Z6holderi || '');
  check(holderPads.length === 1 && firstCall(holderPads[0]) === 'autospan_unwound_below_v2',
    `${at('holder')}: its landing pad starts with autospan_unwound_below_v2`);
  check(!/autospan_unw/.test(fns._Z9unrelatedi || ''), `${at('unrelated')}: untouched`);
}

// Prepared for ThinLTO the step is off (the link-time optimiser would not restore the tests): the
// exits keep the test the exit helper has.
checkExitTests('-O2 -flto=thin', functions(compile('-O2', ['-flto=thin'])));

// Optimised for size, a small leaf keeps the call of the helper (the smaller code).
{
  const fns = functions(compile('-Os', []));
  check(count(fns._ZN3app10small_leafEi || '', new RegExp(`call [^\\n]*@${enterHelper}\\(`, 'g')) === 1,
    '-Os app::small_leaf: calls the entry helper');
}

// -fplugin-arg-autospan-inline-checks: the entry helper is inlined at the end of the pipeline.
// The runtime is then called straight from the instrumented function (which it records as the
// caller), behind the thread gate's test, and no call of the helper is left; the exits keep their
// tests. Without the argument the helper stays (checked above).
{
  const what = '-O2 inline-checks';
  const fns = functions(compile('-O2', ['-fplugin-arg-autospan-inline-checks']));
  const outside = fns._Z7outsidei || '';
  check(/call [^\n]*@autospan_enter_v2\(ptr [^\n]*@_ZZN3app5plainEiE15__autospan_site\)/.test(outside),
    `${what} outside: calls autospan_enter_v2 itself for the inlined app::plain`);
  check(/@llvm\.threadlocal\.address[^\n]*@autospan_thread_gate_v2/.test(outside),
    `${what} outside: reads the thread gate`);
  check(/@autospan_filter_off_v2/.test(outside), `${what} outside: reads the filter tag`);
  check(!(enterHelper in fns) && !Object.values(fns).some((b) => b.includes(`@${enterHelper}(`)),
    `${what}: no entry helper left`);
  checkExitTests(what, fns);
}

if (failures) process.exit(1);
console.log('unwind_ir: ok');
