// A small JSON reader and writer for the command-line tool. Input is OTLP JSON lines: one
// document per line, so the reader works on a line at a time and reports errors with a column.
// Numbers keep their source text: OTLP int64 values must not pass through a double.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autospan::cli::json {

enum class Type : std::uint8_t { Null, Bool, Number, String, Array, Object };

class Value {
public:
  Type type = Type::Null;
  bool boolean = false;
  std::string text; // String: the decoded UTF-8; Number: the source text
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> members;

  bool is_null() const { return type == Type::Null; }
  bool is_string() const { return type == Type::String; }
  bool is_number() const { return type == Type::Number; }
  bool is_array() const { return type == Type::Array; }
  bool is_object() const { return type == Type::Object; }
  // First member with this key, or nullptr. Objects in OTLP are small: a linear scan wins.
  const Value* find(std::string_view key) const;
};

const char* type_name(Type type);

class ParseError : public std::runtime_error {
public:
  ParseError(const std::string& message, std::size_t column)
      : std::runtime_error(message), column_(column) {}
  std::size_t column() const { return column_; } // 1-based byte column
private:
  std::size_t column_;
};

// Parses exactly one JSON document (surrounding whitespace allowed). Throws ParseError.
// Invalid UTF-8 inside strings becomes U+FFFD rather than an error: one odd byte in an
// attribute should not hide a whole batch of spans. Nesting deeper than 256 is an error.
Value parse(std::string_view text);

// Writers. `html_safe` also escapes '<', '>' and '&' so the output can sit inside <script>.
void append_string(std::string& out, std::string_view s, bool html_safe = false);
std::string quote(std::string_view s);

} // namespace autospan::cli::json
