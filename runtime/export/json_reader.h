// A small JSON reader (RFC 8259) for OTLP responses and OTLP/JSON files. Numbers keep their
// literal text so 64-bit integers survive exactly. Nesting is limited to keep recursion bounded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autospan::internal {

struct JsonValue {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  std::string text; // String: the unescaped UTF-8; Number: the literal as written
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  bool is_object() const noexcept { return type == Type::Object; }
  bool is_array() const noexcept { return type == Type::Array; }
  bool is_string() const noexcept { return type == Type::String; }
  // The member called `key`, or nullptr (also when this is not an object).
  const JsonValue* find(std::string_view key) const noexcept;
  // Integers given as numbers or as decimal strings (the protobuf JSON mapping allows both).
  bool to_int64(std::int64_t& v) const noexcept;
  bool to_uint64(std::uint64_t& v) const noexcept;
  // Numbers, plus the strings "NaN", "Infinity", "-Infinity" and numeric strings.
  bool to_double(double& v) const noexcept;
};

constexpr int kJsonMaxDepth = 128;

// Parses exactly one JSON value (surrounding whitespace allowed). On failure returns false and
// sets `error` to a message with the byte offset.
bool parse_json(std::string_view input, JsonValue& out, std::string& error);

} // namespace autospan::internal
