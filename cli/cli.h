// The `autospan` command line: argument parsing and the four commands.
#pragma once

#include <cstdio>

namespace autospan::cli {

// Exit codes (documented in --help and docs/viewing.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitInputError = 1, // a file could not be read, was malformed, or the output failed
  kExitUsage = 2,      // bad command line
};

int run(int argc, const char* const* argv, std::FILE* out = stdout, std::FILE* err = stderr);

} // namespace autospan::cli
