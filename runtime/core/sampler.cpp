#include "runtime.h"

namespace autospan::internal {

bool sampler_decide(const SamplerConfig& s, std::uint64_t /*trace_hi*/, std::uint64_t trace_lo,
                    bool has_parent, bool parent_sampled) noexcept {
  auto ratio = [&] {
    if (s.ratio >= 1.0)
      return true;
    if (s.ratio <= 0.0)
      return false;
    // The OpenTelemetry TraceIdRatioBased rule: the trace id's low 8 bytes as a 63-bit number
    // below ratio * 2^63. Deterministic per trace, so every process of a trace agrees.
    auto bound = static_cast<std::uint64_t>(s.ratio * 9223372036854775808.0);
    return (trace_lo >> 1) < bound;
  };
  switch (s.kind) {
  case SamplerKind::AlwaysOn:
    return true;
  case SamplerKind::AlwaysOff:
    return false;
  case SamplerKind::TraceIdRatio:
    return ratio();
  case SamplerKind::ParentBasedAlwaysOn:
    return has_parent ? parent_sampled : true;
  case SamplerKind::ParentBasedAlwaysOff:
    return has_parent ? parent_sampled : false;
  case SamplerKind::ParentBasedTraceIdRatio:
    return has_parent ? parent_sampled : ratio();
  }
  return true;
}

SamplerConfig sampler_from_options(const Options& o, std::vector<std::string>* /*warnings*/) {
  SamplerConfig s;
  const std::string& k = o.traces_sampler;
  if (k == "always_on")
    s.kind = SamplerKind::AlwaysOn;
  else if (k == "always_off")
    s.kind = SamplerKind::AlwaysOff;
  else if (k == "traceidratio")
    s.kind = SamplerKind::TraceIdRatio;
  else if (k == "parentbased_always_off")
    s.kind = SamplerKind::ParentBasedAlwaysOff;
  else if (k == "parentbased_traceidratio")
    s.kind = SamplerKind::ParentBasedTraceIdRatio;
  else
    s.kind = SamplerKind::ParentBasedAlwaysOn;
  s.ratio = o.traces_sampler_arg;
  return s;
}

} // namespace autospan::internal
