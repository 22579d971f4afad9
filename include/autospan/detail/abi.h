/* The C ABI between instrumented code and libautospan.
 *
 * Both front ends emit exactly this: the Clang plugin synthesises it in the AST, the rewriter's
 * AUTOSPAN_FUNCTION() macro spells it in source. Everything else (clocks, buffers, export) is the
 * runtime's business. Keep this file C-compatible: C translation units can be instrumented too.
 *
 * Versioning: the entry points carry the ABI version in their names, so code instrumented for an
 * incompatible runtime fails at link time instead of misbehaving. Bump AUTOSPAN_ABI_VERSION and
 * the suffix together. The runtime keeps exporting every earlier version, so objects instrumented
 * before still link and work.
 *
 * The protocol of version 2, per instrumented function (C++; see autospan.h for the macro form):
 *
 *   static autospan_site site = {name, function, file, line, AUTOSPAN_SITE_AUTO, 0, 0};
 *   void* token = autospan_thread_gate_v2 != 0 ||
 *                         (atomic_load_relaxed(&site.state) & ~1u) ==
 *                             atomic_load_relaxed(&autospan_filter_off_v2)
 *                     ? NULL
 *                     : autospan_enter_v2(&site);
 *   ... body ...
 *   on every way out (exception unwinding included): if (token) autospan_exit_v2(token);
 *
 * Every call the runtime would answer with NULL at once is answered before it, without a call
 * into the runtime: a disabled runtime, a thread inside a sampled-out trace or outside the
 * explicit trace AUTOSPAN_REQUIRE_PARENT asks for (the per-thread gate), and a site
 * AUTOSPAN_FILTER turned off (its state equals the current filter's tag). Optimised C++ makes the
 * tests in one hidden, out-of-line helper per linked object (the plugin's
 * __autospan_abi_v2::enter, the macros' autospan::detail::enter_site): compiled once instead of
 * into every instrumented function, for the price of a direct call. Optimised C makes them
 * inline; -O0 calls autospan_enter_v2 directly, which answers NULL itself. C translation units
 * (whose `cleanup` attribute can only name a function) pass &token to autospan_cleanup_v2, which
 * does the exit's test out of line.
 *
 * History, all still exported: version 1 called enter and exit(&token) unconditionally; the first
 * form of version 2 tested only autospan_disabled_v2 (a process-wide byte) before the call. The
 * per-thread gate and the filter tag were added to version 2 without renaming enter and exit,
 * whose meaning did not change: code that reads them needs a runtime that exports them, and
 * fails to link against an older one.
 */
#ifndef AUTOSPAN_DETAIL_ABI_H
#define AUTOSPAN_DETAIL_ABI_H

#define AUTOSPAN_ABI_VERSION 2

#if defined(__cplusplus)
#define AUTOSPAN_ABI_NOEXCEPT noexcept
#define AUTOSPAN_ABI_EXTERN_C extern "C"
#else
#define AUTOSPAN_ABI_NOEXCEPT
#define AUTOSPAN_ABI_EXTERN_C
#endif

#if defined(_WIN32)
#define AUTOSPAN_ABI_EXPORT
#else
#define AUTOSPAN_ABI_EXPORT __attribute__((visibility("default")))
#endif

/* Site kinds (autospan_site::flags & AUTOSPAN_SITE_KIND_MASK). Auto sites are subject to
 * AUTOSPAN_MIN_DURATION and the runtime filter; manual scopes are always kept when sampled. */
#define AUTOSPAN_SITE_AUTO 0u   /* injected by the plugin or inserted by the rewriter */
#define AUTOSPAN_SITE_MANUAL 1u /* AUTOSPAN_SCOPE("name") */
#define AUTOSPAN_SITE_KIND_MASK 0xffu
/* `function` is a compiler signature string (__PRETTY_FUNCTION__), not a qualified name: the
 * runtime normalises it for code.function.name, and uses it as the span name when `name` is "". */
#define AUTOSPAN_SITE_FUNCTION_IS_SIGNATURE 0x100u
/* The function has no landing pad just to exit: when an exception leaves it, the runtime ends its
 * frame (autospan_unwound_v2 and friends below, or its __cxa_begin_catch hook). Set by the Clang
 * plugin on the sites of functions its IR step rewrote (clang-plugin/unwind_pass.h). */
#define AUTOSPAN_SITE_RUNTIME_UNWINDS 0x200u

/* One static descriptor per instrumented site. Constant-initialised by the compiler (no guard
 * variable, no dynamic initialisation); `state` and `id` are owned by the runtime, start at 0 and
 * are only accessed with atomic builtins. The layout has no padding on LP64 and ILP32 (-Wpadded).
 */
typedef struct autospan_site {
  const char* name;     /* span name, e.g. "app::Loader::load" ("": see flags) */
  const char* function; /* code.function.name */
  const char* file;     /* code.file.path, as the compiler spells the presumed file name */
  unsigned int line;    /* code.line.number */
  unsigned int flags;   /* AUTOSPAN_SITE_* */
  unsigned int state;   /* runtime-owned per-site state (filter decision, latch); starts 0 */
  unsigned int id;      /* runtime-owned site index; starts 0 (= not yet registered) */
#if !defined(__LP64__) && !defined(_WIN64)
  unsigned int reserved_; /* keeps sizeof a multiple of 8 on ILP32 */
#endif
} autospan_site;

