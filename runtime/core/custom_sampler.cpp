// Samplers from code: autospan::set_sampler, the standard samplers as composable objects, and
// the two places that consult a custom sampler: root_is_sampled (an automatic root, through
// custom_sample_root) and start_span (every autospan::Span, through custom_sample_span).
//
// Attributes a sampler adds to a manual span go straight into its SpanData. An automatic root's
// record has no room for them: they wait in a small table keyed by span id until the export
// thread builds that span (bounded: entries of roots that were dropped age out).
#include "../log.h"
#include "runtime_control.h"

#include <autospan/autospan.h>

#include <deque>
#include <mutex>
#include <unordered_map>

namespace autospan::internal {
namespace {

struct SamplerHolder {
  std::shared_ptr<autospan::sampler> sampler;
};

std::mutex g_install_mutex;
std::atomic<const SamplerHolder*> g_sampler{nullptr};

// A sampler being replaced may still be running on another thread: its holder stays allocated.
void retire(const SamplerHolder* h) {
  if (h == nullptr)
    return;
  static auto* retired = new std::vector<const SamplerHolder*>();
  retired->push_back(h);
}

struct Sink {
  std::vector<Attribute> attributes;
};

std::atomic<bool> g_warned_throw{false};

bool ask(autospan::sampler& s, const autospan::sampling_parameters& p,
         std::vector<Attribute>* added) {
  Sink sink;
  autospan::sampling_attributes out(&sink);
  autospan::sampling_decision d;
  try {
    d = s.should_sample(p, out);
  } catch (...) {
    if (!g_warned_throw.exchange(true))
      AUTOSPAN_LOG(Warn, "the sampler set with autospan::set_sampler threw; its traces are dropped "
                         "(reported once)");
    return false;
  }
  if (d != autospan::sampling_decision::record_and_sample)
    return false;
  if (added)
    *added = std::move(sink.attributes);
  return true;
}

void put_trace_id(unsigned char* out, std::uint64_t hi, std::uint64_t lo) {
  TraceId id = trace_id_from_words(hi, lo);
  for (std::size_t i = 0; i < id.size(); ++i)
    out[i] = id[i];
}

// --- sampler attributes of automatic roots, until the export thread takes them ---
constexpr std::size_t kMaxPending = 4096;
std::mutex g_pending_mutex;
std::unordered_map<std::uint64_t, std::vector<Attribute>> g_pending;
std::deque<std::uint64_t> g_pending_order; // oldest first; may name entries already taken

void remember(std::uint64_t span_id, std::vector<Attribute> attributes) {
  std::lock_guard<std::mutex> lock(g_pending_mutex);
  if (g_pending.emplace(span_id, std::move(attributes)).second)
    g_control.pending_sampler_attributes.fetch_add(1, std::memory_order_relaxed);
  g_pending_order.push_back(span_id);
  while (g_pending_order.size() > kMaxPending) {
    if (g_pending.erase(g_pending_order.front()) != 0)
      g_control.pending_sampler_attributes.fetch_sub(1, std::memory_order_relaxed);
    g_pending_order.pop_front();
  }
}

// --- the standard samplers ---
class AlwaysOn final : public autospan::sampler {
public:
  autospan::sampling_decision should_sample(const autospan::sampling_parameters&,
                                            autospan::sampling_attributes&) override {
    return autospan::sampling_decision::record_and_sample;
  }
  std::string description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public autospan::sampler {
public:
  autospan::sampling_decision should_sample(const autospan::sampling_parameters&,
                                            autospan::sampling_attributes&) override {
    return autospan::sampling_decision::drop;
  }
  std::string description() const override { return "AlwaysOffSampler"; }
};

std::uint64_t word_at(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | p[i];
  return v;
}

// Decides like OTEL_TRACES_SAMPLER does for a given configuration.
class Configured final : public autospan::sampler {
public:
  Configured(SamplerConfig config, std::string description)
      : config_(config), description_(std::move(description)) {}
  autospan::sampling_decision should_sample(const autospan::sampling_parameters& p,
                                            autospan::sampling_attributes&) override {
    bool keep = sampler_decide(config_, word_at(p.trace_id), word_at(p.trace_id + 8),
                               p.parent.is_valid(), p.parent.is_sampled());
    return keep ? autospan::sampling_decision::record_and_sample
                : autospan::sampling_decision::drop;
  }
  std::string description() const override { return description_; }

private:
  SamplerConfig config_;
  std::string description_;
};

class ParentBased final : public autospan::sampler {
public:
  ParentBased(std::shared_ptr<autospan::sampler> root,
              std::shared_ptr<autospan::sampler> remote_sampled,
              std::shared_ptr<autospan::sampler> remote_not_sampled,
              std::shared_ptr<autospan::sampler> local_sampled,
              std::shared_ptr<autospan::sampler> local_not_sampled)
      : root_(root ? std::move(root) : autospan::always_on_sampler()),
        remote_sampled_(std::move(remote_sampled)),
        remote_not_sampled_(std::move(remote_not_sampled)),
        local_sampled_(std::move(local_sampled)), local_not_sampled_(std::move(local_not_sampled)) {
  }

