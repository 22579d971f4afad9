#!/usr/bin/env node
// constructs.unwind_ir: compiles unwind_ir.cpp to LLVM IR with the plugin at -O0 and -O2 and
// checks, function by function, what the plugin's IR step did with the exits on the unwinding
// path (clang-plugin/unwind_pass.h): landing pads that only ended the span are gone, the ones
// that stay tell the runtime first, callers that may inline instrumented code mark the depth.
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

const count = (text, re) => (text.match(re) || []).length;

for (const level of ['-O0', '-O2']) {
  const ir = compile(level, []);
  const fns = functions(ir);
  const at = (name) => `${level} ${name}`;
  for (const name of ['_ZN3app5plainEi', '_ZN3app10with_localEi', '_ZN3app7catchesEi',
    '_Z7outsidei', '_Z6holderi', '_Z9unrelatedi'])
    check(name in fns, `${at(name)}: defined`);

  // Every site says that unwinding is the runtime's job (AUTOSPAN_SITE_RUNTIME_UNWINDS, 0x200).
  const sites = ir.match(/^@[\w.$]*__autospan_site = .*$/gm) || [];
  check(sites.length === 3, `${level}: three sites (found ${sites.length})`);
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
  }
  const holderPads = landingPads(fns._Z6holderi || '');
  check(holderPads.length === 1 && firstCall(holderPads[0]) === 'autospan_unwound_below_v2',
    `${at('holder')}: its landing pad starts with autospan_unwound_below_v2`);
  check(!/autospan_unw/.test(fns._Z9unrelatedi || ''), `${at('unrelated')}: untouched`);
}

if (failures) process.exit(1);
console.log('unwind_ir: ok');
