// Unified diffs made from edits: line numbers, context, merging, files without a final newline.
#include "unified_diff.h"

#include <catch2/catch.hpp>

#include <string>

using namespace autospan::rewriter;

namespace {

std::string lines(int From, int To) {
  std::string S;
  for (int I = From; I <= To; ++I)
    S += "l" + std::to_string(I) + "\n";
  return S;
}

} // namespace

TEST_CASE("no edits, no diff") {
  CHECK(unifiedDiff("a", "b", "x\n", {}).empty());
}

TEST_CASE("a whole-line insertion is one added line with three lines of context") {
  std::string Old = lines(1, 10);
  unsigned At = static_cast<unsigned>(Old.find("l5"));
  std::string D = unifiedDiff("a/f", "b/f", Old, {{At, 0, "new\n"}});
  CHECK(D == "--- a/f\n+++ b/f\n@@ -2,6 +2,7 @@\n l2\n l3\n l4\n+new\n l5\n l6\n l7\n");
}

TEST_CASE("an in-line edit replaces the line") {
  std::string Old = lines(1, 3);
  unsigned At = static_cast<unsigned>(Old.find("l2") + 2);
  std::string D = unifiedDiff("a/f", "b/f", Old, {{At, 0, "X"}});
  CHECK(D == "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n l1\n-l2\n+l2X\n l3\n");
}

TEST_CASE("whole-line removal") {
  std::string Old = lines(1, 3);
  unsigned At = static_cast<unsigned>(Old.find("l2"));
  std::string D = unifiedDiff("a/f", "b/f", Old, {{At, 3, ""}});
  CHECK(D == "--- a/f\n+++ b/f\n@@ -1,3 +1,2 @@\n l1\n-l2\n l3\n");
}

TEST_CASE("distant edits make separate hunks whose new line numbers add up") {
  std::string Old = lines(1, 30);
  unsigned A = static_cast<unsigned>(Old.find("l3\n"));
  unsigned B = static_cast<unsigned>(Old.find("l25\n"));
  std::string D = unifiedDiff("a/f", "b/f", Old, {{A, 0, "x\ny\n"}, {B, 0, "z\n"}});
  CHECK(D == "--- a/f\n+++ b/f\n"
             "@@ -1,5 +1,7 @@\n l1\n l2\n+x\n+y\n l3\n l4\n l5\n"
             "@@ -22,6 +24,7 @@\n l22\n l23\n l24\n+z\n l25\n l26\n l27\n");
}

TEST_CASE("close edits share a hunk") {
  std::string Old = lines(1, 12);
  unsigned A = static_cast<unsigned>(Old.find("l3\n"));
  unsigned B = static_cast<unsigned>(Old.find("l9\n"));
  std::string D = unifiedDiff("a/f", "b/f", Old, {{A, 0, "x\n"}, {B, 0, "y\n"}});
  CHECK(D == "--- a/f\n+++ b/f\n@@ -1,11 +1,13 @@\n l1\n l2\n+x\n l3\n l4\n l5\n l6\n l7\n l8\n"
             "+y\n l9\n l10\n l11\n");
}

TEST_CASE("insertion at the very start and a file without a final newline") {
  std::string D = unifiedDiff("a/f", "b/f", "l1\nl2", {{0, 0, "top\n"}, {5, 0, ";"}});
  CHECK(D == "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n+top\n l1\n-l2\n\\ No newline at end of file\n"
             "+l2;\n\\ No newline at end of file\n");
}

TEST_CASE("two edits on one line form one changed line") {
  std::string Old = "ab\n";
  std::string D = unifiedDiff("a/f", "b/f", Old, {{0, 0, "1"}, {1, 0, "2"}});
  CHECK(D == "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-ab\n+1a2b\n");
}
