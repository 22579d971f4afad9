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

// What the plugin's out-of-line helper does (abi.h): every call the runtime would answer with NULL
// at once (disabled, sampled out, outside a required parent, filtered off) is answered here, for
// the cost of a direct call. `skip_bits`: the bits of the thread gate that skip this site (a
// manual scope still calls when the thread is only outside an explicit trace: it starts one).
// Out of line so that the tests are compiled once, not into every instrumented function and every
// inlined copy of one; hidden, so that the call is direct in -fPIC code too.
__attribute__((noinline, visibility("hidden"))) inline void*
enter_site(::autospan_site* site, unsigned int skip_bits) noexcept {
  return (::autospan_thread_gate_v2 & skip_bits) != 0 ||
                 (__atomic_load_n(&site->state, __ATOMIC_RELAXED) & ~1u) ==
                     __atomic_load_n(&::autospan_filter_off_v2, __ATOMIC_RELAXED)
             ? nullptr
             : ::autospan_enter_v2(site);
}

// The RAII guard behind AUTOSPAN_FUNCTION() and AUTOSPAN_SCOPE(), speaking ABI version 2 like the
// plugin: a null token costs no exit call. The Clang plugin recognises a body whose first
// statement declares one of these and does not instrument it a second time.
class SiteGuard {
public:
  explicit SiteGuard(::autospan_site* site, unsigned int skip_bits = 0xffu) noexcept
      : token_(enter_site(site, skip_bits)) {}
  ~SiteGuard() {
    if (token_)
      ::autospan_exit_v2(token_);
  }
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
  ::autospan::detail::SiteGuard AUTOSPAN_DETAIL_CAT(autospan_guard_, id)(                          \
      &AUTOSPAN_DETAIL_CAT(autospan_site_, id),                                                    \
      ((flags)&AUTOSPAN_SITE_KIND_MASK) == AUTOSPAN_SITE_MANUAL                                    \
          ? 0xffu & ~AUTOSPAN_THREAD_GATE_OUTSIDE                                                  \
          : 0xffu)

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

// ---------------------------------------------------------------------------------------------
// Manual API. Usable with or without the plugin; manual and automatic spans share one
// per-thread context, so each is the parent of the other as the code nests them.
//
//   void handle(const Request& req) {
//     autospan::ContextScope remote(autospan::extract(req.headers)); // continue a remote trace
//     autospan::Span span("handle");
//     span.set_attribute("request.size", req.size());
//     ...
//   }
//
// Every function is noexcept except where it returns a std::string (allocation). When autospan
// is disabled (OTEL_SDK_DISABLED) or the trace is sampled out, spans do nothing.
#if defined(__cplusplus)

#include <autospan/detail/api_support.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <utility>

namespace autospan {
inline namespace v1 {

// Values match OTLP.
enum class status_code { unset = 0, ok = 1, error = 2 };
enum class span_kind { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };

// A span's identity plus the baggage that travels with it. Cheap to copy (shared, immutable).
// An empty Context (is_valid() false) means "no parent": spans under it start new traces.
class AUTOSPAN_API Context {
public:
  Context() noexcept = default;
  bool is_valid() const noexcept;
  bool is_sampled() const noexcept;
  bool is_remote() const noexcept;
  std::string trace_id_hex() const; // 32 lowercase hex digits, "" when invalid
  std::string span_id_hex() const;  // 16 lowercase hex digits, "" when invalid
  std::string trace_state() const;
  // Baggage carried by this context ("" when absent).
  std::string baggage(string_ref key) const;

  // Internal: contexts are made by current_context(), extract() and Span::context().
  explicit Context(std::shared_ptr<const impl::ContextData> data) noexcept
      : data_(std::move(data)) {}
  const std::shared_ptr<const impl::ContextData>& data() const noexcept { return data_; }

private:
  std::shared_ptr<const impl::ContextData> data_;
};

// The innermost span of this thread (automatic or manual), or the attached context, with the
// thread's baggage. Hand it to another thread and attach it there with ContextScope.
AUTOSPAN_API Context current_context() noexcept;

// Makes `context` the parent of the spans this thread starts until the scope ends (a thread-pool
// task continuing its submitter's trace, or a request continuing a remote trace).
class AUTOSPAN_API ContextScope {
public:
  explicit ContextScope(const Context& context) noexcept;
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

private:
  std::shared_ptr<const impl::ContextData> context_;
  void* thread_;
  void* saved_baggage_;
  std::uint32_t index_;
  std::uint32_t saved_suppress_;
};

// A manual span: starts at construction as a child of the current context and ends at end() or
// destruction. It is the current span of its thread until then, so spans started below it (also
// automatic ones) are its children. End it on the thread that started it.
class AUTOSPAN_API Span {
public:
  explicit Span(string_ref name, span_kind kind = span_kind::internal) noexcept;
  // With an explicit parent instead of the current context (an invalid one starts a new trace).
  Span(string_ref name, const Context& parent, span_kind kind = span_kind::internal) noexcept;
  // With attributes set before the sampling decision: a sampler (set_sampler) sees them.
  //   autospan::Span span("handle", {{"priority", "high"}});
  Span(string_ref name, std::initializer_list<attribute> attributes,
       span_kind kind = span_kind::internal) noexcept;
  Span(string_ref name, const Context& parent, std::initializer_list<attribute> attributes,
       span_kind kind = span_kind::internal) noexcept;
  ~Span();
  Span(Span&& other) noexcept : state_(other.state_) { other.state_ = nullptr; }
  Span& operator=(Span&&) = delete;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  // OTLP value types: bool, integers, double, strings, and arrays of each
  // (std::vector<...> or a braced list: span.set_attribute("ids", {1, 2, 3})).
  void set_attribute(string_ref key, const attribute_value& value) noexcept;
  void add_event(string_ref name, std::initializer_list<attribute> attributes = {}) noexcept;
  // A link to another span (e.g. the producer of a message this span consumes).
  void add_link(const Context& linked, std::initializer_list<attribute> attributes = {}) noexcept;
  // Status ERROR plus an `exception` event (exception.type demangled, exception.message = what()).
  void record_exception(const std::exception& e) noexcept;
  void record_exception(std::exception_ptr e) noexcept;
  void record_exception(string_ref type, string_ref message) noexcept;
  void set_status(status_code code, string_ref description = {}) noexcept;
  void update_name(string_ref name) noexcept;
  void end() noexcept;

  // False when disabled, sampled out, or already ended.
  bool is_recording() const noexcept;
  Context context() const noexcept;

private:
  impl::SpanState* state_;
};

// W3C Trace Context + Baggage (per OTEL_PROPAGATORS) into / out of a carrier. A carrier is a map
// (anything with operator[] taking and returning strings: std::map, std::unordered_map, ...) or
// a callable: setter(key, value) for inject, getter(key) -> std::string ("" = absent) for extract.
AUTOSPAN_API void inject(void* carrier, impl::carrier_setter set, const Context& context) noexcept;
AUTOSPAN_API Context extract(void* carrier, impl::carrier_getter get) noexcept;

namespace impl {
template <typename C>
auto carrier_set(C& c, const char* k, const char* v, int)
    -> decltype(c[std::string()] = v, void()) {
  c[std::string(k)] = v;
}
template <typename C>
auto carrier_set(C& c, const char* k, const char* v, long) -> decltype(c(k, v), void()) {
  c(k, v);
}
template <typename C>
auto carrier_get(C& c, const char* k, std::string* v, int)
    -> decltype(c.find(std::string()) != c.end(), bool()) {
  auto it = c.find(std::string(k));
  if (it == c.end())
    return false;
  *v = it->second;
  return true;
}
template <typename C>
auto carrier_get(C& c, const char* k, std::string* v, long) -> decltype(std::string(c(k)), bool()) {
  *v = std::string(c(k));
  return !v->empty();
}
} // namespace impl

template <typename Carrier> void inject(Carrier& carrier, const Context& context) {
  inject(
      static_cast<void*>(&carrier),
      [](void* c, const char* k, const char* v) {
        impl::carrier_set(*static_cast<Carrier*>(c), k, v, 0);
      },
      context);
}
template <typename Carrier> void inject(Carrier& carrier) {
  inject(carrier, current_context());
}
// Callables are often temporaries (lambdas).
template <typename Carrier> void inject(const Carrier& carrier, const Context& context) {
  Carrier copy(carrier);
  inject(copy, context);
}
template <typename Carrier> void inject(const Carrier& carrier) {
  Carrier copy(carrier);
  inject(copy, current_context());
}
template <typename Carrier> Context extract(Carrier& carrier) {
  return extract(static_cast<void*>(&carrier), [](void* c, const char* k, std::string* v) {
    return impl::carrier_get(*static_cast<Carrier*>(c), k, v, 0);
  });
}
template <typename Carrier> Context extract(const Carrier& carrier) {
  Carrier copy(carrier);
  return extract(copy);
}

// TRACEPARENT/TRACESTATE/BAGGAGE entries ("KEY=value") for a child process's environment, so
// that the child (instrumented with autospan, or any OpenTelemetry SDK that reads them)
// continues the current trace.
AUTOSPAN_API std::vector<std::string> child_environment();

namespace baggage {
// The calling thread's baggage: travels with current_context() and inject(), and is copied onto
// spans whose keys AUTOSPAN_BAGGAGE_ATTRIBUTES selects. A ContextScope restores the previous
// baggage when it ends.
AUTOSPAN_API void set(string_ref key, string_ref value) noexcept;
AUTOSPAN_API std::string get(string_ref key);
AUTOSPAN_API void remove(string_ref key) noexcept;
AUTOSPAN_API void clear() noexcept;
} // namespace baggage

// Ids of the current span for log correlation ("" outside any span). The span is then always
// exported (a log line may refer to it), even when shorter than AUTOSPAN_MIN_DURATION.
AUTOSPAN_API std::string trace_id_hex();
AUTOSPAN_API std::string span_id_hex();

// Exports everything finished so far; waits at most `timeout` (default OTEL_BSP_EXPORT_TIMEOUT).
// Returns false on timeout.
AUTOSPAN_API bool flush(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1)) noexcept;
// Final flush and exporter shutdown (also done automatically at exit); nothing is recorded
// afterwards.
AUTOSPAN_API bool
shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1)) noexcept;

