// autospan: the one header users include.
//
// Annotations (read by the Clang plugin and autospan-rewrite): AUTOSPAN_NO_TRACE, AUTOSPAN_TRACE,
// AUTOSPAN_TRACE_AS("name") — see annotations.h.
// Instrumentation macros: AUTOSPAN_FUNCTION(), AUTOSPAN_SCOPE("name").
// Manual API (namespace autospan): Span, current_context(), ContextScope, inject/extract,
// baggage::set/get, trace_id_hex()/span_id_hex(), flush(), shutdown().
#ifndef AUTOSPAN_AUTOSPAN_H
#define AUTOSPAN_AUTOSPAN_H

#include <autospan/annotations.h>
#include <autospan/detail/abi.h>
#include <autospan/version.h>

#define AUTOSPAN_DETAIL_CAT2(a, b) a##b
#define AUTOSPAN_DETAIL_CAT(a, b) AUTOSPAN_DETAIL_CAT2(a, b)

#if defined(__cplusplus)

namespace autospan {
namespace detail {

// The RAII guard behind AUTOSPAN_FUNCTION() and AUTOSPAN_SCOPE(). The Clang plugin recognises a
// body whose first statement declares one of these and does not instrument it a second time.
class SiteGuard {
public:
  explicit SiteGuard(::autospan_site* site) noexcept : token_(::autospan_enter_v1(site)) {}
  ~SiteGuard() { ::autospan_exit_v1(&token_); }
  SiteGuard(const SiteGuard&) = delete;
  SiteGuard& operator=(const SiteGuard&) = delete;

private:
  void* token_;
};

} // namespace detail
} // namespace autospan

// Both macros declare a constant-initialised static descriptor (no guard variable, no dynamic
// initialisation) and an RAII guard. __COUNTER__ keeps names unique even for two lambdas on one
// line (-Wshadow).
#define AUTOSPAN_DETAIL_SITE(id, name, function, flags)                                            \
  static ::autospan_site AUTOSPAN_DETAIL_CAT(autospan_site_, id) = {                               \
      name, function, __FILE__, __LINE__, flags, 0u, 0u};                                          \
  ::autospan::detail::SiteGuard AUTOSPAN_DETAIL_CAT(autospan_guard_,                               \
                                                    id)(&AUTOSPAN_DETAIL_CAT(autospan_site_, id))

// AUTOSPAN_FUNCTION("app::Loader::load"): an automatic span for the enclosing function, under the
// given name (autospan-rewrite always passes the name the plugin would use). Without an argument
// the runtime derives the name from the compiler's signature string (best effort: return type and
// parameter list stripped). Subject to AUTOSPAN_MIN_DURATION like plugin-injected spans.
// `"" __VA_ARGS__` turns "no argument" into an empty name without C++20's __VA_OPT__.
#define AUTOSPAN_FUNCTION(...)                                                                     \
  AUTOSPAN_DETAIL_SITE(__COUNTER__, "" __VA_ARGS__, __PRETTY_FUNCTION__,                           \
                       AUTOSPAN_SITE_AUTO | AUTOSPAN_SITE_FUNCTION_IS_SIGNATURE)

// AUTOSPAN_SCOPE("name"): a manual span covering the rest of the enclosing block. Never dropped
// by the min-duration filter.
#define AUTOSPAN_SCOPE(name) AUTOSPAN_DETAIL_SITE(__COUNTER__, name, name, AUTOSPAN_SITE_MANUAL)

#endif // __cplusplus

#endif // AUTOSPAN_AUTOSPAN_H