  autospan::sampling_decision should_sample(const autospan::sampling_parameters& p,
                                            autospan::sampling_attributes& a) override {
    if (!p.parent.is_valid())
      return root_->should_sample(p, a);
    bool sampled = p.parent.is_sampled();
    const auto& delegate = p.parent.is_remote() ? (sampled ? remote_sampled_ : remote_not_sampled_)
                                                : (sampled ? local_sampled_ : local_not_sampled_);
    if (delegate)
      return delegate->should_sample(p, a);
    return sampled ? autospan::sampling_decision::record_and_sample
                   : autospan::sampling_decision::drop;
  }
  std::string description() const override {
    return "ParentBased{root:" + root_->description() + "}";
  }

private:
  std::shared_ptr<autospan::sampler> root_, remote_sampled_, remote_not_sampled_, local_sampled_,
      local_not_sampled_;
};

} // namespace

bool custom_sample_root(ThreadState* t, Frame& f) noexcept {
  BusyScope busy;
  const RuntimeConfig& c = config();
  const ContextValue& env = c.env_context;
  if (env.valid()) {
    f.trace_hi = env.trace_hi;
    f.trace_lo = env.trace_lo;
  } else {
    f.trace_hi = t->rng.next();
    f.trace_lo = t->rng.nonzero();
  }
  f.span_id = t->rng.nonzero();
  f.flags |= kFrameHasIds;
  bool parent_sampled = (env.trace_flags & 1) != 0;
  const SamplerHolder* h = g_sampler.load(std::memory_order_acquire);
  if (h == nullptr) // replaced by nullptr meanwhile
    return sampler_decide(c.sampler, f.trace_hi, f.trace_lo, env.valid(), parent_sampled);
  try {
    auto* site = const_cast<autospan_site*>(f.site);
    std::uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
    if (id == 0)
      id = register_site(site);
    const SiteInfo* info = site_info(id);
    static const std::string kEmpty;
    const std::string& function = info ? info->function : kEmpty;
    const std::string& file = info ? info->file : kEmpty;
    autospan::attribute attrs[] = {
        {"code.function.name", function},
        {"code.file.path", file},
        {"code.line.number", static_cast<std::int64_t>(site->line)},
    };
    autospan::sampling_parameters p{
        env.valid() ? make_context(env.trace_hi, env.trace_lo, env.span_id, parent_sampled, true,
                                   &env.trace_state, nullptr)
                    : make_context(0, 0, 0, false, false, nullptr, nullptr),
        {},
        autospan::string_ref(info ? info->name : kEmpty),
        autospan::span_kind::internal,
        attrs,
        sizeof attrs / sizeof attrs[0],
        (site->flags & AUTOSPAN_SITE_KIND_MASK) == AUTOSPAN_SITE_AUTO};
    put_trace_id(p.trace_id, f.trace_hi, f.trace_lo);
    std::vector<Attribute> added;
    if (!ask(*h->sampler, p, &added))
      return false;
    if (!added.empty())
      remember(f.span_id, std::move(added));
    return true;
  } catch (...) {
    return sampler_decide(c.sampler, f.trace_hi, f.trace_lo, env.valid(), parent_sampled);
  }
}

bool custom_sample_span(const SamplerParent& parent, std::uint64_t trace_hi, std::uint64_t trace_lo,
                        autospan::string_ref name, autospan::span_kind kind,
                        std::initializer_list<autospan::attribute> attributes,
                        std::vector<Attribute>* added) noexcept {
  const SamplerHolder* h = g_sampler.load(std::memory_order_acquire);
  if (h == nullptr)
    return sampler_decide(config().sampler, trace_hi, trace_lo, parent.valid, parent.sampled);
  try {
    autospan::sampling_parameters p{
        parent.valid
            ? make_context(parent.trace_hi, parent.trace_lo, parent.span_id, parent.sampled,
                           parent.remote, parent.trace_state, parent.baggage)
            : make_context(0, 0, 0, false, false, nullptr, parent.baggage),
        {},
        name,
        kind,
        attributes.begin(),
        attributes.size(),
        false};
    put_trace_id(p.trace_id, trace_hi, trace_lo);
    return ask(*h->sampler, p, added);
  } catch (...) {
    return sampler_decide(config().sampler, trace_hi, trace_lo, parent.valid, parent.sampled);
  }
}

void take_sampler_attributes(std::uint64_t span_id, std::vector<Attribute>& out) {
  std::lock_guard<std::mutex> lock(g_pending_mutex);
  auto it = g_pending.find(span_id);
  if (it == g_pending.end())
    return;
  for (auto& a : it->second)
    out.push_back(std::move(a));
  g_pending.erase(it);
  g_control.pending_sampler_attributes.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace autospan::internal

namespace autospan {
inline namespace v1 {

void sampling_attributes::set(string_ref key, const attribute_value& value) noexcept {
  using namespace autospan::internal;
  try {
    auto& attrs = static_cast<Sink*>(sink_)->attributes;
    std::string k = key.str();
    for (auto& a : attrs)
      if (a.key == k) {
        a.value = to_attribute_value(value);
        return;
      }
    attrs.push_back(Attribute{std::move(k), to_attribute_value(value)});
  } catch (...) {
  }
}

std::shared_ptr<sampler> always_on_sampler() {
  return std::make_shared<internal::AlwaysOn>();
}

std::shared_ptr<sampler> always_off_sampler() {
  return std::make_shared<internal::AlwaysOff>();
}

std::shared_ptr<sampler> trace_id_ratio_sampler(double ratio) {
  internal::SamplerConfig c;
  c.kind = internal::SamplerKind::TraceIdRatio;
  c.ratio = ratio;
  return std::make_shared<internal::Configured>(c,
                                                "TraceIdRatioBased{" + std::to_string(ratio) + "}");
}

std::shared_ptr<sampler> parent_based_sampler(std::shared_ptr<sampler> root,
                                              std::shared_ptr<sampler> remote_parent_sampled,
                                              std::shared_ptr<sampler> remote_parent_not_sampled,
                                              std::shared_ptr<sampler> local_parent_sampled,
                                              std::shared_ptr<sampler> local_parent_not_sampled) {
  return std::make_shared<internal::ParentBased>(
      std::move(root), std::move(remote_parent_sampled), std::move(remote_parent_not_sampled),
      std::move(local_parent_sampled), std::move(local_parent_not_sampled));
}

std::shared_ptr<sampler> environment_sampler() {
  internal::BusyScope busy;
  internal::ensure_initialized();
  const internal::RuntimeConfig& c = internal::config();
  return std::make_shared<internal::Configured>(c.sampler, c.options.traces_sampler);
}

void set_sampler(std::shared_ptr<sampler> s) noexcept {
  using namespace autospan::internal;
  BusyScope busy;
  ensure_initialized();
  try {
    std::lock_guard<std::mutex> lock(g_install_mutex);
    const SamplerHolder* next = s ? new SamplerHolder{std::move(s)} : nullptr;
    retire(g_sampler.exchange(next, std::memory_order_acq_rel));
    g_control.custom_sampler.store(next ? 1 : 0, std::memory_order_release);
    control_refresh_hot();
  } catch (...) {
  }
}

} // namespace v1
} // namespace autospan
