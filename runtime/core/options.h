// Runtime configuration, generated from options.inc. Read once at start (Runtime::init); the
// parsing is a pure function of a getter so tests can feed any environment.
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autospan::internal {

enum class OptionType { Bool, Count, Ratio, Duration, Millis, String, Secret, Choice, List };

template <OptionType> struct OptionValue;
template <> struct OptionValue<OptionType::Bool> { using type = bool; };
template <> struct OptionValue<OptionType::Count> { using type = std::uint64_t; };
template <> struct OptionValue<OptionType::Ratio> { using type = double; };
template <> struct OptionValue<OptionType::Duration> { using type = std::chrono::nanoseconds; };
template <> struct OptionValue<OptionType::Millis> { using type = std::chrono::nanoseconds; };
template <> struct OptionValue<OptionType::String> { using type = std::string; };
template <> struct OptionValue<OptionType::Secret> { using type = std::string; };
template <> struct OptionValue<OptionType::Choice> { using type = std::string; };
template <> struct OptionValue<OptionType::List> { using type = std::vector<std::string>; };

enum class OptionId : std::size_t {
#define AUTOSPAN_OPTION(member, env, type, def, desc) member,
#include "options.inc"
#undef AUTOSPAN_OPTION
};

inline constexpr std::size_t kOptionCount = 0
#define AUTOSPAN_OPTION(member, env, type, def, desc) +1 // NOLINT(bugprone-macro-parentheses)
#include "options.inc"
#undef AUTOSPAN_OPTION
    ;

struct OptionInfo {
  const char* member;
  const char* env;
  OptionType type;
  const char* default_text;
  const char* description;
};

// The table itself, in declaration order (for the docs generator and diagnostics).
const OptionInfo* option_table() noexcept;

struct Options {
#define AUTOSPAN_OPTION(member, env, kind, def, desc) OptionValue<OptionType::kind>::type member{};
#include "options.inc"
#undef AUTOSPAN_OPTION

  // Options whose value came from the environment or from a non-empty default. An unset
  // "override" option (e.g. OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) falls back to the generic one.
  std::bitset<kOptionCount> set;
  bool is_set(OptionId id) const {
    return set.test(static_cast<std::size_t>(id));
  }
};

// Returns the environment variable's value or nullptr (like getenv).
using EnvGetter = std::function<const char*(const char*)>;

// Parses every option. A bad value produces one warning (appended to `warnings`) and the
// default. Secret values never appear in warnings.
Options parse_options(const EnvGetter& getenv_fn, std::vector<std::string>* warnings);

// Unit parsing shared with other parts of the runtime. Return nullopt on a malformed value.
// `bare_unit_ns`: what a number without a unit means (0 = a unit is required, except for 0).
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text,
                                                       std::int64_t bare_unit_ns);
std::optional<bool> parse_bool(std::string_view text);

// The Markdown table of docs/configuration.md (between its generated-table markers).
std::string options_markdown_table();

// Splits "a=b,c=d" (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS: W3C-baggage-like
// lists, values percent-decoded, whitespace trimmed). Malformed entries are skipped and counted.
std::vector<std::pair<std::string, std::string>> parse_key_value_list(std::string_view text,
                                                                      std::size_t* malformed);
std::string percent_decode(std::string_view text);

} // namespace autospan::internal
