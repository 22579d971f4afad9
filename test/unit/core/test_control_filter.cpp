// AUTOSPAN_FILTER / autospan::set_filter: the rule language (parsing, globs, most specific wins)
// and the runtime behaviour through the real hot path (per-site resolution cached in
// autospan_site::state, re-resolution when the filter changes, filtered-off sites cost nothing).
#include "capture.h"

#include "core/filter_rules.h"
#include "core/runtime.h"
#include "core/runtime_control.h"

#include <autospan/autospan.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace autospan_test;
using autospan::internal::FilterRules;
using autospan::internal::split_qualified_name;

namespace acme {
namespace billing {
void charge() {
  AUTOSPAN_FUNCTION("acme::billing::charge");
}
struct Ledger {
  static void post() { AUTOSPAN_FUNCTION("acme::billing::Ledger::post"); }
};
namespace detail {
void round() {
  AUTOSPAN_FUNCTION("acme::billing::detail::round");
}
} // namespace detail
void invoice() {
  AUTOSPAN_FUNCTION("acme::billing::invoice");
  Ledger::post();
  detail::round();
  charge();
}
} // namespace billing
namespace detail {
void helper() {
  AUTOSPAN_FUNCTION("acme::detail::helper");
  billing::charge();
}
} // namespace detail
namespace shipping {
void ship() {
  AUTOSPAN_FUNCTION("acme::shipping::ship");
}
} // namespace shipping
void run() {
  AUTOSPAN_FUNCTION("acme::run");
  billing::invoice();
  detail::helper();
  shipping::ship();
}
} // namespace acme

namespace {

std::vector<std::string> names(const std::vector<SpanData>& spans) {
  std::vector<std::string> out;
  for (const auto& s : spans)
    out.push_back(s.name);
  std::sort(out.begin(), out.end());
  return out;
}

FilterRules rules(const char* text) {
  std::vector<std::string> warnings;
  FilterRules r = FilterRules::parse(text, &warnings);
  INFO(text);
  CHECK(warnings.empty());
  return r;
}

} // namespace

TEST_CASE("qualified names split at top-level ::", "[control][filter]") {
  using V = std::vector<std::string_view>;
  CHECK(split_qualified_name("app::Loader::load") == V{"app", "Loader", "load"});
  CHECK(split_qualified_name("::app::f") == V{"app", "f"});
  CHECK(split_qualified_name("main") == V{"main"});
  CHECK(split_qualified_name("app::run::<lambda at file.cpp:42>") ==
        V{"app", "run", "<lambda at file.cpp:42>"});
  CHECK(split_qualified_name("app::Stream::operator<<") == V{"app", "Stream", "operator<<"});
  CHECK(split_qualified_name("app::Box::operator std::string") ==
        V{"app", "Box", "operator std::string"});
  CHECK(split_qualified_name("app::Map<std::string, int>::at") ==
        V{"app", "Map<std::string, int>", "at"});
  CHECK(split_qualified_name("(anonymous namespace)::helper") ==
        V{"(anonymous namespace)", "helper"});
  CHECK(split_qualified_name("").empty());
}

TEST_CASE("filter rules: the issue's example, most specific wins", "[control][filter]") {
  FilterRules r = rules("acme::billing=on,acme::billing::Ledger=off,*::detail=off");
  CHECK(r.size() == 3);
  CHECK(r.enabled("acme::billing::charge"));
  CHECK(r.enabled("acme::billing::invoice"));
  CHECK_FALSE(r.enabled("acme::billing::Ledger::post")); // deeper rule beats acme::billing
  CHECK_FALSE(r.enabled("acme::detail::helper"));        // *::detail
  // An `on` rule exists: functions no rule matches are off ("only these").
  CHECK_FALSE(r.enabled("acme::shipping::ship"));
  CHECK_FALSE(r.enabled("main"));
  // `*` is exactly one component: acme::billing::detail is not `*::detail`, so billing=on rules.
  CHECK(r.enabled("acme::billing::detail::round"));
}

