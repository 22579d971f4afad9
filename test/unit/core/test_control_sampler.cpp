// Samplers set from code (autospan::set_sampler): what they see, what they decide, composing
// them with the standard ones, and the example (keep only traces whose root has
// priority=high).
#include "capture.h"

#include "core/runtime.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace autospan_test;

namespace smp {
void leaf() {
  AUTOSPAN_FUNCTION("smp::leaf");
}
void work() {
  AUTOSPAN_FUNCTION("smp::work");
  leaf();
}
void maybe_slow(bool slow) {
  AUTOSPAN_FUNCTION("smp::maybe_slow");
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(slow ? 5 : 0);
  while (std::chrono::steady_clock::now() < until) {
  }
}
} // namespace smp

namespace {

const char* const kTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// The example: a root is sampled when it carries priority=high. Wrapped in
// parent_based_sampler so that spans under a sampled root follow it.
class PrioritySampler : public autospan::sampler {
public:
  autospan::sampling_decision should_sample(const autospan::sampling_parameters& p,
                                            autospan::sampling_attributes& added) override {
    const autospan::attribute_value* v = p.find_attribute("priority");
    if (v != nullptr && v->kind() == autospan::attribute_value::type::string &&
        v->as_string().size() == 4 && std::memcmp(v->as_string().data(), "high", 4) == 0) {
      added.set("sampling.rule", "priority");
      return autospan::sampling_decision::record_and_sample;
    }
    return autospan::sampling_decision::drop;
  }
  std::string description() const override { return "PrioritySampler"; }
};

struct Seen {
  std::string name;
  bool automatic = false;
  bool parent_valid = false, parent_remote = false, parent_sampled = false;
  std::string parent_span;
  std::string trace_id;
  std::map<std::string, std::string> attributes; // strings and integers, as text
  int kind = 0;
  std::string baggage_k;
};

// Records what it is asked, and decides by a fixed answer.
class RecordingSampler : public autospan::sampler {
public:
  explicit RecordingSampler(autospan::sampling_decision answer) : answer_(answer) {}
  autospan::sampling_decision should_sample(const autospan::sampling_parameters& p,
                                            autospan::sampling_attributes& added) override {
    Seen s;
    s.name = p.name.str();
    s.automatic = p.automatic;
    s.parent_valid = p.parent.is_valid();
    s.parent_remote = p.parent.is_remote();
    s.parent_sampled = p.parent.is_sampled();
    s.parent_span = p.parent.span_id_hex();
    static const char* const kHex = "0123456789abcdef";
    for (unsigned char b : p.trace_id) {
      s.trace_id += kHex[b >> 4];
      s.trace_id += kHex[b & 15];
    }
    for (std::size_t i = 0; i < p.attribute_count; ++i) {
      const autospan::attribute& a = p.attributes[i];
      if (a.value.kind() == autospan::attribute_value::type::string)
        s.attributes[a.key.str()] = a.value.as_string().str();
      else if (a.value.kind() == autospan::attribute_value::type::integer)
        s.attributes[a.key.str()] = std::to_string(a.value.as_int());
    }
    s.kind = static_cast<int>(p.kind);
    s.baggage_k = p.parent.baggage("k");
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(s);
    }
    added.set("sampler.answer", answer_ == autospan::sampling_decision::record_and_sample);
    added.set("sampler.calls", static_cast<std::int64_t>(seen_.size()));
    return answer_;
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

private:
  autospan::sampling_decision answer_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

class Throwing : public autospan::sampler {
public:
  autospan::sampling_decision should_sample(const autospan::sampling_parameters&,
                                            autospan::sampling_attributes&) override {
    throw std::runtime_error("sampler bug");
  }
};

// Every test leaves the environment's sampler in place.
struct SamplerGuard {
  explicit SamplerGuard(std::shared_ptr<autospan::sampler> s) {
    autospan::set_sampler(std::move(s));
  }
  ~SamplerGuard() { autospan::set_sampler(nullptr); }
  SamplerGuard(const SamplerGuard&) = delete;
  SamplerGuard& operator=(const SamplerGuard&) = delete;
};

} // namespace

TEST_CASE("keep only traces whose root has priority=high", "[control][sampler]") {
  configure();
  SamplerGuard guard(autospan::parent_based_sampler(std::make_shared<PrioritySampler>()));
  {
    autospan::Span root("high request", {{"priority", "high"}, {"user", "u-1"}});
    smp::work();
    autospan::Span child("child of high"); // a local sampled parent: followed
  }
  {
    autospan::Span root("low request", {{"priority", "low"}});
    smp::work();
    // Inside the dropped trace the thread is suppressed: instrumented calls take the disabled
    // path, and manual spans record nothing either.
    CHECK((autospan::internal::t_tls.gate & autospan::internal::kTlsSuppress) != 0);
    autospan::Span child("child of low");
    CHECK_FALSE(child.is_recording());
  }
  {
    autospan::Span root("no priority");
    smp::work();
  }
  smp::work(); // an automatic root: no priority attribute, dropped

  auto spans = take_spans();
  REQUIRE(spans.size() == 4);
  const SpanData* root = find_span(spans, "high request");
  REQUIRE(root);
  CHECK(is_root(*root));
  CHECK(str_attr(*root, "priority") == "high");
  CHECK(str_attr(*root, "user") == "u-1");
  CHECK(str_attr(*root, "sampling.rule") == "priority");
  for (const char* name : {"smp::work", "smp::leaf", "child of high"}) {
    const SpanData* s = find_span(spans, name);
    REQUIRE(s);
    CHECK(s->trace_id == root->trace_id);
    CHECK_FALSE(find_attr(*s, "sampling.rule")); // only the span the sampler decided
  }
}

TEST_CASE("what a sampler sees", "[control][sampler]") {
  auto rec = std::make_shared<RecordingSampler>(autospan::sampling_decision::record_and_sample);
  SECTION("an automatic root") {
    configure({{"BAGGAGE", "k=process"}});
    SamplerGuard guard(rec);
    std::thread([] { smp::work(); }).join(); // a fresh thread carries the process's baggage
    auto spans = take_spans();
    REQUIRE(spans.size() == 2);
    auto seen = rec->seen();
    REQUIRE(seen.size() == 1); // asked at the root only; the leaf follows
    Seen& s = seen[0];
    CHECK(s.name == "smp::work");
    CHECK(s.automatic);
    CHECK_FALSE(s.parent_valid);
    CHECK(s.attributes["code.function.name"] == "smp::work");
    CHECK(s.attributes["code.file.path"] == __FILE__);
    CHECK(s.attributes.count("code.line.number") == 1);
    CHECK(s.kind == static_cast<int>(autospan::span_kind::internal));
    CHECK(s.baggage_k == "process");
    const SpanData* work = find_span(spans, "smp::work");
    REQUIRE(work);
    CHECK(autospan::internal::to_hex(work->trace_id) == s.trace_id);
    // Attributes the sampler added reach the automatic span through the export thread.
    const auto* answer = find_attr(*work, "sampler.answer");
    REQUIRE(answer);
    CHECK(std::get<bool>(*answer));
    CHECK(std::get<std::int64_t>(*find_attr(*work, "sampler.calls")) == 1);
    CHECK_FALSE(find_attr(*find_span(spans, "smp::leaf"), "sampler.answer"));
  }
  SECTION("a process continuing TRACEPARENT: a remote sampled parent") {
    configure({{"TRACEPARENT", kTraceparent}});
    SamplerGuard guard(rec);
    smp::work();
    take_spans();
    auto seen = rec->seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].parent_valid);
    CHECK(seen[0].parent_remote);
    CHECK(seen[0].parent_sampled);
    CHECK(seen[0].parent_span == "b7ad6b7169203331");
    CHECK(seen[0].trace_id == "0af7651916cd43dd8448eb211c80319c");
  }
  SECTION("manual spans: every one, with its parent and its start attributes") {
    configure();
    SamplerGuard guard(rec);
    std::map<std::string, std::string> headers{{"traceparent", kTraceparent}};
    {
      autospan::Span server("server", autospan::extract(headers), {{"http.route", "/x"}},
                            autospan::span_kind::server);
      autospan::Span inner("inner");
    }
    auto spans = take_spans();
    CHECK(spans.size() == 2);
    auto seen = rec->seen();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].name == "server");
    CHECK_FALSE(seen[0].automatic);
    CHECK(seen[0].parent_remote);
    CHECK(seen[0].attributes["http.route"] == "/x");
    CHECK(seen[0].kind == static_cast<int>(autospan::span_kind::server));
    CHECK(seen[1].name == "inner");
    CHECK(seen[1].parent_valid);
    CHECK_FALSE(seen[1].parent_remote);
    CHECK(seen[1].trace_id == "0af7651916cd43dd8448eb211c80319c");
    const SpanData* server = find_span(spans, "server");
    REQUIRE(server);
    CHECK(str_attr(*server, "http.route") == "/x");
    CHECK(std::get<bool>(*find_attr(*server, "sampler.answer")));
  }
}

