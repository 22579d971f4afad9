// The public C++ API (include/autospan/autospan.h): Span, contexts, propagation, baggage.
// Not the hot path: these may allocate. Each entry point marks the thread busy so instrumented
// code reached from here (allocators, user callbacks) is not traced and cannot re-enter.
#include "batch_worker.h"
#include "clock.h"
#include "propagation.h"
#include "runtime.h"
#include "runtime_control.h"
#include "runtime_internal.h"

#include <autospan/autospan.h>

#include <cxxabi.h>
#include <typeinfo>

namespace autospan {
inline namespace v1 {
namespace impl {

struct ContextData {
  std::uint64_t trace_hi = 0, trace_lo = 0, span_id = 0;
  std::uint8_t flags = 0;
  bool remote = false;
  std::string trace_state;
  internal::BaggageEntries baggage;
  bool valid() const { return (trace_hi | trace_lo) != 0 && span_id != 0; }
};

class SpanState {
public:
  internal::SpanData data;
  std::uint64_t start = 0;
  internal::ThreadState* thread = nullptr;
  std::uint32_t index = ~0u;
  std::uint64_t trace_hi = 0, trace_lo = 0, span_id = 0;
  bool recording = false;
  bool ended = false;
};

} // namespace impl
} // namespace v1
} // namespace autospan