TEST_CASE("filter rules: globs as in the plugin's patterns", "[control][filter]") {
  SECTION("** spans any number of components") {
    FilterRules r = rules("**::detail=off");
    CHECK_FALSE(r.enabled("acme::billing::detail::round"));
    CHECK_FALSE(r.enabled("acme::detail::helper"));
    CHECK_FALSE(r.enabled("detail::f"));
    CHECK(r.enabled("acme::billing::charge"));
    CHECK(r.enabled("acme::details::x")); // whole components only
  }
  SECTION("* inside a component") {
    FilterRules r = rules("acme::bill*=off");
    CHECK_FALSE(r.enabled("acme::billing::charge"));
    CHECK_FALSE(r.enabled("acme::bill::x"));
    CHECK(r.enabled("acme::shipping::ship"));
    CHECK(r.enabled("acme")); // a function named acme: the pattern names its children only
  }
  SECTION("a pattern selects the subtree it names, functions included") {
    FilterRules r = rules("acme::billing::Ledger::post=off");
    CHECK_FALSE(r.enabled("acme::billing::Ledger::post"));
    CHECK(r.enabled("acme::billing::Ledger::postpone"));
    CHECK(r.enabled("acme::billing::charge"));
  }
  SECTION("lambdas and operators") {
    FilterRules r = rules("app::run::<lambda*=off,app::Stream::operator<<=off");
    CHECK_FALSE(r.enabled("app::run::<lambda at file.cpp:42>"));
    CHECK(r.enabled("app::run"));
    CHECK_FALSE(r.enabled("app::Stream::operator<<"));
    CHECK(r.enabled("app::Stream::write"));
  }
  SECTION("a leading :: means nothing") {
    FilterRules r = rules("::acme=off");
    CHECK_FALSE(r.enabled("acme::run"));
    CHECK(r.enabled("other::run"));
  }
}

TEST_CASE("filter rules: specificity and defaults", "[control][filter]") {
  SECTION("deeper beats shallower, whatever the order") {
    CHECK_FALSE(rules("acme::billing::Ledger=off,acme=on").enabled("acme::billing::Ledger::post"));
    CHECK(rules("acme=off,acme::billing=on").enabled("acme::billing::charge"));
    CHECK_FALSE(rules("acme=off,acme::billing=on").enabled("acme::run"));
  }
  SECTION("at the same depth, fewer wildcards win") {
    CHECK(rules("acme::detail=on,*::detail=off").enabled("acme::detail::helper"));
    CHECK(rules("*::detail=off,acme::detail=on").enabled("acme::detail::helper"));
  }
  SECTION("a ** names nothing by itself: **=off is the least specific rule") {
    FilterRules r = rules("**=off,acme::billing=on");
    CHECK(r.enabled("acme::billing::charge"));
    CHECK_FALSE(r.enabled("acme::shipping::ship"));
    CHECK(rules("**=on,acme=off,acme::billing=on").enabled("other::f"));
    CHECK(rules("**::detail=off,acme::billing::**::detail=on")
              .enabled("acme::billing::x::detail::f"));
  }
  SECTION("at equal specificity the later rule wins") {
    CHECK(rules("acme=off,acme=on").enabled("acme::run"));
    CHECK_FALSE(rules("acme=on,acme=off").enabled("acme::run"));
  }
  SECTION("only off rules: everything else stays on") {
    FilterRules r = rules("acme::detail=off");
    CHECK(r.enabled("acme::run"));
    CHECK(r.enabled("main"));
  }
  SECTION("values: on/off and the boolean spellings, spaces ignored") {
    FilterRules r = rules(" acme::a = off , acme::b=false, acme::c=0 ,acme::d=no, acme = true ");
    CHECK(r.size() == 5);
    for (const char* f : {"acme::a::f", "acme::b::f", "acme::c::f", "acme::d::f"})
      CHECK_FALSE(r.enabled(f));
    CHECK(r.enabled("acme::e::f"));
  }
  SECTION("empty: no rules, everything on") {
    CHECK(rules("").empty());
    CHECK(rules(" , ,").empty());
    CHECK(rules("").enabled("anything"));
  }
}