/* Per-thread gate. Nonzero: automatic sites (AUTOSPAN_SITE_AUTO) skip autospan_enter_v2, the
 * runtime would answer NULL. Manual scopes (AUTOSPAN_SITE_MANUAL) skip it when a bit other than
 * AUTOSPAN_THREAD_GATE_OUTSIDE is set: a manual scope is what starts the explicit trace that
 * AUTOSPAN_REQUIRE_PARENT waits for. Runtime-owned, written only by its own thread; starts 0, so
 * a thread's first call reaches the runtime, which sets the bits that apply (a disabled runtime,
 * for one, sets them on each thread's first call). Initial-exec TLS: one %fs-relative load, and
 * libautospan's own TLS is initial-exec already, so no new constraint on dlopen. */
#define AUTOSPAN_THREAD_GATE_OUTSIDE 0x04u
#if defined(__cplusplus)
extern "C" {
#endif
AUTOSPAN_ABI_EXPORT extern __thread unsigned char autospan_thread_gate_v2
    __attribute__((tls_model("initial-exec")));

/* AUTOSPAN_FILTER (and autospan::set_filter): `state & ~1u` of an automatic site that the current
 * filter turned off. A new filter gets a new tag, so decisions made under an older one no longer
 * match and the site asks the runtime again. No masked state is odd, so the tag is 1 while no
 * filter is active. Runtime-owned; read with a relaxed atomic load. */
AUTOSPAN_ABI_EXPORT extern unsigned int autospan_filter_off_v2;

/* The first form of version 2 (objects built before the gate above): nonzero once the runtime is
 * disabled for the rest of the process. Runtime-owned, read with a plain load. */
AUTOSPAN_ABI_EXPORT extern volatile unsigned char autospan_disabled_v2;
#if defined(__cplusplus)
}
#endif

/* Enter a span for `site`. Returns an opaque token for autospan_exit_v2 (NULL when nothing was
 * started: disabled, sampled out, filtered off). Never throws, never blocks, never allocates on
 * the steady-state path. */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void*
autospan_enter_v2(autospan_site* site) AUTOSPAN_ABI_NOEXCEPT;

/* Exit the span entered with `token`. Runs on every path out of the function, exception
 * unwinding included; tolerates exits that never come (longjmp, exit()) by resynchronising on
 * the token. Instrumented code calls it only for a non-NULL token (NULL is accepted, and ignored).
 */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void autospan_exit_v2(void* token) AUTOSPAN_ABI_NOEXCEPT;

/* Exception unwinding without exits (AUTOSPAN_SITE_RUNTIME_UNWINDS), called from the landing
 * pads the plugin keeps:
 *   autospan_unwound_v2(token)  at the start of every landing pad that still has work
 *                               (destructors, handlers) in an instrumented function: unwinding has
 *                               left every frame above `token`'s (NULL: nothing to do);
 *   autospan_unwind_mark_v2()   on entry to a function that is not instrumented but calls
 *                               instrumented code (and so may get it inlined) and has catch
 *                               clauses, with optimisation;
 *   autospan_unwind_to_v2(mark) at the start of its landing pads with a catch clause: unwinding
 *                               has left every frame entered since the mark;
 *   autospan_unwound_below_v2() at the start of the other landing pads that have work in a
 *                               function that is not instrumented but calls instrumented code
 *                               (all of them without optimisation): unwinding has left every
 *                               frame whose function's stack pointer is below the caller's.
 * Frames left this way end as their exits would have (status ERROR, the exception recorded). The
 * autospan_enter_v2 must be reached by a direct call or a tail call from the instrumented function:
 * the runtime records that function's stack pointer, by which its __cxa_begin_catch hook ends what
 * a catch in code built without the plugin leaves behind. */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void
autospan_unwound_v2(void* token) AUTOSPAN_ABI_NOEXCEPT;
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void* autospan_unwind_mark_v2(void) AUTOSPAN_ABI_NOEXCEPT;
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void
autospan_unwind_to_v2(void* mark) AUTOSPAN_ABI_NOEXCEPT;
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void
autospan_unwound_below_v2(void) AUTOSPAN_ABI_NOEXCEPT;

/* autospan_exit_v2(*token), in the form a C `cleanup` attribute takes. */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void
autospan_cleanup_v2(void** token) AUTOSPAN_ABI_NOEXCEPT;

/* Version 1, kept for objects instrumented before version 2: enter is autospan_enter_v2 without
 * the inline test, exit is autospan_cleanup_v2. */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void*
autospan_enter_v1(autospan_site* site) AUTOSPAN_ABI_NOEXCEPT;
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void autospan_exit_v1(void** token) AUTOSPAN_ABI_NOEXCEPT;

#endif /* AUTOSPAN_DETAIL_ABI_H */
