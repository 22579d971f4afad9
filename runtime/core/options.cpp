#include "options.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace autospan::internal {
namespace {

constexpr OptionInfo kTable[] = {
#define AUTOSPAN_OPTION(member, env, kind, def, desc) {#member, #env, OptionType::kind, def, desc},
#include "options.inc"
#undef AUTOSPAN_OPTION
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The allowed values of a Choice/List option: the first `a|b|c` group of its description.
std::vector<std::string> allowed_values(const char* description) {
  std::string_view d(description);
  std::size_t pos = 0;
  while ((pos = d.find('`', pos)) != std::string_view::npos) {
    std::size_t end = d.find('`', pos + 1);
    if (end == std::string_view::npos)
      break;
    std::string_view group = d.substr(pos + 1, end - pos - 1);
    if (group.find('|') != std::string_view::npos) {
      std::vector<std::string> out;
      std::size_t start = 0;
      for (;;) {
        std::size_t bar = group.find('|', start);
        out.emplace_back(group.substr(start, bar - start));
        if (bar == std::string_view::npos)
          break;
        start = bar + 1;
      }
      return out;
    }
    pos = end + 1;
  }
  return {};
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::optional<double> parse_ratio(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || s.empty() || !(v >= 0.0 && v <= 1.0))
    return std::nullopt;
  return v;
}

const char* type_expectation(OptionType type) {
  switch (type) {
  case OptionType::Bool:
    return "true or false";
  case OptionType::Count:
    return "a non-negative integer";
  case OptionType::Ratio:
    return "a number between 0 and 1";
  case OptionType::Duration:
    return "a duration such as 0, 250us, 2ms or 1s";
  case OptionType::Millis:
    return "a duration in milliseconds (or with a unit: 250us, 2ms, 1s)";
  default:
    return "a valid value";
  }
}

// Parses one option into `out`. Returns false (without touching `out`) on a bad value.
template <typename T>
bool parse_one(const OptionInfo& info, std::string_view raw, T& out, std::string* why);

template <> bool parse_one<bool>(const OptionInfo&, std::string_view raw, bool& out, std::string*) {
  auto v = parse_bool(raw);
  if (!v)
    return false;
  out = *v;
  return true;
}

template <>
bool parse_one<std::uint64_t>(const OptionInfo&, std::string_view raw, std::uint64_t& out,
                              std::string*) {
  auto v = parse_count(raw);
  if (!v)
    return false;
  out = *v;
  return true;
}

template <>
bool parse_one<double>(const OptionInfo&, std::string_view raw, double& out, std::string*) {
  auto v = parse_ratio(raw);
  if (!v)
    return false;
  out = *v;
  return true;
}

template <>
bool parse_one<std::chrono::nanoseconds>(const OptionInfo& info, std::string_view raw,
                                         std::chrono::nanoseconds& out, std::string*) {
  auto v = parse_duration(raw, info.type == OptionType::Millis ? 1000000 : 0);
  if (!v)
    return false;
  out = *v;
  return true;
}

template <>
bool parse_one<std::string>(const OptionInfo& info, std::string_view raw, std::string& out,
                            std::string* why) {
  if (info.type == OptionType::Choice) {
    std::string v = lower(trim(raw));
    auto allowed = allowed_values(info.description);
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed)
        list += (list.empty() ? "" : ", ") + a;
      *why = "one of " + list;
      return false;
    }
    out = std::move(v);
    return true;
  }
  out = std::string(raw);
  return true;
}

template <>
bool parse_one<std::vector<std::string>>(const OptionInfo& info, std::string_view raw,
                                         std::vector<std::string>& out, std::string* why) {
  auto allowed = allowed_values(info.description);
  std::vector<std::string> values;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = raw.find(',', start);
    std::string v = lower(trim(raw.substr(start, comma - start)));
    if (!v.empty()) {
      if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed)
          list += (list.empty() ? "" : ", ") + a;
        *why = "a comma-separated list of " + list;
        return false;
      }
      if (std::find(values.begin(), values.end(), v) == values.end())
        values.push_back(std::move(v));
    }
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  if (values.empty()) {
    *why = "at least one value";
    return false;
  }
  out = std::move(values);
  return true;
}

