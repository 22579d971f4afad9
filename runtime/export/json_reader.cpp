#include "json_reader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace autospan::internal {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

class Parser {
public:
  explicit Parser(std::string_view in) : in_(in) {}

  bool parse(JsonValue& out, std::string& error) {
    skip_ws();
    bool ok = value(out, 0);
    if (ok) {
      skip_ws();
      if (pos_ != in_.size())
        ok = fail("trailing characters");
    }
    if (!ok)
      error = error_ + " at offset " + std::to_string(pos_);
    return ok;
  }

private:
  bool fail(const char* what) {
    if (error_.empty())
      error_ = what;
    return false;
  }
  void skip_ws() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }
  bool literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word)
      return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool value(JsonValue& v, int depth) {
    if (depth > kJsonMaxDepth)
      return fail("nesting too deep");
    if (pos_ >= in_.size())
      return fail("unexpected end of input");
    char c = in_[pos_];
    switch (c) {
    case '{':
      return object(v, depth);
    case '[':
      return array(v, depth);
    case '"':
      v.type = JsonValue::Type::String;
      return string(v.text);
    case 't':
      v.type = JsonValue::Type::Bool;
      v.boolean = true;
      return literal("true");
    case 'f':
      v.type = JsonValue::Type::Bool;
      v.boolean = false;
      return literal("false");
    case 'n':
      v.type = JsonValue::Type::Null;
      return literal("null");
    default:
      return number(v);
    }
  }

  bool object(JsonValue& v, int depth) {
    v.type = JsonValue::Type::Object;
    ++pos_; // '{'
    skip_ws();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (pos_ >= in_.size() || in_[pos_] != '"')
        return fail("expected object key");
      v.members.emplace_back();
      if (!string(v.members.back().first))
        return false;
      skip_ws();
      if (pos_ >= in_.size() || in_[pos_] != ':')
        return fail("expected ':'");
      ++pos_;
      skip_ws();
      if (!value(v.members.back().second, depth + 1))
        return false;
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(JsonValue& v, int depth) {
    v.type = JsonValue::Type::Array;
    ++pos_; // '['
    skip_ws();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_ws();
      v.items.emplace_back();
      if (!value(v.items.back(), depth + 1))
        return false;
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool hex4(std::uint32_t& cp) {
    if (in_.size() - pos_ < 4)
      return fail("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = in_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9')
        cp |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      else
        return fail("invalid \\u escape");
    }
    return true;
  }

  bool string(std::string& out) {
    ++pos_; // opening quote
    for (;;) {
      std::size_t run = pos_;
      while (pos_ < in_.size() && in_[pos_] != '"' && in_[pos_] != '\\' &&
             static_cast<unsigned char>(in_[pos_]) >= 0x20)
        ++pos_;
      out.append(in_.data() + run, pos_ - run);
      if (pos_ >= in_.size())
        return fail("unterminated string");
      char c = in_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\')
        return fail("control character in string");
      if (++pos_ >= in_.size())
        return fail("unterminated string");
      char e = in_[pos_++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
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
        std::uint32_t cp;
        if (!hex4(cp))
          return false;
        if (cp >= 0xd800 && cp < 0xdc00 && in_.substr(pos_, 2) == "\\u") {
          std::size_t save = pos_;
          pos_ += 2;
          std::uint32_t low;
          if (!hex4(low))
            return false;
          if (low >= 0xdc00 && low < 0xe000)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          else
            pos_ = save; // lone high surrogate; the next escape stands on its own
        }
        if (cp >= 0xd800 && cp < 0xe000)
          cp = 0xfffd;
        append_utf8(out, cp);
        break;
      }
      default:
        return fail("invalid escape");
      }
    }
  }

  bool number(JsonValue& v) {
    std::size_t start = pos_;
    auto digits = [&] {
      std::size_t d = pos_;
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9')
        ++pos_;
      return pos_ - d;
    };
    if (pos_ < in_.size() && in_[pos_] == '-')
      ++pos_;
    if (pos_ < in_.size() && in_[pos_] == '0')
      ++pos_;
    else if (digits() == 0)
      return fail("invalid value");
    if (pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      if (digits() == 0)
        return fail("invalid number");
    }
    if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-'))
        ++pos_;
      if (digits() == 0)
        return fail("invalid number");
    }
    v.type = JsonValue::Type::Number;
    v.text.assign(in_.data() + start, pos_ - start);
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
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

bool JsonValue::to_int64(std::int64_t& v) const noexcept {
  if (type != Type::Number && type != Type::String)
    return false;
  const char* b = text.data();
  const char* e = b + text.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec == std::errc() && r.ptr == e)
    return true;
  // Integral values written in exponent or fraction form ("1e3", "5.0").
  double d;
  if (!to_double(d) || !std::isfinite(d) || std::trunc(d) != d || d < -9.2233720368547758e18 ||
      d >= 9.2233720368547758e18)
    return false;
  v = static_cast<std::int64_t>(d);
  return true;
}

bool JsonValue::to_uint64(std::uint64_t& v) const noexcept {
  if (type != Type::Number && type != Type::String)
    return false;
  const char* b = text.data();
  const char* e = b + text.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec == std::errc() && r.ptr == e)
    return true;
  double d;
  if (!to_double(d) || !std::isfinite(d) || std::trunc(d) != d || d < 0 ||
      d >= 1.8446744073709552e19)
    return false;
  v = static_cast<std::uint64_t>(d);
  return true;
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

bool parse_json(std::string_view input, JsonValue& out, std::string& error) {
  out = JsonValue{};
  return Parser(input).parse(out, error);
}

} // namespace autospan::internal
