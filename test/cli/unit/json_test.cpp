#include "json.h"

#include <catch2/catch.hpp>

using autospan::cli::json::parse;
using autospan::cli::json::ParseError;
using autospan::cli::json::Type;

namespace {

// The 1-based column a ParseError reports for `text`, or 0 when it parses.
std::size_t error_column(const std::string& text, std::string* message = nullptr) {
  try {
    parse(text);
  } catch (const ParseError& e) {
    if (message != nullptr)
      *message = e.what();
    return e.column();
  }
  return 0;
}

} // namespace

TEST_CASE("json: values of every type", "[json]") {
  auto v = parse(R"( {"a": [1, -2.5e3, "x", true, false, null], "b": {}} )");
  REQUIRE(v.is_object());
  const auto* a = v.find("a");
  REQUIRE(a != nullptr);
  REQUIRE(a->items.size() == 6);
  CHECK(a->items[0].text == "1");
  CHECK(a->items[1].text == "-2.5e3"); // numbers keep their source text
  CHECK(a->items[2].text == "x");
  CHECK(a->items[3].type == Type::Bool);
  CHECK(a->items[3].boolean);
  CHECK_FALSE(a->items[4].boolean);
  CHECK(a->items[5].is_null());
  CHECK(v.find("b")->is_object());
  CHECK(v.find("missing") == nullptr);
}

TEST_CASE("json: 64-bit integers are not rounded", "[json]") {
  CHECK(parse("18446744073709551615").text == "18446744073709551615");
}

TEST_CASE("json: string escapes and unicode", "[json]") {
  CHECK(parse(R"("a\"b\\c\/d\n\t\r\b\f")").text == "a\"b\\c/d\n\t\r\b\f");
  CHECK(parse(R"("\u00b5")").text == "\xc2\xb5");
  CHECK(parse(R"("\ud83d\ude00")").text == "\xf0\x9f\x98\x80"); // surrogate pair
  CHECK(parse(R"("\ud83d")").text == "\xef\xbf\xbd");           // lone high half
  CHECK(parse(R"("\ude00x")").text == "\xef\xbf\xbdx");         // lone low half
  CHECK(parse("\"caf\xc3\xa9\"").text == "caf\xc3\xa9");        // valid UTF-8 kept
  CHECK(parse("\"a\xff"
              "b\"")
            .text == "a\xef\xbf\xbd"
                     "b");                                         // invalid byte replaced
  CHECK(parse("\"\xed\xa0\x80\"").text.find("\xef\xbf\xbd") == 0); // encoded surrogate
}

TEST_CASE("json: errors carry the column", "[json]") {
  std::string message;
  CHECK(error_column(R"({"a":1,})", &message) == 8);
  CHECK(message.find("member name") != std::string::npos);
  CHECK(error_column(R"({"a" 1})", &message) == 6);
  CHECK(message == "expected ':' after the member name, found '1'");
  CHECK(error_column(R"([1 2])", &message) == 4);
  CHECK(error_column(R"({"a":"x)", &message) == 6);
  CHECK(message == "unterminated string");
  CHECK(error_column("[01]") == 3);
  CHECK(error_column("[1.]") == 4);
  CHECK(error_column("[-]") == 3);
  CHECK(error_column("[1e]") == 4);
  CHECK(error_column("tru") == 1);
  CHECK(error_column("{} x", &message) == 4);
  CHECK(message == "unexpected text after the JSON value");
  CHECK(error_column("\"a\tb\"", &message) == 3);
  CHECK(message == "control character in string (must be escaped)");
  CHECK(error_column(R"("\x")") == 3); // at the bad escape letter
  CHECK(error_column(R"("\u12G4")") == 6);
  CHECK(error_column("") == 1);
  CHECK(error_column("[\x01]", &message) == 2);
  CHECK(message == "expected a value, found byte 0x01");
}

TEST_CASE("json: deep nesting is an error, not a stack overflow", "[json]") {
  std::string deep(100000, '[');
  std::string message;
  CHECK(error_column(deep, &message) > 0);
  CHECK(message == "nesting deeper than 256 levels");
  std::string ok = std::string(200, '[') + std::string(200, ']');
  CHECK(error_column(ok) == 0);
}

TEST_CASE("json: writer escapes, html-safe mode", "[json]") {
  using autospan::cli::json::append_string;
  std::string out;
  append_string(out, "a\"\\\n\x01</script>&");
  CHECK(out == "\"a\\\"\\\\\\n\\u0001</script>&\"");
  out.clear();
  append_string(out, "</script>&", true);
  CHECK(out == "\"\\u003c/script\\u003e\\u0026\"");
  CHECK(parse(out).text == "</script>&");
}