// ---------------------------------------------------------------------------------------------
// Run-time control: what the compiled-in instrumentation records (docs/configuration.md).

// Replaces the AUTOSPAN_FILTER rules ("" removes the filter): `PATTERN=on|off,...` over the
// qualified names of the instrumented functions, the most specific rule winning. Every call site
// decides again on its next call; a site that is off then costs what the disabled path costs.
// A bad rule is ignored with one warning naming it (the function then returns false).
// Thread-safe; meant for long-running services (an admin endpoint, a signal), not per request.
AUTOSPAN_API bool set_filter(string_ref rules) noexcept;

enum class sampling_decision { drop, record_and_sample };

// What a sampler decides from. Valid only during the call to should_sample.
struct sampling_parameters {
  // The parent: not valid (is_valid() false) when the span starts a new trace; is_remote() for
  // an extracted context or TRACEPARENT. Carries the current baggage.
  Context parent;
  // The span's trace id (the parent's, or the new trace's), big-endian bytes as in traceparent.
  unsigned char trace_id[16];
  string_ref name;
  span_kind kind;
  // Attributes known at the start: for an instrumented function (and AUTOSPAN_SCOPE)
  // code.function.name, code.file.path and code.line.number; for a Span those given to its
  // constructor.
  const attribute* attributes;
  std::size_t attribute_count;
  // An instrumented function or AUTOSPAN_SCOPE (true), or an autospan::Span (false).
  bool automatic;

