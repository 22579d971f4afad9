// Compiled (not linked) by unit.core.control_header.* as C++14..C++23 with every supported
// compiler under -Wall -Wextra -Wpedantic -Werror: the run-time control API of
// <autospan/autospan.h> as users write it.
#include <autospan/autospan.h>

#include <memory>
#include <string>
#if __cplusplus >= 201703L
#include <string_view>
#endif

namespace {

class PrioritySampler : public autospan::sampler {
public:
  autospan::sampling_decision should_sample(const autospan::sampling_parameters& params,
                                            autospan::sampling_attributes& attributes) override {
    const autospan::attribute_value* p = params.find_attribute("priority");
    if (p == nullptr || p->kind() != autospan::attribute_value::type::string ||
        p->as_string().str() != "high")
      return autospan::sampling_decision::drop;
    attributes.set("sampling.rule", "priority");
    attributes.set("sampling.weight", 1);
    if (params.automatic || params.parent.is_remote() || params.trace_id[0] == 0 ||
        params.kind == autospan::span_kind::server || params.name.empty())
      attributes.set("sampling.note", true);
    return autospan::sampling_decision::record_and_sample;
  }
  std::string description() const override { return "PrioritySampler"; }
};

} // namespace

void use_control_api();
void use_control_api() {
  autospan::set_sampler(autospan::parent_based_sampler(std::make_shared<PrioritySampler>()));
  autospan::set_sampler(autospan::parent_based_sampler(
      autospan::trace_id_ratio_sampler(0.1), autospan::always_on_sampler(),
      autospan::always_off_sampler(), nullptr, autospan::environment_sampler()));
  autospan::set_sampler(nullptr);

  bool ok = autospan::set_filter("acme::billing=on,acme::billing::Ledger=off");
  std::string rules = "**::detail=off";
  ok = autospan::set_filter(rules) && ok;
#if __cplusplus >= 201703L
  ok = autospan::set_filter(std::string_view("acme=on")) && ok;
#endif
  if (!ok)
    autospan::set_filter("");

  autospan::Span a("request", {{"priority", "high"}});
  autospan::Span b("request", {{"priority", "low"}, {"user.id", 42}, {"retry", true}},
                   autospan::span_kind::server);
  autospan::Span c("child", a.context(), {{"k", "v"}});
  autospan::Span d("child", a.context(), {{"k", 1.5}}, autospan::span_kind::client);
  autospan::Span e("plain", autospan::span_kind::internal);
  autospan::Span f("plain", a.context());
}
