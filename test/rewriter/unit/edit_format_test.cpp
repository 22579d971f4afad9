// The inserted statement's layout, and that removal gives back the exact original bytes.
#include "edit_format.h"
#include "unified_diff.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace autospan::rewriter;

namespace {

// Inserts the statement into the body whose `{` is the first in Code.
std::string insertInto(const std::string& Code, IndentStyle Indent = {}) {
  unsigned LBrace = static_cast<unsigned>(Code.find('{'));
  // The first token after the brace: skip blanks and comments like the lexer does.
  unsigned Next = LBrace + 1;
  while (Next < Code.size()) {
    if (Code[Next] == ' ' || Code[Next] == '\t' || Code[Next] == '\n' || Code[Next] == '\r') {
      ++Next;
    } else if (Code.compare(Next, 2, "//") == 0) {
      Next = static_cast<unsigned>(Code.find('\n', Next));
    } else if (Code.compare(Next, 2, "/*") == 0) {
      Next = static_cast<unsigned>(Code.find("*/", Next) + 2);
    } else {
      break;
    }
  }
  TextEdit E = insertionEdit(Code, LBrace, Next, Code[Next] == '}', functionStatement("f"), Indent);
  return applyEdits(Code, {E});
}

std::string removeFrom(const std::string& Code) {
  unsigned Begin = static_cast<unsigned>(Code.find("AUTOSPAN_FUNCTION"));
  unsigned End = static_cast<unsigned>(Code.find(';', Begin) + 1);
  return applyEdits(Code, {removalEdit(Code, Begin, End)});
}

} // namespace

TEST_CASE("one-line bodies get the statement on the same line") {
  CHECK(insertInto("int f() { return 1; }") == "int f() { AUTOSPAN_FUNCTION(\"f\"); return 1; }");
  CHECK(insertInto("int f() {return 1;}") == "int f() { AUTOSPAN_FUNCTION(\"f\");return 1;}");
  CHECK(insertInto("void f() {}") == "void f() { AUTOSPAN_FUNCTION(\"f\");}");
  CHECK(insertInto("void f() { }") == "void f() { AUTOSPAN_FUNCTION(\"f\"); }");
  CHECK(insertInto("int f() { /* c */ return 1; }") ==
        "int f() { /* c */ AUTOSPAN_FUNCTION(\"f\"); return 1; }");
}

TEST_CASE("multi-line bodies get a line of their own, indented like the body") {
  CHECK(insertInto("int f() {\n    return 1;\n}\n") ==
        "int f() {\n    AUTOSPAN_FUNCTION(\"f\");\n    return 1;\n}\n");
  CHECK(insertInto("int f() { // why\n  return 1;\n}\n") ==
        "int f() { // why\n  AUTOSPAN_FUNCTION(\"f\");\n  return 1;\n}\n");
  CHECK(insertInto("int f() {\n  // about return\n  return 1;\n}\n") ==
        "int f() {\n  AUTOSPAN_FUNCTION(\"f\");\n  // about return\n  return 1;\n}\n");
  CHECK(insertInto("\tint f() {\n\t\treturn 1;\n\t}\n") ==
        "\tint f() {\n\t\tAUTOSPAN_FUNCTION(\"f\");\n\t\treturn 1;\n\t}\n");
  CHECK(insertInto("int f() {\r\n  return 1;\r\n}\r\n") ==
        "int f() {\r\n  AUTOSPAN_FUNCTION(\"f\");\r\n  return 1;\r\n}\r\n");
}

TEST_CASE("empty multi-line bodies are indented one step past the closing brace") {
  CHECK(insertInto("  void f() {\n  }\n") == "  void f() {\n    AUTOSPAN_FUNCTION(\"f\");\n  }\n");
  CHECK(insertInto("void f() {\n}\n", IndentStyle{4, false}) ==
        "void f() {\n    AUTOSPAN_FUNCTION(\"f\");\n}\n");
  CHECK(insertInto("void f() {\n}\n", IndentStyle{8, true}) ==
        "void f() {\n\tAUTOSPAN_FUNCTION(\"f\");\n}\n");
}

TEST_CASE("a line break inside a block comment is no place for a statement") {
  CHECK(insertInto("int f() { /* a\n b */ return 1;\n}\n") ==
        "int f() { /* a\n b */ AUTOSPAN_FUNCTION(\"f\"); return 1;\n}\n");
  CHECK(insertInto("int f() { /* a\n b */\n  return 1;\n}\n") ==
        "int f() { /* a\n b */\n  AUTOSPAN_FUNCTION(\"f\");\n  return 1;\n}\n");
}

TEST_CASE("removal restores every layout byte for byte") {
  const std::vector<std::string> Bodies = {
      "int f() { return 1; }",
      "int f() {return 1;}",
      "void f() {}",
      "void f() { }",
      "void f() {  }",
      "int f() { /* c */ return 1; }",
      "int f() {\n  return 1;\n}\n",
      "int f() {\n\n  return 1;\n}\n",
      "int f() { // why\n  return 1;\n}\n",
      "void f() {\n}\n",
      "void f() {\n}",
      "\tint f() {\n\t\treturn 1;\n\t}\n",
      "int f() {\r\n  return 1;\r\n}\r\n",
      "int f() { /* a\n b */ return 1;\n}\n",
      "int f() { int y = 1;\n  return y;\n}\n",
  };
  for (const std::string& Body : Bodies) {
    INFO(Body);
    std::string Inserted = insertInto(Body);
    CHECK(Inserted != Body);
    CHECK(removeFrom(Inserted) == Body);
  }
}

TEST_CASE("hand-written sites are removed with the whitespace that joins them") {
  CHECK(removeFrom("int f() { /* c */ AUTOSPAN_FUNCTION(\"f\");\n  return 1;\n}") ==
        "int f() { /* c */\n  return 1;\n}");
  CHECK(removeFrom("int f() {AUTOSPAN_FUNCTION(\"f\");}") == "int f() {}");
  CHECK(removeFrom("int f() {\n  AUTOSPAN_FUNCTION ( \"f\" ) ;  \n}") == "int f() {\n}");
}

TEST_CASE("span names are written as valid string literals") {
  CHECK(quoteSpanName("app::f") == "\"app::f\"");
  CHECK(quoteSpanName("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quoteSpanName("back\\slash") == "\"back\\\\slash\"");
  CHECK(quoteSpanName("tab\there") == "\"tab\\011here\"");
  CHECK(quoteSpanName("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
}
