// Smaller pieces of the tool: offset mapping for the constexpr-lambda check, compile commands
// borrowed from a source's rewritten copy, and the GCC-flag filter.
#include "compile_args.h"
#include "constant_check.h"
#include "mirror_database.h"

#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <string>

using namespace autospan::rewriter;

TEST_CASE("offsets in edited text map back to the original") {
  // Original "abcdefgh": "XY" inserted at 2, "ef" removed; edited text "abXYcdgh".
  std::vector<TextEdit> Edits = {{2, 0, "XY"}, {4, 2, ""}};
  CHECK(originalOffset(Edits, 0) == 0);
  CHECK(originalOffset(Edits, 1) == 1);
  CHECK(originalOffset(Edits, 2) == 2); // inside the insertion: its position
  CHECK(originalOffset(Edits, 3) == 2);
  CHECK(originalOffset(Edits, 4) == 2); // 'c'
  CHECK(originalOffset(Edits, 5) == 3); // 'd'
  CHECK(originalOffset(Edits, 6) == 6); // 'g', after the removal
}

TEST_CASE("a source borrows its rewritten copy's command, pointed back at the sources") {
  std::string Error;
  auto Base = clang::tooling::JSONCompilationDatabase::loadFromBuffer(
      R"([{"directory": "/b", "file": "/b/rw/t/src/a.cpp",
           "arguments": ["g++", "-I/b/rw/t/include", "-I/s/include", "-DX=1", "-c",
                         "/b/rw/t/src/a.cpp", "-o", "a.o"]}])",
      Error, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  REQUIRE(Base);
  MirrorCompilationDatabase DB(*Base, "/s", "/b/rw/t");
  auto Commands = DB.getCompileCommands("/s/src/a.cpp");
  REQUIRE(Commands.size() == 1);
  CHECK(Commands[0].Filename == "/s/src/a.cpp");
  CHECK(Commands[0].CommandLine == std::vector<std::string>{"g++", "-I/s/include", "-I/s/include",
                                                            "-DX=1", "-c", "/s/src/a.cpp", "-o",
                                                            "a.o"});
  CHECK(DB.getCompileCommands("/elsewhere/b.cpp").empty());
}

TEST_CASE("GCC-only and plugin flags are dropped, each noted once") {
  std::string Notes;
  llvm::raw_string_ostream OS(Notes);
  auto Adjust = getDropUnsupportedAdjuster(OS);
  clang::tooling::CommandLineArguments In = {"g++",
                                             "-std=c++17",
                                             "-fconcepts-diagnostics-depth=3",
                                             "-O2",
                                             "-fplugin=/p/autospan-plugin.so",
                                             "-fplugin-arg-autospan-namespace=app",
                                             "-Wall",
                                             "a.cpp"};
  clang::tooling::CommandLineArguments Out = Adjust(In, "a.cpp");
  CHECK(Out == clang::tooling::CommandLineArguments{"g++", "-std=c++17", "-O2", "-Wall", "a.cpp"});
  Adjust(In, "b.cpp");
  OS.flush();
  CHECK(llvm::StringRef(Notes).count("dropping '-fconcepts-diagnostics-depth=3'") == 1);
  CHECK(llvm::StringRef(Notes).count("dropping '-fplugin=/p/autospan-plugin.so'") == 1);
}