template <typename T>
void apply(const OptionInfo& info, std::size_t index, const EnvGetter& getenv_fn, T& out,
           std::bitset<kOptionCount>& set, std::vector<std::string>* warnings) {
  std::string why;
  std::string_view def(info.default_text);
  if (!def.empty()) {
    [[maybe_unused]] bool ok = parse_one(info, def, out, &why);
    set.set(index);
  }
  const char* env = getenv_fn ? getenv_fn(info.env) : nullptr;
  // The OpenTelemetry rule: an empty value means unset.
  if (env == nullptr || trim(env).empty())
    return;
  std::string_view raw = info.type == OptionType::String || info.type == OptionType::Secret
                             ? std::string_view(env)
                             : trim(env);
  if (parse_one(info, raw, out, &why)) {
    set.set(index);
    return;
  }
  if (warnings == nullptr)
    return;
  std::string msg = info.env;
  if (info.type == OptionType::Secret)
    msg += " has an invalid value";
  else
    msg += "='" + std::string(raw) + "' is invalid";
  msg += ": expected ";
  msg += why.empty() ? type_expectation(info.type) : why;
  msg +=
      def.empty() ? std::string("; ignoring it") : "; using the default '" + std::string(def) + "'";
  warnings->push_back(std::move(msg));
}

} // namespace

const OptionInfo* option_table() noexcept {
  return kTable;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string v = lower(trim(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on")
    return true;
  if (v == "false" || v == "0" || v == "no" || v == "off")
    return false;
  return std::nullopt;
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text,
                                                       std::int64_t bare_unit_ns) {
  text = trim(text);
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  std::string number(text.substr(0, i));
  std::string unit = lower(trim(text.substr(i)));
  if (number.empty() || std::count(number.begin(), number.end(), '.') > 1 || number == ".")
    return std::nullopt;
  double value = std::strtod(number.c_str(), nullptr);
  double scale = 0;
  if (unit.empty()) {
    if (value == 0)
      return std::chrono::nanoseconds(0);
    if (bare_unit_ns == 0)
      return std::nullopt;
    scale = static_cast<double>(bare_unit_ns);
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "us" || unit == "µs") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else {
    return std::nullopt;
  }
  double ns = std::round(value * scale);
  if (!(ns < 9.2e18))
    return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
}

Options parse_options(const EnvGetter& getenv_fn, std::vector<std::string>* warnings) {
  Options o;
#define AUTOSPAN_OPTION(member, env, kind, def, desc)                                              \
  apply(kTable[static_cast<std::size_t>(OptionId::member)],                                        \
        static_cast<std::size_t>(OptionId::member), getenv_fn, o.member, o.set, warnings);
#include "options.inc"
#undef AUTOSPAN_OPTION
  return o;
}

namespace {
const char* type_name(OptionType type) {
  switch (type) {
  case OptionType::Bool:
    return "boolean";
  case OptionType::Count:
    return "integer";
  case OptionType::Ratio:
    return "number 0..1";
  case OptionType::Duration:
    return "duration";
  case OptionType::Millis:
    return "duration (ms)";
  case OptionType::String:
    return "string";
  case OptionType::Secret:
    return "string (secret)";
  case OptionType::Choice:
    return "choice";
  case OptionType::List:
    return "list";
  }
  return "";
}
} // namespace

std::string options_markdown_table() {
  std::string out = "| Variable | Type | Default | Meaning |\n|---|---|---|---|\n";
  for (const OptionInfo& info : kTable) {
    const char* type = type_name(info.type);
    std::string def = *info.default_text ? "`" + std::string(info.default_text) + "`" : "unset";
    std::string desc = info.description;
    // A literal '|' would split the Markdown cell.
    std::string escaped;
    for (char c : desc) {
      if (c == '|')
        escaped += "\\|";
      else
        escaped += c;
    }
    out += "| `" + std::string(info.env) + "` | " + type + " | " + def + " | " + escaped + " |\n";
  }
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_key_value_list(std::string_view text,
                                                                      std::size_t* malformed) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t bad = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item = trim(text.substr(start, comma - start));
    if (!item.empty()) {
      std::size_t eq = item.find('=');
      std::string_view key = eq == std::string_view::npos ? item : trim(item.substr(0, eq));
      if (eq == std::string_view::npos || key.empty()) {
        ++bad;
      } else {
        out.emplace_back(percent_decode(key), percent_decode(trim(item.substr(eq + 1))));
      }
    }
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  if (malformed)
    *malformed = bad;
  return out;
}

} // namespace autospan::internal