namespace autospan::internal {
namespace {

using autospan::impl::ContextData;
using autospan::impl::SpanState;

// The thread's baggage; nullptr = the process's (BAGGAGE at start). Plain pointer: a
// thread_local with a destructor would run user-visible machinery at thread exit.
__thread BaggageEntries* t_baggage __attribute__((tls_model("initial-exec"))) = nullptr;

const BaggageEntries& thread_baggage() {
  return t_baggage ? *t_baggage : config().env_context.baggage;
}

bool propagator_enabled(const char* name) {
  for (const auto& p : config().options.propagators)
    if (p == name)
      return true;
  return false;
}

// Tells the export thread which baggage this thread's next records carry.
void publish_baggage(ThreadState* t) {
  const RuntimeConfig& c = config();
  if (t == nullptr || (!c.baggage_all && c.baggage_attribute_keys.empty()))
    return;
  auto* snap = new BaggageSnapshot{thread_baggage()};
  Record r{};
  r.type = RecordType::Baggage;
  r.payload = snap;
  if (!push_record(t, r))
    delete snap;
}

bool runtime_active() {
  ensure_initialized();
  std::uint8_t gate = g_hot.gate.load(std::memory_order_acquire);
  return gate == kGateFast || gate == kGateSlow;
}

// The current span context of this thread (ids assigned and the span kept when it is automatic).
struct Current {
  bool has = false;
  std::uint64_t trace_hi = 0, trace_lo = 0, span_id = 0;
  bool sampled = true;
  bool remote = false;
  std::string trace_state;
};

Current current_span(ThreadState* t) {
  Current c;
  const std::uint32_t i = t != nullptr ? live_top(t->stack, t_tls.depth) : kNoFrame;
  if (i != kNoFrame) {
    Frame& f = t->stack[i];
    std::uint32_t kind = f.flags & kFrameKindMask;
    if (kind == kFrameAuto || kind == kFrameScope) {
      make_kept(t, i);
      f.flags |= kFrameKeep; // someone may refer to it (a log line, another thread's span)
    } else if (!(f.flags & kFrameHasIds)) {
      // A sampled-out manual root: give it ids so that its context is still a context.
      f.trace_hi = t->rng.next();
      f.trace_lo = t->rng.nonzero();
      f.span_id = t->rng.nonzero();
      f.flags |= kFrameHasIds;
    }
    if ((f.trace_hi | f.trace_lo) != 0 && f.span_id != 0) {
      c.has = true;
      c.trace_hi = f.trace_hi;
      c.trace_lo = f.trace_lo;
      c.span_id = f.span_id;
      c.sampled = !(f.flags & kFrameSuppress);
      c.remote = (f.flags & kFrameRemote) != 0;
      if (kind == kFrameContext && f.extra)
        c.trace_state = static_cast<ContextData*>(f.extra)->trace_state;
      return c;
    }
  }
  const ContextValue& env = config().env_context;
  if (env.valid()) {
    c.has = true;
    c.trace_hi = env.trace_hi;
    c.trace_lo = env.trace_lo;
    c.span_id = env.span_id;
    c.sampled = (env.trace_flags & 1) != 0;
    c.remote = true;
    c.trace_state = env.trace_state;
  }
  return c;
}

AttributeValue convert_value(const attribute_value& v) {
  using T = attribute_value::type;
  switch (v.kind()) {
  case T::boolean:
    return v.as_bool();
  case T::integer:
    return v.as_int();
  case T::floating:
    return v.as_double();
  case T::string:
    return v.as_string().str();
  case T::bool_array:
    if (v.is_list()) {
      auto* p = static_cast<const bool*>(v.list());
      return std::vector<bool>(p, p + v.list_size());
    }
    return *static_cast<const std::vector<bool>*>(v.array());
  case T::int_array:
    if (v.is_list() && v.list_is_int()) {
      auto* p = static_cast<const int*>(v.list());
      return std::vector<std::int64_t>(p, p + v.list_size());
    }
    if (v.is_list()) {
      auto* p = static_cast<const std::int64_t*>(v.list());
      return std::vector<std::int64_t>(p, p + v.list_size());
    }
    return *static_cast<const std::vector<std::int64_t>*>(v.array());
  case T::double_array:
    if (v.is_list()) {
      auto* p = static_cast<const double*>(v.list());
      return std::vector<double>(p, p + v.list_size());
    }
    return *static_cast<const std::vector<double>*>(v.array());
  case T::string_array:
    if (v.is_list()) {
      auto* p = static_cast<const char* const*>(v.list());
      std::vector<std::string> out;
      for (std::size_t i = 0; i < v.list_size(); ++i)
        out.emplace_back(p[i] ? p[i] : "");
      return out;
    }
    return *static_cast<const std::vector<std::string>*>(v.array());
  }
  return false;
}

void put_attribute(std::vector<Attribute>& attrs, std::uint32_t& dropped, string_ref key,
                   const attribute_value& value) {
  std::string k = key.str();
  for (auto& a : attrs)
    if (a.key == k) {
      a.value = convert_value(value);
      return;
    }
  if (attrs.size() >= config().options.span_attribute_count_limit) {
    ++dropped;
    return;
  }
  attrs.push_back(Attribute{std::move(k), convert_value(value)});
}

std::vector<Attribute> convert_list(std::initializer_list<attribute> list, std::uint32_t* dropped) {
  std::vector<Attribute> out;
  std::uint32_t d = 0;
  for (const auto& a : list)
    put_attribute(out, d, a.key, a.value);
  if (dropped)
    *dropped = d;
  return out;
}

std::string demangle(const char* name) {
  if (*name == '*')
    ++name;
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : name;
  std::free(d);
  return out;
}

// Starts `s` under the given parent (has_parent false: a new trace).
void start_span(SpanState* s, string_ref name, span_kind kind, const Current& parent,
                std::initializer_list<attribute> attributes = {}) {
  ThreadState* t = current_thread_state();
  if (t == nullptr)
    return;
  const RuntimeConfig& c = config();
  bool sampled;
  if (parent.has) {
    s->trace_hi = parent.trace_hi;
    s->trace_lo = parent.trace_lo;
    sampled = sampler_decide(c.sampler, s->trace_hi, s->trace_lo, true, parent.sampled);
  } else {
    s->trace_hi = t->rng.next();
    s->trace_lo = t->rng.nonzero();
    sampled = sampler_decide(c.sampler, s->trace_hi, s->trace_lo, false, false);
  }
  std::vector<Attribute> sampler_attributes;
  if (g_control.custom_sampler.load(std::memory_order_acquire)) {
    SamplerParent p;
    p.valid = parent.has;
    p.trace_hi = parent.trace_hi;
    p.trace_lo = parent.trace_lo;
    p.span_id = parent.span_id;
    p.sampled = parent.sampled;
    p.remote = parent.remote;
    p.trace_state = &parent.trace_state;
    p.baggage = &thread_baggage();
    sampled = custom_sample_span(p, s->trace_hi, s->trace_lo, name, kind, attributes,
                                 &sampler_attributes);
  }
  s->span_id = t->rng.nonzero();
  Frame f{};
  f.flags = kFrameSpan | kFrameHasIds | kFrameKeep | (sampled ? 0u : kFrameSuppress);
  f.trace_hi = s->trace_hi;
  f.trace_lo = s->trace_lo;
  f.span_id = s->span_id;
  f.extra = s;
  s->start = now_ticks();
  f.start = s->start;
  s->index = push_frame(t, f);
  s->thread = t;
  if (sampled) {
    s->recording = true;
    SpanData& d = s->data;
    d.trace_id = trace_id_from_words(s->trace_hi, s->trace_lo);
    d.span_id = span_id_from_word(s->span_id);
    if (parent.has) {
      d.parent_span_id = span_id_from_word(parent.span_id);
      d.parent_is_remote = parent.remote;
      d.trace_state = parent.trace_state;
    }
    d.trace_flags = 1;
    d.name = name.str();
    d.kind = static_cast<SpanKind>(kind);
    for (const auto& a : attributes)
      put_attribute(d.attributes, d.dropped_attributes_count, a.key, a.value);
    for (auto& a : sampler_attributes) {
      if (d.attributes.size() >= c.options.span_attribute_count_limit) {
        ++d.dropped_attributes_count;
        continue;
      }
      d.attributes.push_back(std::move(a));
    }
  } else if (s->index != ~0u) {
    t_tls.gate |= kTlsSuppress;
  }
}

Current current_from(const Context& ctx) {
  Current c;
  const ContextData* d = ctx.data().get();
  if (d == nullptr || !d->valid())
    return c;
  c.has = true;
  c.trace_hi = d->trace_hi;
  c.trace_lo = d->trace_lo;
  c.span_id = d->span_id;
  c.sampled = (d->flags & 1) != 0;
  c.remote = d->remote;
  c.trace_state = d->trace_state;
  return c;
}

} // namespace

void release_thread_baggage() noexcept {
  delete t_baggage;
  t_baggage = nullptr;
}

// For the samplers (custom_sampler.cpp).
AttributeValue to_attribute_value(const attribute_value& v) {
  return convert_value(v);
}

Context make_context(std::uint64_t trace_hi, std::uint64_t trace_lo, std::uint64_t span_id,
                     bool sampled, bool remote, const std::string* trace_state,
                     const BaggageEntries* baggage) {
  auto d = std::make_shared<ContextData>();
  d->trace_hi = trace_hi;
  d->trace_lo = trace_lo;
  d->span_id = span_id;
  d->flags = sampled ? 1 : 0;
  d->remote = remote;
  if (trace_state)
    d->trace_state = *trace_state;
  d->baggage = baggage ? *baggage : thread_baggage();
  return Context(std::move(d));
}

} // namespace autospan::internal