TEST_CASE("filter rules: each bad rule is ignored with one warning naming it",
          "[control][filter]") {
  std::vector<std::string> warnings;
  FilterRules r = FilterRules::parse(
      "acme::detail=off,acme::billing,acme::=on,a::b**=off,x=maybe,::=off,=on,acme::shipping=off",
      &warnings);
  CHECK(r.size() == 2);
  REQUIRE(warnings.size() == 6);
  CHECK(warnings[0] == "ignoring rule 'acme::billing': expected PATTERN=on or PATTERN=off");
  CHECK(warnings[1] == "ignoring rule 'acme::=on': empty component in 'acme::' (write 'a::b', not "
                       "'a::::b' or 'a::')");
  CHECK(warnings[2] == "ignoring rule 'a::b**=off': '**' must be a whole component in 'a::b**'");
  CHECK(warnings[3] == "ignoring rule 'x=maybe': the value after '=' must be on or off");
  CHECK(warnings[4].rfind("ignoring rule '::=off': '::' (the global namespace) cannot be told "
                          "apart from classes at run time",
                          0) == 0);
  CHECK(warnings[5] == "ignoring rule '=on': empty pattern");
  CHECK_FALSE(r.enabled("acme::detail::f"));
  CHECK_FALSE(r.enabled("acme::shipping::f"));
  CHECK(r.enabled("acme::billing::f")); // the broken rule did not become "on"
}

TEST_CASE("AUTOSPAN_FILTER through the runtime", "[control][filter]") {
  SECTION("the issue's example") {
    configure({{"AUTOSPAN_FILTER", "acme::billing=on,acme::billing::Ledger=off,*::detail=off"}});
    acme::run();
    auto spans = take_spans();
    CHECK(names(spans) == std::vector<std::string>{"acme::billing::charge", "acme::billing::charge",
                                                   "acme::billing::detail::round",
                                                   "acme::billing::invoice"});
    // Spans under a filtered-off function attach to the nearest recorded ancestor (here none:
    // acme::run and acme::detail::helper are off, so that charge is a root).
    const SpanData* invoice = find_span(spans, "acme::billing::invoice");
    REQUIRE(invoice);
    CHECK(is_root(*invoice));
    for (const auto& s : spans)
      if (s.name == "acme::billing::detail::round")
        CHECK(s.parent_span_id == invoice->span_id);
  }
  SECTION("a filtered-off parent: its recorded children attach to the grandparent") {
    configure({{"AUTOSPAN_FILTER", "acme::billing::invoice=off"}});
    acme::run();
    auto spans = take_spans();
    CHECK(count_spans(spans, "acme::billing::invoice") == 0);
    const SpanData* run = find_span(spans, "acme::run");
    const SpanData* post = find_span(spans, "acme::billing::Ledger::post");
    REQUIRE(run);
    REQUIRE(post);
    CHECK(post->parent_span_id == run->span_id);
    CHECK(post->trace_id == run->trace_id);
    CHECK(spans.size() == 7);
  }
  SECTION("no filter: everything") {
    configure();
    acme::run();
    CHECK(take_spans().size() == 8);
  }
  SECTION("manual scopes are not subject to the filter") {
    configure({{"AUTOSPAN_FILTER", "**=off"}});
    {
      AUTOSPAN_SCOPE("manual scope");
      acme::run();
    }
    CHECK(names(take_spans()) == std::vector<std::string>{"manual scope"});
  }
}

TEST_CASE("set_filter switches at run time, sites resolve again", "[control][filter]") {
  configure();
  acme::run();
  CHECK(take_spans().size() == 8);

  CHECK(autospan::set_filter("acme::billing=off"));
  acme::run();
  CHECK(names(take_spans()) ==
        std::vector<std::string>{"acme::detail::helper", "acme::run", "acme::shipping::ship"});

  CHECK(autospan::set_filter("acme::billing=on")); // only billing now
  acme::run();
  CHECK(take_spans().size() == 5);

  CHECK_FALSE(autospan::set_filter("acme::shipping=off,broken")); // the good rule still applies
  acme::run();
  CHECK(take_spans().size() == 7);

  CHECK(autospan::set_filter("")); // removed: the fast path again
  CHECK(autospan::internal::g_hot.gate.load() == autospan::internal::kGateFast);
  acme::run();
  CHECK(take_spans().size() == 8);
}

