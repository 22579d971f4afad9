#include "json_reader.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace autospan::internal {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::uint32_t kReplacement = 0xFFFD;

// Length of the valid UTF-8 sequence starting at p (1..4), or 0 if it is invalid.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  std::size_t n;
  std::uint32_t min;
  std::uint32_t cp;
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n)
    return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

class Parser {
public:
  explicit Parser(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  JsonValue parse_document() {
    skip_ws();
    JsonValue v = parse_value(0);
    skip_ws();
    if (p_ != end_)
      fail("unexpected text after the JSON value");
    return v;
  }

private:
  [[noreturn]] void fail(const std::string& message) const {
    throw JsonParseError(message, static_cast<std::size_t>(p_ - begin_) + 1);
  }

  void skip_ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }

  std::string describe_here() const {
    if (p_ == end_)
      return "end of line";
    unsigned char c = static_cast<unsigned char>(*p_);
    if (c >= 0x20 && c < 0x7F)
      return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }

  void expect(char c, const char* what) {
    if (p_ == end_ || *p_ != c)
      fail(std::string("expected ") + what + ", found " + describe_here());
    ++p_;
  }

  void parse_literal(const char* word) {
    std::size_t n = std::strlen(word);
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
      fail("invalid literal, found " + describe_here());
    p_ += n;
  }

  JsonValue parse_value(int depth) {
    if (depth > kJsonMaxDepth)
      fail("nesting deeper than " + std::to_string(kJsonMaxDepth) + " levels");
    JsonValue v;
    if (p_ == end_)
      fail("expected a value, found end of line");
    switch (*p_) {
    case '{':
      parse_object(v, depth);
      break;
    case '[':
      parse_array(v, depth);
      break;
    case '"':
      v.type = JsonValue::Type::String;
      parse_string(v.text);
      break;
    case 't':
      parse_literal("true");
      v.type = JsonValue::Type::Bool;
      v.boolean = true;
      break;
    case 'f':
      parse_literal("false");
      v.type = JsonValue::Type::Bool;
      break;
    case 'n':
      parse_literal("null");
      break;
    default:
      if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) {
        v.type = JsonValue::Type::Number;
        parse_number(v.text);
        break;
      }
      fail("expected a value, found " + describe_here());
    }
    return v;
  }

  void parse_object(JsonValue& v, int depth) {
    v.type = JsonValue::Type::Object;
    ++p_;
    skip_ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return;
    }
    v.members.reserve(8); // an OTLP span has about ten members: skips most regrowth
    for (;;) {
      skip_ws();
      if (p_ == end_ || *p_ != '"')
        fail("expected a member name in quotes, found " + describe_here());
      std::string key;
      parse_string(key);
      skip_ws();
      expect(':', "':' after the member name");
      skip_ws();
      JsonValue member = parse_value(depth + 1);
      v.members.emplace_back(std::move(key), std::move(member));
      skip_ws();
      if (p_ != end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      expect('}', "',' or '}' in object");
      return;
    }
  }

  void parse_array(JsonValue& v, int depth) {
    v.type = JsonValue::Type::Array;
    ++p_;
    skip_ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return;
    }
    for (;;) {
      skip_ws();
      v.items.push_back(parse_value(depth + 1));
      skip_ws();
      if (p_ != end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      expect(']', "',' or ']' in array");
      return;
    }
  }

  unsigned hex4() {
    if (end_ - p_ < 4)
      fail("truncated \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_;
      unsigned d;
      if (c >= '0' && c <= '9')
        d = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<unsigned>(c - 'A' + 10);
      else
        fail("invalid hex digit in \\u escape");
      value = value * 16 + d;
      ++p_;
    }
    return value;
  }

  void parse_string(std::string& out) {
    const char* open = p_;
    ++p_; // opening quote
    for (;;) {
      // Copy the run of plain bytes in one go: most strings have no escapes.
      const char* run = p_;
      while (p_ != end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20 &&
             static_cast<unsigned char>(*p_) < 0x80)
        ++p_;
      out.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) {
        p_ = open;
        fail("unterminated string");
      }
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return;
      }
      if (c < 0x20)
        fail("control character in string (must be escaped)");
      if (c >= 0x80) {
        std::size_t n = utf8_sequence(reinterpret_cast<const unsigned char*>(p_),
                                      reinterpret_cast<const unsigned char*>(end_));
        if (n == 0) {
          append_utf8(out, kReplacement);
          ++p_;
        } else {
          out.append(p_, n);
          p_ += n;
        }
        continue;
      }
      // backslash
      ++p_;
      if (p_ == end_)
        fail("unterminated escape");
      char e = *p_++;
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        std::uint32_t cp = hex4();
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            const char* save = p_;
            p_ += 2;
            std::uint32_t low = hex4();
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              p_ = save; // not a pair: the high half alone is replaced
              cp = kReplacement;
            }
          } else {
            cp = kReplacement;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = kReplacement;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        --p_;
        fail("invalid escape sequence, found " + describe_here());
      }
    }
  }

  void parse_number(std::string& out) {
    const char* start = p_;
    if (*p_ == '-')
      ++p_;
    if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9'))
      fail("invalid number: expected a digit, found " + describe_here());
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9'))
        fail("invalid number: expected a digit after '.'");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-'))
        ++p_;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9'))
        fail("invalid number: expected a digit in the exponent");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9')
        ++p_;
    }
    out.assign(start, static_cast<std::size_t>(p_ - start));
  }

  const char* begin_;
  const char* p_;
  const char* end_;
};

} // namespace

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
  if (type != Type::Object)
    return nullptr;
  for (const auto& m : members)
    if (m.first == key)
      return &m.second;
  return nullptr;
}

