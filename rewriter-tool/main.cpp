// autospan-rewrite: inserts AUTOSPAN_FUNCTION("name"); into every function the autospan plugin
// would instrument, so that any compiler builds the same spans. See docs/rewriter-tool.md.
#include "compile_args.h"
#include "mirror_database.h"
#include "rewriter.h"

#include "selection/config.h"

#include "clang/Tooling/CommonOptionsParser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <tuple>
#include <vector>

namespace cl = llvm::cl;
using namespace autospan::rewriter;

namespace {

cl::OptionCategory Category("autospan-rewrite options");

cl::list<std::string> Namespaces("namespace", cl::cat(Category), cl::value_desc("pattern"),
                                 cl::desc("Instrument functions in this namespace subtree "
                                          "(repeatable; globs: app::*::detail, ::)"));
cl::list<std::string> Excludes("exclude", cl::cat(Category), cl::value_desc("pattern"),
                               cl::desc("Never instrument this subtree or function (repeatable)"));
cl::list<std::string> FilterFiles("filter-file", cl::cat(Category), cl::value_desc("path"),
                                  cl::desc("Read namespace:/exclude:/min-statements: lines"));
cl::list<std::string> MinStatements("min-statements", cl::cat(Category), cl::value_desc("n"),
                                    cl::desc("Skip bodies with fewer than n statements"));
cl::opt<bool> InPlace("in-place", cl::cat(Category),
                      cl::desc("Write the files instead of printing a unified diff"));
cl::opt<bool> Remove("remove", cl::cat(Category),
                     cl::desc("Undo: take out every AUTOSPAN_FUNCTION site and the #include "
                              "the rewriter added"));
cl::opt<bool> Check("check", cl::cat(Category),
                    cl::desc("Change nothing; exit 1 listing selected functions that are not "
                             "instrumented or carry an outdated name"));
cl::opt<std::string> SourceRoot("source-root", cl::cat(Category), cl::value_desc("dir"),
                                cl::desc("Only edit files below this directory"));
cl::opt<std::string> OutputDir("output-dir", cl::cat(Category), cl::value_desc("dir"),
                               cl::desc("Write every file below --source-root that the sources "
                                        "read, edited or not, into this mirror directory"));
cl::opt<std::string> Depfile("depfile", cl::cat(Category), cl::value_desc("path"),
                             cl::desc("Write a make-style list of the files read"));
cl::opt<bool> Verbose("verbose", cl::cat(Category),
                      cl::desc("Explain why functions are not instrumented"));
cl::opt<bool> Quiet("quiet", cl::cat(Category), cl::desc("No summary line"));

const char* const Overview = R"(Inserts AUTOSPAN_FUNCTION("name"); into every function the autospan
Clang plugin would instrument (same selection, same span names), and #include <autospan/autospan.h>
once per edited file. Prints a unified diff unless --in-place or --output-dir is given.

Exit codes: 0 done, 1 --check found something, 2 error (arguments, compile errors: nothing is
written).
)";

std::string absolute(llvm::StringRef Path) {
  llvm::SmallString<256> P(Path);
  llvm::sys::fs::make_absolute(P);
  llvm::sys::path::remove_dots(P, /*remove_dot_dot=*/true);
  return std::string(P);
}

// Settings in command-line order, so that --filter-file and --namespace interleave as written.
std::vector<std::tuple<unsigned, llvm::StringRef, std::string>> orderedSettings() {
  std::vector<std::tuple<unsigned, llvm::StringRef, std::string>> Settings;
  auto add = [&](cl::list<std::string>& List, llvm::StringRef Key) {
    for (unsigned I = 0; I < List.size(); ++I)
      Settings.emplace_back(List.getPosition(I), Key, List[I]);
  };
  add(Namespaces, "namespace");
  add(Excludes, "exclude");
  add(FilterFiles, "filter-file");
  add(MinStatements, "min-statements");
  std::sort(Settings.begin(), Settings.end());
  return Settings;
}

} // namespace

int main(int argc, const char** argv) {
  llvm::Expected<clang::tooling::CommonOptionsParser> Parser =
      clang::tooling::CommonOptionsParser::create(argc, argv, Category, cl::OneOrMore, Overview);
  if (!Parser) {
    llvm::errs() << llvm::toString(Parser.takeError());
    return ExitError;
  }

  Options Opts;
  for (const auto& [Position, Key, Value] : orderedSettings()) {
    (void)Position;
    if (auto Err = autospan::selection::applySetting(Opts.Selection, Key, Value)) {
      llvm::errs() << "autospan-rewrite: error: ";
      if (!Err->File.empty())
        llvm::errs() << Err->File << ":" << Err->Line << ":" << Err->Column << ": ";
      else
        llvm::errs() << "--" << Key << "=" << Value << ": ";
      llvm::errs() << Err->Message << "\n";
      return ExitError;
    }
  }
  if (Remove && Check) {
    llvm::errs() << "autospan-rewrite: error: --remove and --check exclude each other\n";
    return ExitError;
  }
  if (!Remove && Opts.Selection.Namespaces.empty())
    llvm::errs() << "autospan-rewrite: warning: no --namespace given: only functions marked "
                    "AUTOSPAN_TRACE are instrumented\n";
  if (!OutputDir.empty() && SourceRoot.empty()) {
    llvm::errs() << "autospan-rewrite: error: --output-dir needs --source-root\n";
    return ExitError;
  }
  Opts.Mode = Remove ? Mode::Remove : Check ? Mode::Check : Mode::Rewrite;
  if (!SourceRoot.empty())
    Opts.SourceRoot = absolute(SourceRoot);
  Opts.Verbose = Verbose;

  OutputOptions Out;
  Out.InPlace = InPlace;
  if (!OutputDir.empty())
    Out.OutputDir = absolute(OutputDir);
  Out.Depfile = Depfile;
  Out.Quiet = Quiet;
  llvm::SmallString<256> Cwd;
  if (!llvm::sys::fs::current_path(Cwd))
    Out.WorkingDir = std::string(Cwd);

  clang::tooling::ArgumentsAdjuster Adjuster = clang::tooling::combineAdjusters(
      getDropUnsupportedAdjuster(llvm::errs()),
      getRewriterDefaultsAdjuster(defaultResourceDir(), defaultHeaderDir(argv[0])));

  MirrorCompilationDatabase Database(Parser->getCompilations(), Opts.SourceRoot, Out.OutputDir);
  Rewriter R(std::move(Opts));
  if (!R.analyse(Database, Parser->getSourcePathList(), Adjuster)) {
    llvm::errs() << "autospan-rewrite: error: ";
    if (!R.plan().FailedUnits.empty())
      llvm::errs() << R.plan().FailedUnits.size() << " translation unit"
                   << (R.plan().FailedUnits.size() == 1 ? " does" : "s do")
                   << " not compile (see above); nothing was written\n";
    else
      llvm::errs() << "some files could not be processed (see above); nothing was written\n";
    return ExitError;
  }
  return R.finish(Out, llvm::outs(), llvm::errs());
}
