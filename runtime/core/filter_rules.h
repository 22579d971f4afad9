// AUTOSPAN_FILTER / autospan::set_filter: which compiled-in functions record spans at run time.
//
// A rule list `PATTERN=on|off,...` over qualified function names. Patterns are the plugin's
// (clang-plugin/selection/name_pattern.h, mirrored here without Clang): `::`-separated globs,
// `*` within one component, a `**` component for any number of components, matched by prefix so
// a pattern selects the subtree it names. The most specific matching rule wins: the one naming
// the deepest component of the function's path (a `**` names nothing by itself), then the one
// with fewer wildcard components, then the later one. A function no rule matches is on, unless
// the list has an `on` rule ("only these"); `**=on` / `**=off` set that default explicitly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace autospan::internal {

class FilterRules {
public:
  // Bad rules are skipped, each with one message in `warnings` naming it.
  static FilterRules parse(std::string_view text, std::vector<std::string>* warnings);

  bool empty() const { return rules_.empty(); }
  std::size_t size() const { return rules_.size(); }
  // Whether calls of the function with this qualified name (code.function.name) are recorded.
  bool enabled(std::string_view qualified_name) const;

private:
  struct Rule {
    std::string text;
    std::vector<std::string> components;
    int literal_components = 0; // components without `*`
    bool on = true;
  };
  std::vector<Rule> rules_;
  bool default_on_ = true;
};

// "app::Loader::load" -> {"app", "Loader", "load"}. Splits only at top-level `::`: lambda names
// (`<lambda at f.cpp:3>`), operators (`operator<<`, `operator std::string`) and parameter or
// template lists stay whole.
std::vector<std::string_view> split_qualified_name(std::string_view name);

// Glob match of one component: `*` matches any run of characters.
bool glob_match(std::string_view glob, std::string_view name);

} // namespace autospan::internal