namespace autospan {
inline namespace v1 {

using namespace autospan::internal;
using impl::ContextData;
using impl::SpanState;

// ---- Context ----
bool Context::is_valid() const noexcept {
  return data_ && data_->valid();
}
bool Context::is_sampled() const noexcept {
  return data_ && (data_->flags & 1) != 0;
}
bool Context::is_remote() const noexcept {
  return data_ && data_->remote;
}
std::string Context::trace_id_hex() const {
  if (!is_valid())
    return {};
  return to_hex(trace_id_from_words(data_->trace_hi, data_->trace_lo));
}
std::string Context::span_id_hex() const {
  if (!is_valid())
    return {};
  return to_hex(span_id_from_word(data_->span_id));
}
std::string Context::trace_state() const {
  return data_ ? data_->trace_state : std::string();
}
std::string Context::baggage(string_ref key) const {
  if (!data_)
    return {};
  for (const auto& e : data_->baggage)
    if (e.first.size() == key.size() && e.first.compare(0, key.size(), key.data(), key.size()) == 0)
      return e.second;
  return {};
}

Context current_context() noexcept {
  try {
    BusyScope busy;
    if (!runtime_active())
      return Context();
    auto d = std::make_shared<ContextData>();
    Current c = current_span(t_tls.state);
    if (c.has) {
      d->trace_hi = c.trace_hi;
      d->trace_lo = c.trace_lo;
      d->span_id = c.span_id;
      d->flags = c.sampled ? 1 : 0;
      d->remote = c.remote;
      d->trace_state = c.trace_state;
    }
    d->baggage = thread_baggage();
    return Context(std::move(d));
  } catch (...) {
    return Context();
  }
}

// ---- ContextScope ----
ContextScope::ContextScope(const Context& context) noexcept
    : context_(context.data()), thread_(nullptr), saved_baggage_(nullptr), index_(~0u),
      saved_suppress_(0) {
  if (t_tls.gate & kTlsBusy)
    return;
  BusyScope busy;
  if (!runtime_active())
    return;
  ThreadState* t = current_thread_state();
  if (t == nullptr)
    return;
  const ContextData* d = context.data().get();
  Frame f{};
  f.flags = kFrameContext | kFrameHasIds | kFrameKeep;
  if (d != nullptr && d->valid()) {
    f.trace_hi = d->trace_hi;
    f.trace_lo = d->trace_lo;
    f.span_id = d->span_id;
    if (d->remote)
      f.flags |= kFrameRemote;
    if (!(d->flags & 1))
      f.flags |= kFrameSuppress;
    f.extra = const_cast<ContextData*>(d); // kept alive by context_
    if (!d->trace_state.empty()) {
      try {
        remember_trace_state(d->trace_hi, d->trace_lo, d->trace_state);
      } catch (...) {
      }
    }
  }
  f.start = now_ticks();
  // The attached context decides sampling now; the previous state comes back with the scope.
  saved_suppress_ = (t_tls.gate & kTlsSuppress) ? 1u : 0u;
  if (f.flags & kFrameSuppress)
    t_tls.gate |= kTlsSuppress;
  else
    t_tls.gate &= static_cast<std::uint8_t>(~kTlsSuppress);
  index_ = push_frame(t, f);
  thread_ = t;
  try {
    saved_baggage_ = t_baggage;
    t_baggage = new BaggageEntries(d ? d->baggage : BaggageEntries{});
  } catch (...) {
    saved_baggage_ = nullptr;
  }
  publish_baggage(t);
}

ContextScope::~ContextScope() {
  BusyScope busy;
  auto* t = static_cast<ThreadState*>(thread_);
  if (t == nullptr || t != t_tls.state)
    return;
  if (index_ < t_tls.depth && (t->stack[index_].flags & kFrameKindMask) == kFrameContext)
    pop_frame(t, index_, now_ticks());
  if (saved_suppress_)
    t_tls.gate |= kTlsSuppress;
  else
    t_tls.gate &= static_cast<std::uint8_t>(~kTlsSuppress);
  delete t_baggage;
  t_baggage = static_cast<BaggageEntries*>(saved_baggage_);
  publish_baggage(t);
}

// ---- Span ----
Span::Span(string_ref name, span_kind kind) noexcept : state_(nullptr) {
  // Inside the runtime (a callback it runs, an allocator it calls): not traced, like auto spans.
  if (t_tls.gate & (kTlsBusy | kTlsSuppress))
    return;
  BusyScope busy;
  if (!runtime_active())
    return;
  try {
    state_ = new SpanState();
    start_span(state_, name, kind, current_span(current_thread_state()));
  } catch (...) {
  }
}

Span::Span(string_ref name, const Context& parent, span_kind kind) noexcept : state_(nullptr) {
  if (t_tls.gate & kTlsBusy)
    return;
  BusyScope busy;
  if (!runtime_active())
    return;
  try {
    state_ = new SpanState();
    start_span(state_, name, kind, current_from(parent));
  } catch (...) {
  }
}

Span::Span(string_ref name, std::initializer_list<attribute> attributes, span_kind kind) noexcept
    : state_(nullptr) {
  if (t_tls.gate & (kTlsBusy | kTlsSuppress))
    return;
  BusyScope busy;
  if (!runtime_active())
    return;
  try {
    state_ = new SpanState();
    start_span(state_, name, kind, current_span(current_thread_state()), attributes);
  } catch (...) {
  }
}

Span::Span(string_ref name, const Context& parent, std::initializer_list<attribute> attributes,
           span_kind kind) noexcept
    : state_(nullptr) {
  if (t_tls.gate & kTlsBusy)
    return;
  BusyScope busy;
  if (!runtime_active())
    return;
  try {
    state_ = new SpanState();
    start_span(state_, name, kind, current_from(parent), attributes);
  } catch (...) {
  }
}

Span::~Span() {
  end();
  delete state_;
}

bool Span::is_recording() const noexcept {
  return state_ && state_->recording && !state_->ended;
}

Context Span::context() const noexcept {
  if (!state_ || state_->span_id == 0)
    return Context();
  try {
    auto d = std::make_shared<ContextData>();
    d->trace_hi = state_->trace_hi;
    d->trace_lo = state_->trace_lo;
    d->span_id = state_->span_id;
    d->flags = state_->recording ? 1 : 0;
    d->trace_state = state_->data.trace_state;
    BusyScope busy;
    d->baggage = thread_baggage();
    return Context(std::move(d));
  } catch (...) {
    return Context();
  }
}

void Span::set_attribute(string_ref key, const attribute_value& value) noexcept {
  if (!is_recording())
    return;
  BusyScope busy;
  try {
    put_attribute(state_->data.attributes, state_->data.dropped_attributes_count, key, value);
  } catch (...) {
  }
}

void Span::add_event(string_ref name, std::initializer_list<attribute> attributes) noexcept {
  if (!is_recording())
    return;
  BusyScope busy;
  try {
    if (state_->data.events.size() >= config().options.span_event_count_limit) {
      ++state_->data.dropped_events_count;
      return;
    }
    Event e;
    e.name = name.str();
    e.time_unix_nano = now_ticks(); // converted on the export thread
    std::uint32_t dropped = 0;
    e.attributes = convert_list(attributes, &dropped);
    state_->data.events.push_back(std::move(e));
  } catch (...) {
  }
}

void Span::add_link(const Context& linked, std::initializer_list<attribute> attributes) noexcept {
  if (!is_recording() || !linked.is_valid())
    return;
  BusyScope busy;
  try {
    if (state_->data.links.size() >= config().options.span_link_count_limit) {
      ++state_->data.dropped_links_count;
      return;
    }
    Link l;
    const ContextData* d = linked.data().get();
    l.trace_id = trace_id_from_words(d->trace_hi, d->trace_lo);
    l.span_id = span_id_from_word(d->span_id);
    l.trace_state = d->trace_state;
    l.attributes = convert_list(attributes, nullptr);
    state_->data.links.push_back(std::move(l));
  } catch (...) {
  }
}

void Span::record_exception(string_ref type, string_ref message) noexcept {
  if (!is_recording())
    return;
  BusyScope busy;
  try {
    Event e;
    e.name = "exception";
    e.time_unix_nano = now_ticks();
    e.attributes.push_back(Attribute{"exception.type", type.str()});
    if (!message.empty())
      e.attributes.push_back(Attribute{"exception.message", message.str()});
    state_->data.events.push_back(std::move(e));
    state_->data.status = StatusCode::Error;
    if (state_->data.status_message.empty())
      state_->data.status_message = message.str();
  } catch (...) {
  }
}

void Span::record_exception(const std::exception& e) noexcept {
  if (!is_recording())
    return;
  try {
    std::string type = demangle(typeid(e).name());
    record_exception(type, e.what());
  } catch (...) {
  }
}

// By value: the signature is part of libautospan.so's ABI.
void Span::record_exception(
    std::exception_ptr e) noexcept { // NOLINT(performance-unnecessary-value-param)
  std::exception_ptr& p = e;
  if (!is_recording() || !p)
    return;
  try {
    std::rethrow_exception(p);
  } catch (const std::exception& e) {
    record_exception(e);
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    try {
      record_exception(type ? demangle(type->name()) : std::string("unknown"), string_ref());
    } catch (...) {
    }
  }
}

void Span::set_status(status_code code, string_ref description) noexcept {
  if (!is_recording())
    return;
  // The OpenTelemetry rules: OK is final; a description only goes with ERROR.
  if (state_->data.status == StatusCode::Ok)
    return;
  if (code == status_code::unset)
    return;
  BusyScope busy;
  try {
    state_->data.status = static_cast<StatusCode>(code);
    state_->data.status_message = code == status_code::error ? description.str() : std::string();
  } catch (...) {
  }
}

void Span::update_name(string_ref name) noexcept {
  if (!is_recording())
    return;
  BusyScope busy;
  try {
    state_->data.name = name.str();
  } catch (...) {
  }
}

void Span::end() noexcept {
  if (!state_ || state_->ended)
    return;
  BusyScope busy;
  state_->ended = true;
  std::uint64_t end = now_ticks();
  ThreadState* t = state_->thread;
  if (t != nullptr && t == t_tls.state && state_->index < t_tls.depth &&
      t->stack[state_->index].extra == state_ &&
      (t->stack[state_->index].flags & kFrameKindMask) == kFrameSpan)
    pop_frame(t, state_->index, end);
  if (!state_->recording)
    return;
  try {
    auto* d = new SpanData(std::move(state_->data));
    submit_manual_span(d, state_->start, end);
  } catch (...) {
  }
}

// ---- propagation ----
void inject(void* carrier, impl::carrier_setter set, const Context& context) noexcept {
  BusyScope busy;
  try {
    ensure_initialized();
    const ContextData* d = context.data().get();
    if (d == nullptr)
      return;
    if (d->valid() && propagator_enabled("tracecontext")) {
      TraceParent tp{d->trace_hi, d->trace_lo, d->span_id, d->flags};
      set(carrier, "traceparent", format_traceparent(tp).c_str());
      if (!d->trace_state.empty())
        set(carrier, "tracestate", d->trace_state.c_str());
    }
    if (!d->baggage.empty() && propagator_enabled("baggage")) {
      std::string b = format_baggage(d->baggage);
      if (!b.empty())
        set(carrier, "baggage", b.c_str());
    }
  } catch (...) {
  }
}

Context extract(void* carrier, impl::carrier_getter get) noexcept {
  BusyScope busy;
  try {
    ensure_initialized();
    auto d = std::make_shared<ContextData>();
    std::string value;
    if (propagator_enabled("tracecontext") && get(carrier, "traceparent", &value)) {
      if (auto tp = parse_traceparent(value)) {
        d->trace_hi = tp->trace_hi;
        d->trace_lo = tp->trace_lo;
        d->span_id = tp->span_id;
        d->flags = tp->flags;
        d->remote = true;
        value.clear();
        if (get(carrier, "tracestate", &value))
          d->trace_state = normalize_tracestate(value);
      }
    }
    value.clear();
    if (propagator_enabled("baggage") && get(carrier, "baggage", &value))
      d->baggage = parse_baggage(value);
    return Context(std::move(d));
  } catch (...) {
    return Context();
  }
}

std::vector<std::string> child_environment() {
  std::vector<std::pair<std::string, std::string>> kv;
  Context c = current_context();
  inject(
      static_cast<void*>(&kv),
      [](void* carrier, const char* k, const char* v) {
        static_cast<std::vector<std::pair<std::string, std::string>>*>(carrier)->emplace_back(k, v);
      },
      c);
  std::vector<std::string> out;
  for (auto& [k, v] : kv) {
    std::string key = k == "traceparent"  ? "TRACEPARENT"
                      : k == "tracestate" ? "TRACESTATE"
                                          : "BAGGAGE";
    out.push_back(key + "=" + v);
  }
  return out;
}

// ---- baggage ----
namespace baggage {

void set(string_ref key, string_ref value) noexcept {
  BusyScope busy;
  try {
    if (!runtime_active())
      return;
    auto* next = new BaggageEntries(thread_baggage());
    std::string k = key.str();
    bool replaced = false;
    for (auto& e : *next)
      if (e.first == k) {
        e.second = value.str();
        replaced = true;
      }
    if (!replaced)
      next->emplace_back(std::move(k), value.str());
    delete t_baggage;
    t_baggage = next;
    publish_baggage(current_thread_state());
  } catch (...) {
  }
}

std::string get(string_ref key) {
  BusyScope busy;
  for (const auto& e : thread_baggage())
    if (e.first.size() == key.size() && e.first.compare(0, key.size(), key.data(), key.size()) == 0)
      return e.second;
  return {};
}

void remove(string_ref key) noexcept {
  BusyScope busy;
  try {
    if (!runtime_active())
      return;
    auto* next = new BaggageEntries(thread_baggage());
    for (auto it = next->begin(); it != next->end();)
      if (it->first.size() == key.size() &&
          it->first.compare(0, key.size(), key.data(), key.size()) == 0)
        it = next->erase(it);
      else
        ++it;
    delete t_baggage;
    t_baggage = next;
    publish_baggage(current_thread_state());
  } catch (...) {
  }
}

void clear() noexcept {
  BusyScope busy;
  try {
    if (!runtime_active())
      return;
    delete t_baggage;
    t_baggage = new BaggageEntries();
    publish_baggage(current_thread_state());
  } catch (...) {
  }
}

} // namespace baggage

std::string trace_id_hex() {
  return current_context().trace_id_hex();
}

std::string span_id_hex() {
  return current_context().span_id_hex();
}

bool flush(std::chrono::milliseconds timeout) noexcept {
  BusyScope busy;
  try {
    if (!runtime_active())
      return true;
    BatchWorker* w = worker();
    if (w == nullptr)
      return true;
    std::chrono::nanoseconds t = timeout.count() < 0 ? config().export_timeout : timeout;
    return w->flush(t);
  } catch (...) {
    return false;
  }
}

bool shutdown(std::chrono::milliseconds timeout) noexcept {
  BusyScope busy;
  try {
    if (!runtime_active())
      return true;
    BatchWorker* w = worker();
    if (w == nullptr)
      return true;
    std::chrono::nanoseconds t = timeout.count() < 0 ? config().shutdown_timeout : timeout;
    bool ok = w->shutdown(t);
    g_hot.gate.store(kGateDisabled, std::memory_order_release);
    return ok;
  } catch (...) {
    return false;
  }
}

} // namespace v1
} // namespace autospan
