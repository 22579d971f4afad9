// autospan-rewrite as a library: analyse translation units, then print a diff, write files, or
// report for --check. main.cpp only parses the command line.
#ifndef AUTOSPAN_REWRITER_REWRITER_H
#define AUTOSPAN_REWRITER_REWRITER_H

#include "rewrite_plan.h"

#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace autospan::rewriter {

// Exit codes of autospan-rewrite.
enum ExitCode : int {
  ExitOk = 0,
  ExitCheckFailed = 1, // --check: something selected is not instrumented (or under an old name)
  ExitError = 2,       // bad arguments, a TU that does not compile, a file that cannot be written
};

struct OutputOptions {
  bool InPlace = false;
  // Mirror of Options::SourceRoot receiving every file under it that the TUs read, edited or
  // not (for build integration: the source tree stays untouched).
  std::string OutputDir;
  std::string Depfile;
  // Diff headers name files relative to this directory when they are below it.
  std::string WorkingDir;
  bool Quiet = false;
};

class Rewriter {
public:
  explicit Rewriter(Options Opts);

  // Runs the analysis over Files. False when a TU failed to compile; its diagnostics have been
  // printed and nothing may be written.
  bool analyse(const clang::tooling::CompilationDatabase& DB, llvm::ArrayRef<std::string> Files,
               clang::tooling::ArgumentsAdjuster Adjuster);

  // The edits of one file in application order, the #include the file needs included.
  std::vector<TextEdit> finalEdits(const FileEdits& F) const;

  // Prints the diff, writes files or reports findings, and a summary on Err. Returns an
  // ExitCode.
  int finish(const OutputOptions& Out, llvm::raw_ostream& OS, llvm::raw_ostream& Err);

  const Plan& plan() const { return P; }

private:
  Plan P;
  double AnalysisSeconds = 0;    // wall clock
  double AnalysisCpuSeconds = 0; // user + system
};

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_REWRITER_H
