// The plugin's second IR step: the exit's null test, kept out of the optimiser's way.
//
// The injected cleanup is `if (token) autospan_exit_v2(token)` (site_injector.h). The test keeps
// a disabled or sampled-out call cheap at run time (no exit call for a NULL token), but a
// conditional call in every instrumented function, and in every inlined copy of one, is two more
// basic blocks for every pass of the optimiser to work through. On Catch2's implementation at -O2
// the test was 1.8 G of the 2.5 G instructions the instrumentation added to the compilation
// (docs/performance.md, "Compile time"). With optimisation this step therefore
//
//   - at the start of the optimisation pipeline (after unwind_pass.h), replaces each call of the
//     exit helper with `autospan_exit_v2(token)`, unconditional, tagged `!autospan.exit`. The
//     runtime tests for NULL itself, so the code is correct at every point in between;
//   - at the end of the optimisation pipeline, puts the test back around every tagged call that
//     is left (inlined copies included). The object code has the inline test; the optimiser never
//     saw it. A call whose tag an optimisation dropped stays unconditional: correct, one call more
//     when the token is NULL.
//
// Not at -O0 (the test lives in the out-of-line helper there) and not when preparing for LTO: the
// bitcode would reach the link-time optimiser, which does not load the plugin, without its tests.
// Needs Clang 17 or newer (CodeGenOptions::PassBuilderCallbacks), like unwind_pass.h.
#ifndef AUTOSPAN_PLUGIN_EXIT_TEST_PASS_H
#define AUTOSPAN_PLUGIN_EXIT_TEST_PASS_H

namespace clang {
class CompilerInstance;
}

namespace autospan::plugin {

// Registers both halves with CI's code generator when this Clang can run them and the
// translation unit is optimised C++ not prepared for LTO; returns whether it did. Call after
// registerUnwindPass(), whose pass must see the exit helper's calls first.
//
// The end of the pipeline also inlines the entry helper (__autospan_abi_v2::enter: the thread
// gate's and the filter tag's tests) into small leaf functions: at most 16 instructions, calling
// nothing but the runtime, not optimised for size. There a call the runtime would refuse
// (disabled, sampled out, filtered off) is a large share of the function's time; inlined, it
// costs two loads and a branch instead of a call of the helper (+0.3 ns instead of +1.6-2.0 ns per
// call), and the runtime is called straight from the instrumented function. Elsewhere the helper
// stays a call: the code generator lowers the inlined tests once per call, which costs compile
// time (Catch2 at -O2: 202 of 2 657 calls inlined, 1.048x the uninstrumented compile instead of
// 1.041x; docs/performance.md, "Session 14").
//
// With `InlineChecks` (the plugin's `inline-checks` argument) it inlines the helper into every
// call of it (Catch2 at -O2: 1.13x the uninstrumented compile; "Session 10"). Where the step
// cannot run (Clang before 17, LTO) a warning says the argument has no effect; at -O0 there is
// nothing to inline (the entry calls the runtime directly).
bool registerExitTestPass(clang::CompilerInstance& CI, bool InlineChecks);

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_EXIT_TEST_PASS_H
