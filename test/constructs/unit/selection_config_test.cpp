// Unit tests for the front-end-neutral half of clang-plugin/selection: patterns and settings.
// (The AST half is tested through the real compiler: test/constructs/cases.)
#include "selection/config.h"
#include "selection/name_pattern.h"

#include <catch2/catch.hpp>

using autospan::selection::applyFilterText;
using autospan::selection::applySetting;
using autospan::selection::Config;
using autospan::selection::ConfigError;
using autospan::selection::globMatch;
using autospan::selection::NamePattern;
using autospan::selection::PathComponent;

namespace {

std::vector<PathComponent> path(std::initializer_list<const char*> Names) {
  std::vector<PathComponent> P;
  for (const char* N : Names) {
    bool Inline = N[0] == '!'; // "!v2" marks an inline namespace
    P.push_back({Inline ? N + 1 : N, Inline});
  }
  return P;
}

bool matches(const char* Pattern, std::initializer_list<const char*> Names) {
  std::string Error;
  std::optional<NamePattern> P = NamePattern::parse(Pattern, Error);
  REQUIRE(P);
  return P->matchesPrefixOf(path(Names));
}

std::string parseError(const char* Pattern) {
  std::string Error;
  CHECK_FALSE(NamePattern::parse(Pattern, Error));
  return Error;
}

} // namespace

TEST_CASE("glob components") {
  CHECK(globMatch("app", "app"));
  CHECK_FALSE(globMatch("app", "apps"));
  CHECK(globMatch("*", "anything"));
  CHECK(globMatch("cache_*", "cache_lru"));
  CHECK(globMatch("cache_*", "cache_"));
  CHECK(globMatch("*_impl", "x_impl"));
  CHECK(globMatch("a*b*c", "aXbYc"));
  CHECK_FALSE(globMatch("a*b*c", "aXbY"));
}

TEST_CASE("a pattern selects the subtree it names") {
  CHECK(matches("app", {"app"}));
  CHECK(matches("app", {"app", "net", "Socket", "send"}));
  CHECK_FALSE(matches("app", {"apps"}));
  CHECK_FALSE(matches("app::net", {"app"}));
  CHECK(matches("::app", {"app", "x"}));
}

TEST_CASE("* is one component, ** any number") {
  CHECK(matches("app::*::api", {"app", "cart", "api", "add"}));
  CHECK_FALSE(matches("app::*::api", {"app", "api"}));
  CHECK(matches("**::detail", {"detail"}));
  CHECK(matches("**::detail", {"a", "b", "detail", "f"}));
  CHECK_FALSE(matches("**::detail", {"a", "b"}));
  CHECK(matches("**", {"x"}));
}

TEST_CASE("the global namespace is only ::") {
  CHECK(matches("::", {}));
  CHECK_FALSE(matches("::", {"app"}));
  CHECK_FALSE(matches("**", {}));
  CHECK_FALSE(matches("*", {}));
}

TEST_CASE("inline namespaces are optional") {
  CHECK(matches("app::Widget", {"app", "!v2", "Widget"}));
  CHECK(matches("app::v2::Widget", {"app", "!v2", "Widget"}));
  CHECK_FALSE(matches("app::v3::Widget", {"app", "!v2", "Widget"}));
}

TEST_CASE("malformed patterns") {
  CHECK(parseError("") == "empty pattern");
  CHECK(parseError("app::::x").find("empty component") != std::string::npos);
  CHECK(parseError("app::").find("empty component") != std::string::npos);
  CHECK(parseError("app::**x").find("'**' must be a whole component") != std::string::npos);
}

TEST_CASE("settings") {
  Config C;
  CHECK_FALSE(applySetting(C, "namespace", "app"));
  CHECK_FALSE(applySetting(C, "exclude", "app::detail"));
  CHECK_FALSE(applySetting(C, "min-statements", "3"));
  CHECK(C.MinStatements == 3);
  CHECK(C.selectingPattern(path({"app", "x"})) != nullptr);
  CHECK(C.selectingPattern(path({"lib"})) == nullptr);
  CHECK(C.excludingPattern(path({"app", "detail"}), path({"app", "detail", "f"})) != nullptr);
  CHECK(C.excludingPattern(path({"app"}), path({"app", "f"})) == nullptr);

  std::optional<ConfigError> E = applySetting(C, "colour", "red");
  REQUIRE(E);
  CHECK(E->Message == "unknown setting 'colour' (valid: namespace, exclude, filter-file, "
                      "min-statements)");
  E = applySetting(C, "min-statements", "-1");
  REQUIRE(E);
  CHECK(E->File.empty());
}

TEST_CASE("exclude :: removes the global namespace") {
  Config C;
  REQUIRE_FALSE(applySetting(C, "exclude", "::"));
  CHECK(C.excludingPattern(path({}), path({"main"})) != nullptr);
  CHECK(C.excludingPattern(path({"app"}), path({"app", "f"})) == nullptr);
}

TEST_CASE("filter files") {
  Config C;
  CHECK_FALSE(applyFilterText(C, "# comment\n\nnamespace: app\r\n  exclude:app::x  \n", "f"));
  CHECK(C.Namespaces.size() == 1);
  REQUIRE(C.Excludes.size() == 1);
  CHECK(C.Excludes[0].text() == "app::x");

  std::optional<ConfigError> E = applyFilterText(C, "namespace: a\n  exclude app::x\n", "f.txt");
  REQUIRE(E);
  CHECK(E->File == "f.txt");
  CHECK(E->Line == 2);
  CHECK(E->Column == 10);
  CHECK(E->Message == "expected ':' after 'exclude'");

  E = applyFilterText(C, "filter-file: other\n", "f.txt");
  REQUIRE(E);
  CHECK(E->Line == 1);
  CHECK(E->Column == 1);

  E = applyFilterText(C, "min-statements: lots\n", "f.txt");
  REQUIRE(E);
  CHECK(E->Column == 17);
}
