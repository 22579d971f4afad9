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
 *   void* token = autospan_disabled_v2 ? NULL : autospan_enter_v2(&site);
 *   ... body ...
 *   on every way out (exception unwinding included): if (token) autospan_exit_v2(token);
 *
 * A disabled runtime therefore costs one load and one branch, and no call. C translation units
 * (whose `cleanup` attribute can only name a function) pass &token to autospan_cleanup_v2, which
 * does the same test out of line. Version 1 (still exported) called enter and exit(&token)
 * unconditionally.
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

/* Nonzero once the runtime is disabled for the rest of the process (OTEL_SDK_DISABLED, or after
 * its shutdown): instrumented code then skips autospan_enter_v2. Runtime-owned; starts 0, so the
 * first call initialises the runtime (which may set it). Read with a plain load: a stale 0 only
 * costs one more call that returns NULL. */
#if defined(__cplusplus)
extern "C" { /* the braced form: `extern "C" extern` is not allowed */
#endif
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

/* autospan_exit_v2(*token), in the form a C `cleanup` attribute takes. */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void
autospan_cleanup_v2(void** token) AUTOSPAN_ABI_NOEXCEPT;

/* Version 1, kept for objects instrumented before version 2: enter is autospan_enter_v2 without
 * the inline test, exit is autospan_cleanup_v2. */
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void*
autospan_enter_v1(autospan_site* site) AUTOSPAN_ABI_NOEXCEPT;
AUTOSPAN_ABI_EXTERN_C AUTOSPAN_ABI_EXPORT void autospan_exit_v1(void** token) AUTOSPAN_ABI_NOEXCEPT;

#endif /* AUTOSPAN_DETAIL_ABI_H */