TEST_CASE("a site caches its decision in autospan_site::state", "[control][filter]") {
  namespace ai = autospan::internal;
  static autospan_site off_site = {"acme::detail::cached",
                                   "acme::detail::cached",
                                   __FILE__,
                                   __LINE__,
                                   AUTOSPAN_SITE_AUTO,
                                   0u,
                                   0u};
  static autospan_site on_site = {
      "acme::other::cached", "acme::other::cached", __FILE__, __LINE__, AUTOSPAN_SITE_AUTO, 0u, 0u};
  configure();
  CHECK(autospan::set_filter("acme::detail=off"));
  CHECK(ai::g_hot.gate.load() == ai::kGateSlow);
  CHECK(off_site.state == 0u); // not resolved before its first call

  void* token = autospan_enter_v1(&off_site);
  CHECK(token == nullptr);
  autospan_exit_v1(&token);
  unsigned resolved = off_site.state;
  CHECK((resolved & ai::kSiteFilterOff) != 0);
  CHECK((resolved >> ai::kSiteFilterGenerationShift) != 0);
  CHECK(ai::site_filtered_off(&off_site)); // the inline check of the hot path now answers
  // ... and so does the one instrumented code makes before calling (abi.h).
  CHECK((off_site.state & ~1u) == autospan_filter_off_v2);

  token = autospan_enter_v1(&on_site);
  CHECK(token != nullptr);
  autospan_exit_v1(&token);
  CHECK((on_site.state & ai::kSiteFilterOff) == 0);
  CHECK(on_site.state >> ai::kSiteFilterGenerationShift ==
        resolved >> ai::kSiteFilterGenerationShift);

  // A new filter: a new generation; the old decision no longer matches the hot path's tag.
  CHECK(autospan::set_filter("acme::other=off"));
  CHECK_FALSE(ai::site_filtered_off(&off_site));
  CHECK((off_site.state & ~1u) != autospan_filter_off_v2);
  token = autospan_enter_v1(&off_site);
  CHECK(token != nullptr);
  autospan_exit_v1(&token);
  CHECK((off_site.state & ai::kSiteFilterOff) == 0);
  token = autospan_enter_v1(&on_site);
  CHECK(token == nullptr);
  autospan_exit_v1(&token);
  CHECK(ai::site_filtered_off(&on_site));

  CHECK(autospan::set_filter(""));
  CHECK_FALSE(ai::site_filtered_off(&on_site));
  CHECK(autospan_filter_off_v2 == 1u); // no masked state is odd: nothing is skipped inline
  auto spans = take_spans();
  CHECK(count_spans(spans, "acme::other::cached") == 1);
  CHECK(count_spans(spans, "acme::detail::cached") == 1);
}

TEST_CASE("the filter combines with latch mode on the same site state", "[control][filter]") {
  configure({{"AUTOSPAN_MIN_DURATION", "1h"},
             {"AUTOSPAN_MIN_DURATION_MODE", "latch"},
             {"AUTOSPAN_FILTER", "acme::shipping=off"}});
  acme::billing::charge();
  acme::shipping::ship();
  CHECK(take_spans().empty()); // nothing lasted an hour: no latch flipped
  configure();
}

TEST_CASE("set_filter while other threads run instrumented code", "[control][filter][threads]") {
  configure();
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i)
    workers.emplace_back([&stop] {
      while (!stop.load())
        acme::run();
    });
  for (int i = 0; i < 200; ++i)
    autospan::set_filter(i % 2 ? "acme::billing=off" : "**=off,acme::shipping=on");
  stop = true;
  for (auto& w : workers)
    w.join();
  take_spans(); // whatever was recorded meanwhile (buffers may have filled: dropped and counted)

  // Every site then follows the last filter, on every thread.
  CHECK(autospan::set_filter("acme::billing=off"));
  std::thread([] { acme::run(); }).join();
  acme::run();
  CHECK(names(take_spans()) ==
        std::vector<std::string>{"acme::detail::helper", "acme::detail::helper", "acme::run",
                                 "acme::run", "acme::shipping::ship", "acme::shipping::ship"});
  CHECK(autospan::set_filter(""));
}