TEST_CASE("a dropping sampler records nothing, auto spans below cost the disabled path",
          "[control][sampler]") {
  configure();
  auto rec = std::make_shared<RecordingSampler>(autospan::sampling_decision::drop);
  SamplerGuard guard(rec);
  for (int i = 0; i < 3; ++i)
    smp::work();
  CHECK(take_spans().empty());
  CHECK(rec->seen().size() == 3); // once per trace, never for the leaf
}

TEST_CASE("a throwing sampler drops, and the program goes on", "[control][sampler]") {
  configure();
  SamplerGuard guard(std::make_shared<Throwing>());
  smp::work();
  { autospan::Span s("manual"); }
  CHECK(take_spans().empty());
}

TEST_CASE("standard samplers compose with custom ones", "[control][sampler]") {
  SECTION("always_on / always_off") {
    configure({{"OTEL_TRACES_SAMPLER", "always_off"}});
    {
      SamplerGuard guard(autospan::always_on_sampler());
      smp::work();
      CHECK(take_spans().size() == 2);
    }
    smp::work(); // set_sampler(nullptr): OTEL_TRACES_SAMPLER again
    CHECK(take_spans().empty());
    configure();
    SamplerGuard guard(autospan::always_off_sampler());
    smp::work();
    CHECK(take_spans().empty());
  }
  SECTION("parent_based: a sampled remote parent is followed whatever the root sampler says") {
    configure({{"TRACEPARENT", kTraceparent}});
    SamplerGuard guard(autospan::parent_based_sampler(autospan::always_off_sampler()));
    smp::work();
    CHECK(take_spans().size() == 2);
  }
  SECTION("parent_based with a delegate for remote sampled parents") {
    configure({{"TRACEPARENT", kTraceparent}});
    SamplerGuard guard(autospan::parent_based_sampler(autospan::always_on_sampler(),
                                                      autospan::always_off_sampler()));
    smp::work();
    CHECK(take_spans().empty());
  }
  SECTION("trace_id_ratio: the OpenTelemetry rule on the trace id") {
    configure();
    {
      SamplerGuard guard(autospan::trace_id_ratio_sampler(0.0));
      for (int i = 0; i < 20; ++i)
        smp::work();
      CHECK(take_spans().empty());
    }
    SamplerGuard guard(autospan::trace_id_ratio_sampler(0.5));
    std::size_t kept = 0;
    for (int chunk = 0; chunk < 10; ++chunk) {
      for (int i = 0; i < 100; ++i)
        smp::work();
      kept += take_spans().size();
    }
    CHECK(kept % 2 == 0); // whole traces
    CHECK(kept / 2 > 400);
    CHECK(kept / 2 < 600);
  }
  SECTION("environment_sampler is OTEL_TRACES_SAMPLER as an object") {
    configure({{"OTEL_TRACES_SAMPLER", "parentbased_always_off"}});
    auto env = autospan::environment_sampler();
    CHECK(env->description() == "parentbased_always_off");
    SamplerGuard guard(env);
    smp::work();
    CHECK(take_spans().empty());
  }
  SECTION("descriptions") {
    CHECK(autospan::always_on_sampler()->description() == "AlwaysOnSampler");
    CHECK(autospan::parent_based_sampler(std::make_shared<PrioritySampler>())->description() ==
          "ParentBased{root:PrioritySampler}");
  }
}

TEST_CASE("roots that a sampler or TRACEPARENT gave ids still obey AUTOSPAN_MIN_DURATION",
          "[control][sampler][min]") {
  SECTION("a custom sampler") {
    configure({{"AUTOSPAN_MIN_DURATION", "2ms"}});
    SamplerGuard guard(autospan::always_on_sampler());
    smp::maybe_slow(true); // registers the site (the first kept span)
    smp::maybe_slow(false);
    smp::maybe_slow(false);
    auto spans = take_spans();
    CHECK(count_spans(spans, "smp::maybe_slow") == 1);
  }
  SECTION("TRACEPARENT") {
    configure({{"AUTOSPAN_MIN_DURATION", "2ms"}, {"TRACEPARENT", kTraceparent}});
    smp::maybe_slow(true);
    smp::maybe_slow(false);
    auto spans = take_spans();
    CHECK(count_spans(spans, "smp::maybe_slow") == 1);
  }
  configure();
}