namespace {

// Decimal text, or an integral value written in exponent or fraction form ("1e3", "5.0").
template <class Int>
bool to_integer(const JsonValue& j, Int& v, double lowest, double limit) noexcept {
  if (j.type != JsonValue::Type::Number && j.type != JsonValue::Type::String)
    return false;
  const char* b = j.text.data();
  const char* e = b + j.text.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec == std::errc() && r.ptr == e)
    return true;
  double d;
  if (!j.to_double(d) || !std::isfinite(d) || std::trunc(d) != d || d < lowest || d >= limit)
    return false;
  v = static_cast<Int>(d);
  return true;
}

} // namespace

bool JsonValue::to_int64(std::int64_t& v) const noexcept {
  return to_integer(*this, v, -9.2233720368547758e18, 9.2233720368547758e18);
}

bool JsonValue::to_uint64(std::uint64_t& v) const noexcept {
  return to_integer(*this, v, 0.0, 1.8446744073709552e19);
}

bool JsonValue::to_double(double& v) const noexcept {
  if (type == Type::String) {
    if (text == "NaN") {
      v = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (text == "Infinity") {
      v = std::numeric_limits<double>::infinity();
      return true;
    }
    if (text == "-Infinity") {
      v = -std::numeric_limits<double>::infinity();
      return true;
    }
  } else if (type != Type::Number) {
    return false;
  }
  if (text.empty())
    return false;
  // strtod is locale-dependent for the decimal point; JSON always uses '.', and the runtime
  // never calls setlocale, but a host program may. from_chars is locale-free.
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

const char* json_type_name(JsonValue::Type type) noexcept {
  switch (type) {
  case JsonValue::Type::Null:
    return "null";
  case JsonValue::Type::Bool:
    return "boolean";
  case JsonValue::Type::Number:
    return "number";
  case JsonValue::Type::String:
    return "string";
  case JsonValue::Type::Array:
    return "array";
  case JsonValue::Type::Object:
    return "object";
  }
  return "?";
}

bool decode_hex_id(std::string_view text, std::uint8_t* out, std::size_t n) noexcept {
  if (text.size() != 2 * n)
    return false;
  // from_chars takes either case and, for an unsigned type, no sign.
  for (std::size_t i = 0; i < n; ++i) {
    const char* pair = text.data() + 2 * i;
    auto r = std::from_chars(pair, pair + 2, out[i], 16);
    if (r.ec != std::errc() || r.ptr != pair + 2)
      return false;
  }
  return true;
}

JsonValue parse_json(std::string_view input) {
  return Parser(input).parse_document();
}

bool parse_json(std::string_view input, JsonValue& out, std::string& error) {
  try {
    out = parse_json(input);
    return true;
  } catch (const JsonParseError& e) {
    out = JsonValue{};
    error = std::string(e.what()) + " at offset " + std::to_string(e.column() - 1);
    return false;
  }
}

} // namespace autospan::internal
