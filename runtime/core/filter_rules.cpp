#include "filter_rules.h"

#include "options.h"

#include <cctype>

namespace autospan::internal {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The same rules and messages as the plugin's NamePattern::parse.
bool parse_pattern(std::string_view text, std::vector<std::string>& components,
                   std::string& error) {
  if (text.empty()) {
    error = "empty pattern";
    return false;
  }
  if (text == "::") {
    // The runtime sees joined names only: it cannot tell `ns::f` from `Class::f`.
    error = "'::' (the global namespace) cannot be told apart from classes at run time; name the "
            "functions instead";
    return false;
  }
  std::string_view rest = text;
  if (rest.substr(0, 2) == "::")
    rest.remove_prefix(2);
  for (;;) {
    std::size_t sep = rest.find("::");
    std::string_view component = trim(rest.substr(0, sep));
    if (component.empty()) {
      error =
          "empty component in '" + std::string(text) + "' (write 'a::b', not 'a::::b' or 'a::')";
      return false;
    }
    if (component.find("**") != std::string_view::npos && component != "**") {
      error = "'**' must be a whole component in '" + std::string(text) + "'";
      return false;
    }
    components.emplace_back(component);
    if (sep == std::string_view::npos)
      return true;
    rest.remove_prefix(sep + 2);
  }
}

// The deepest path position named by a non-`**` component in any match of components[pi..]
// against path[at..] (a prefix match: the rest of the path is the selected subtree), or -1.
int deepest_match(const std::vector<std::string>& components, std::size_t pi,
                  const std::vector<std::string_view>& path, std::size_t at, int reached) {
  if (pi == components.size())
    return reached;
  const std::string& c = components[pi];
  if (c == "**") {
    int best = deepest_match(components, pi + 1, path, at, reached);
    if (at < path.size()) {
      int deeper = deepest_match(components, pi, path, at + 1, reached);
      if (deeper > best)
        best = deeper;
    }
    return best;
  }
  if (at == path.size() || !glob_match(c, path[at]))
    return -1;
  return deepest_match(components, pi + 1, path, at + 1, static_cast<int>(at) + 1);
}

} // namespace

bool glob_match(std::string_view glob, std::string_view name) {
  // Iterative matcher with single-star backtracking (the plugin's globMatch).
  std::size_t g = 0, n = 0, star_g = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star_g = g++;
      star_n = n;
      continue;
    }
    if (g < glob.size() && glob[g] == name[n]) {
      ++g;
      ++n;
      continue;
    }
    if (star_g == std::string_view::npos)
      return false;
    g = star_g + 1;
    n = ++star_n;
  }
  while (g < glob.size() && glob[g] == '*')
    ++g;
  return g == glob.size();
}

std::vector<std::string_view> split_qualified_name(std::string_view name) {
  std::vector<std::string_view> out;
  if (name.substr(0, 2) == "::")
    name.remove_prefix(2);
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < name.size();) {
    if (i == start && depth == 0 && name.substr(i, 8) == "operator" &&
        (i + 8 == name.size() || !is_identifier_char(name[i + 8]))) {
      // operator<<, operator(), operator std::string: the rest is the function's name.
      out.push_back(name.substr(i));
      return out;
    }
    char c = name[i];
    if (c == '<' || c == '(' || c == '[') {
      ++depth;
    } else if ((c == '>' || c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (c == ':' && depth == 0 && i + 1 < name.size() && name[i + 1] == ':') {
      out.push_back(name.substr(start, i - start));
      i += 2;
      start = i;
      continue;
    }
    ++i;
  }
  if (start < name.size())
    out.push_back(name.substr(start));
  return out;
}

FilterRules FilterRules::parse(std::string_view text, std::vector<std::string>* warnings) {
  FilterRules f;
  bool any_on = false;
  auto warn = [&](std::string_view rule, const std::string& why) {
    if (warnings)
      warnings->push_back("ignoring rule '" + std::string(rule) + "': " + why);
  };
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view rule = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (rule.empty())
      continue;
    std::size_t eq = rule.rfind('=');
    if (eq == std::string_view::npos) {
      warn(rule, "expected PATTERN=on or PATTERN=off");
      continue;
    }
    std::optional<bool> on = parse_bool(trim(rule.substr(eq + 1)));
    if (!on) {
      warn(rule, "the value after '=' must be on or off");
      continue;
    }
    Rule r;
    r.text = std::string(rule);
    r.on = *on;
    std::string error;
    if (!parse_pattern(trim(rule.substr(0, eq)), r.components, error)) {
      warn(rule, error);
      continue;
    }
    for (const auto& c : r.components)
      if (c.find('*') == std::string::npos)
        ++r.literal_components;
    any_on |= r.on;
    f.rules_.push_back(std::move(r));
  }
  f.default_on_ = !any_on;
  return f;
}

bool FilterRules::enabled(std::string_view qualified_name) const {
  if (rules_.empty())
    return true;
  std::vector<std::string_view> path = split_qualified_name(qualified_name);
  if (path.empty())
    return default_on_;
  const Rule* best = nullptr;
  int best_depth = -1;
  for (const Rule& r : rules_) {
    int depth = deepest_match(r.components, 0, path, 0, 0);
    if (depth < 0)
      continue;
    // Later rules win ties: >=.
    if (best == nullptr || depth > best_depth ||
        (depth == best_depth && r.literal_components >= best->literal_components)) {
      best = &r;
      best_depth = depth;
    }
  }
  return best ? best->on : default_on_;
}

} // namespace autospan::internal
