// JSON for the command-line tool: the reader is the runtime's (runtime/export/json_reader.h),
// named here as the tool's code spells it; the writer adds an HTML-safe mode for the report.
// Input is OTLP JSON lines: one document per line, so a ParseError's column is the line's.
#pragma once

#include "runtime/export/json_reader.h"

#include <string>
#include <string_view>

namespace autospan::cli::json {

using Value = internal::JsonValue;
using Type = internal::JsonValue::Type;
using ParseError = internal::JsonParseError;

inline const char* type_name(Type type) {
  return internal::json_type_name(type);
}

// Parses exactly one JSON document (surrounding whitespace allowed). Throws ParseError.
inline Value parse(std::string_view text) {
  return internal::parse_json(text);
}

// Writers. `html_safe` also escapes '<', '>' and '&' so the output can sit inside <script>.
void append_string(std::string& out, std::string_view s, bool html_safe = false);
std::string quote(std::string_view s);

} // namespace autospan::cli::json