  // The attribute with this key, or nullptr.
  const attribute_value* find_attribute(string_ref key) const noexcept {
    for (std::size_t i = 0; i < attribute_count; ++i) {
      const string_ref& k = attributes[i].key;
      if (k.size() == key.size() && std::memcmp(k.data(), key.data(), key.size()) == 0)
        return &attributes[i].value;
    }
    return nullptr;
  }
};

// Where a sampler puts attributes for the span it samples; set() copies at once.
class sampling_attributes {
public:
  AUTOSPAN_API void set(string_ref key, const attribute_value& value) noexcept;

  // Internal: made by the runtime around its own buffer.
  explicit sampling_attributes(void* sink) noexcept : sink_(sink) {}
  sampling_attributes(const sampling_attributes&) = delete;
  sampling_attributes& operator=(const sampling_attributes&) = delete;

private:
  void* sink_;
};

// A sampler decides, when a trace starts in this process, whether it is recorded. Consulted for
// the root of every trace this process starts (an instrumented function outside any trace, or one
// continuing TRACEPARENT) and for every autospan::Span (with its parent); spans below follow
// their root's decision at no cost (a dropped trace costs what the disabled path costs). Calls
// come from any thread, concurrently. An exception thrown from should_sample counts as drop.
class sampler {
public:
  virtual ~sampler() = default;
  virtual sampling_decision should_sample(const sampling_parameters& params,
                                          sampling_attributes& attributes) = 0;
  // For diagnostics (OpenTelemetry's GetDescription).
  virtual std::string description() const { return "custom"; }

protected:
  sampler() = default;
  sampler(const sampler&) = default;
  sampler& operator=(const sampler&) = default;
};

// The standard samplers, to use as building blocks (OpenTelemetry's semantics).
AUTOSPAN_API std::shared_ptr<sampler> always_on_sampler();
AUTOSPAN_API std::shared_ptr<sampler> always_off_sampler();
AUTOSPAN_API std::shared_ptr<sampler> trace_id_ratio_sampler(double ratio);
// Follows a valid parent's sampled flag; `root` decides new traces. The other four, when not
// null, decide instead for the respective kind of parent (OpenTelemetry's ParentBased options).
AUTOSPAN_API std::shared_ptr<sampler>
parent_based_sampler(std::shared_ptr<sampler> root,
                     std::shared_ptr<sampler> remote_parent_sampled = nullptr,
                     std::shared_ptr<sampler> remote_parent_not_sampled = nullptr,
                     std::shared_ptr<sampler> local_parent_sampled = nullptr,
                     std::shared_ptr<sampler> local_parent_not_sampled = nullptr);
// The sampler configured by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
AUTOSPAN_API std::shared_ptr<sampler> environment_sampler();
// Installs `s` for every trace started from now on; nullptr goes back to OTEL_TRACES_SAMPLER.
AUTOSPAN_API void set_sampler(std::shared_ptr<sampler> s) noexcept;

} // namespace v1
} // namespace autospan

#endif // __cplusplus

#endif // AUTOSPAN_AUTOSPAN_H
