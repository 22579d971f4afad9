// The project's one JSON reader (RFC 8259): OTLP responses and OTLP/JSON files in the runtime,
// OTLP JSON lines in the `autospan` tool. Numbers keep their literal text so 64-bit integers
// survive exactly. Errors carry the byte column, which the tool turns into FILE:LINE:COL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autospan::internal {

struct JsonValue {
  enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  std::string text; // String: the unescaped UTF-8; Number: the literal as written
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  bool is_null() const noexcept { return type == Type::Null; }
  bool is_number() const noexcept { return type == Type::Number; }
  bool is_object() const noexcept { return type == Type::Object; }
  bool is_array() const noexcept { return type == Type::Array; }
  bool is_string() const noexcept { return type == Type::String; }
  // The first member called `key`, or nullptr (also when this is not an object). Objects in
  // OTLP are small: a linear scan wins.
  const JsonValue* find(std::string_view key) const noexcept;
  // Integers given as numbers or as decimal strings (the protobuf JSON mapping allows both).
  bool to_int64(std::int64_t& v) const noexcept;
  bool to_uint64(std::uint64_t& v) const noexcept;
  // Numbers, plus the strings "NaN", "Infinity", "-Infinity" and numeric strings.
  bool to_double(double& v) const noexcept;
};

// "null", "boolean", "number", "string", "array", "object": for error messages.
const char* json_type_name(JsonValue::Type type) noexcept;

// OTLP/JSON's trace and span ids: exactly 2 * n hex digits (either case) into out[0..n).
// False, with `out` unspecified, for any other text.
bool decode_hex_id(std::string_view text, std::uint8_t* out, std::size_t n) noexcept;

// Bounds the parser's recursion.
constexpr int kJsonMaxDepth = 256;

class JsonParseError : public std::runtime_error {
public:
  JsonParseError(const std::string& message, std::size_t column)
      : std::runtime_error(message), column_(column) {}
  std::size_t column() const noexcept { return column_; } // 1-based byte column
private:
  std::size_t column_;
};

// Parses exactly one JSON value (surrounding whitespace allowed). Throws JsonParseError.
// Invalid UTF-8 inside strings becomes U+FFFD rather than an error: one odd byte in an
// attribute should not hide a whole batch of spans.
JsonValue parse_json(std::string_view input);

// The same without exceptions: on failure returns false and sets `error` to the message
// followed by " at offset N" (0-based byte offset).
bool parse_json(std::string_view input, JsonValue& out, std::string& error);

} // namespace autospan::internal
