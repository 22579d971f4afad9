// End-to-end program of the run-time control tests (test/control/control.test.mjs), built with
// the autospan plugin selecting namespace `acme` (test/control/CMakeLists.txt). One mode per
// feature, chosen by argv[1]; the spans go to the OTLP receiver the test starts.
#include <autospan/autospan.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>

namespace support { // outside the selected namespace: never a span

volatile int g_sink = 0;

void busy_us(int us) {
  auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < until)
    g_sink = g_sink + 1;
}

// The example sampler: a trace is recorded when its root carries priority=high.
// Installed wrapped in parent_based_sampler, so spans under a sampled root follow it.
class PrioritySampler : public autospan::sampler {
public:
  autospan::sampling_decision should_sample(const autospan::sampling_parameters& params,
                                            autospan::sampling_attributes& attributes) override {
    const autospan::attribute_value* priority = params.find_attribute("priority");
    if (priority == nullptr || priority->kind() != autospan::attribute_value::type::string ||
        priority->as_string().str() != "high")
      return autospan::sampling_decision::drop;
    attributes.set("sampling.rule", "priority=high");
    return autospan::sampling_decision::record_and_sample;
  }
  std::string description() const override { return "PrioritySampler"; }
};

} // namespace support

namespace acme {
namespace billing {

void charge() {
  support::g_sink = support::g_sink + 1;
}

struct Ledger {
  void post();
};

void Ledger::post() {
  support::g_sink = support::g_sink + 2;
}

namespace detail {
int round(int cents) {
  return cents - cents % 5;
}
} // namespace detail

void invoice() {
  Ledger ledger;
  ledger.post();
  support::g_sink = detail::round(support::g_sink);
  charge();
}

} // namespace billing

namespace detail {
void helper() {
  billing::charge();
}
} // namespace detail

namespace shipping {
void ship() {
  support::g_sink = support::g_sink + 3;
}
} // namespace shipping

// 8 spans when everything is recorded: run, invoice, post, round, charge, helper, charge, ship.
void run() {
  billing::invoice();
  detail::helper();
  shipping::ship();
}

// The latch-mode example: a function whose calls take different times.
void load(int us) {
  support::busy_us(us);
}

} // namespace acme

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (std::strcmp(mode, "run") == 0) {
    acme::run();
  } else if (std::strcmp(mode, "set-filter") == 0 && argc > 2) {
    acme::run();
    bool clean = autospan::set_filter(argv[2]);
    std::printf("set_filter: %s\n", clean ? "clean" : "warnings");
    acme::run();
  } else if (std::strcmp(mode, "require-parent") == 0 && argc > 2) {
    acme::run(); // outside: nothing
    {
      autospan::Span root("request");
      acme::run();
    }
    {
      std::map<std::string, std::string> headers{{"traceparent", argv[2]}};
      autospan::ContextScope remote(autospan::extract(headers));
      acme::shipping::ship();
    }
    acme::run(); // outside again
  } else if (std::strcmp(mode, "sampler") == 0) {
    autospan::set_sampler(
        autospan::parent_based_sampler(std::make_shared<support::PrioritySampler>()));
    for (const char* priority : {"low", "high", "normal"}) {
      autospan::Span root("request", {{"priority", priority}});
      acme::run();
    }
    acme::run(); // an automatic root without priority: dropped
  } else if (std::strcmp(mode, "latch") == 0) {
    // With AUTOSPAN_MIN_DURATION=5ms: short, slow, short, short.
    for (int us : {100, 20000, 100, 100})
      acme::load(us);
  } else {
    std::fprintf(stderr,
                 "usage: %s run|set-filter RULES|require-parent TRACEPARENT|sampler|latch\n",
                 argv[0]);
    return 2;
  }
  std::puts("done");
  return 0;
}
