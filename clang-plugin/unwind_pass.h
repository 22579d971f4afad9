// The plugin's first LLVM IR step: exception exits become the runtime's job (the second,
// exit_test_pass.h, runs after it).
//
// The injected token's `cleanup` runs on every way out, unwinding included, so Clang gives every
// instrumented function that calls anything that may throw a landing pad (and turns its calls
// into invokes) just to end the span. Those landing pads are most of what the instrumentation
// costs the optimiser and the code generator. This pass, run at the start of the optimisation
// pipeline (before inlining, at every -O level), takes the exit off the unwinding path:
//
//   - In an instrumented function, the copy of the exit that only unwinding reaches (no `ret` is
//     reachable from it) is removed. A landing pad left with nothing to do (no destructor, no
//     handler: it only resumes) is removed too, and the calls that unwound to it become plain
//     calls. A landing pad that still has work (destructors, catch clauses) starts with
//     `autospan_unwound_v2(token)`: the runtime ends the frames above this one, which unwinding
//     has left, before any destructor or handler of this function runs. That includes handlers
//     that catch everything (no way on to the exit), where instrumented code inlined into this
//     function may have thrown; only pads reached before the token is set (a constructor's member
//     initialisers in a function-try-block) are left to the runtime's __cxa_begin_catch hook.
//   - A function that is not instrumented but calls (directly or not) one that is starts each of
//     its landing pads that have work with a call that ends the frames unwinding left: with
//     optimisation, where a catch clause is, `autospan_unwind_to_v2(mark)` with the depth
//     `autospan_unwind_mark_v2()` noted on entry (instrumented code inlined here shares this
//     function's stack frame, so only the depth tells its frames apart); elsewhere
//     `autospan_unwound_below_v2()`, which ends the frames whose stack pointer is below this
//     function's (so that a destructor running here is not taken for a child of frames already
//     left).
//   - Everything else is the runtime's: a catch elsewhere (code built without the plugin) ends the
//     skipped frames from its __cxa_begin_catch hook, by stack address, and a frame's own exit or
//     a later enclosing one ends what is left (runtime/core/exceptions.cpp).
//
// Needs Clang 17 or newer (CodeGenOptions::PassBuilderCallbacks); with older majors nothing is
// registered and every exit stays on the unwinding path, which the runtime handles as before.
#ifndef AUTOSPAN_PLUGIN_UNWIND_PASS_H
#define AUTOSPAN_PLUGIN_UNWIND_PASS_H

namespace clang {
class CompilerInstance;
}

namespace autospan::plugin {

// The C++ exit helper site_injector.cpp synthesises (`__autospan_abi_v2::exit(void**)`, and its
// precompiled-header twin `__autospan_abi_v2_pch::exit`), as the Itanium ABI mangles them: the IR
// steps find the injected exits by their calls.
inline constexpr const char* ExitHelperNames[] = {"_ZN17__autospan_abi_v24exitEPPv",
                                                  "_ZN21__autospan_abi_v2_pch4exitEPPv"};
// The entry helper (__autospan_abi_v2::enter), in the same two spellings.
inline constexpr const char* EnterHelperNames[] = {
    "_ZN17__autospan_abi_v25enterEP13autospan_site",
    "_ZN21__autospan_abi_v2_pch5enterEP13autospan_site"};

// True when this Clang can run the pass (the plugin then marks its sites
// AUTOSPAN_SITE_RUNTIME_UNWINDS).
bool unwindPassAvailable();

// Registers the pass with CI's code generator when unwindPassAvailable() and the translation unit
// is C++ with exceptions; returns whether it did.
bool registerUnwindPass(clang::CompilerInstance& CI);

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_UNWIND_PASS_H
