// What autospan-rewrite is going to do, gathered over all translation units before anything is
// written: edits per file (deduplicated by offset, so a header seen by many TUs is edited once),
// findings for --check, notes, and counters.
#ifndef AUTOSPAN_REWRITER_REWRITE_PLAN_H
#define AUTOSPAN_REWRITER_REWRITE_PLAN_H

#include "edit_format.h"

#include "selection/config.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace autospan::rewriter {

enum class Mode {
  Rewrite, // insert missing sites, update outdated names
  Remove,  // take out every AUTOSPAN_FUNCTION site and the include the rewriter added
  Check,   // report what Rewrite would change, change nothing
};

struct Options {
  selection::Config Selection;
  Mode Mode = Mode::Rewrite;
  // When set (absolute), only files below it are edited; others are left as they are.
  std::string SourceRoot;
  // Print every non-obvious reason for not instrumenting a function.
  bool Verbose = false;
};

// The include line the rewriter adds; the comment lets --remove take out exactly this line and
// never an include the user wrote.
inline constexpr llvm::StringRef IncludeLine =
    "#include <autospan/autospan.h> // added by autospan-rewrite";
inline constexpr llvm::StringRef IncludeName = "autospan/autospan.h";

// A message tied to a source position: a --check finding or a note.
struct Finding {
  std::string Path;
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Message;
  bool operator<(const Finding& O) const {
    return std::tie(Path, Line, Column, Message) < std::tie(O.Path, O.Line, O.Column, O.Message);
  }
};

enum class EditKind { Insert, Update, Remove, RemoveInclude };

struct PlannedEdit {
  TextEdit Edit;
  EditKind Kind = EditKind::Insert;
  std::string Function; // span name, for messages
  // An insertion into a lambda that is implicitly constexpr: the static descriptor the macro
  // declares takes that away, which breaks the build if the lambda is evaluated at compile time.
  // [RiskBegin, RiskEnd) is the lambda in the file, for matching the compiler's complaints.
  bool ConstantRisk = false;
  unsigned RiskBegin = 0, RiskEnd = 0;
  // What --check reports instead of making the edit (inserts and updates).
  std::optional<Finding> Check;
};

struct FileEdits {
  std::string Path;                      // absolute, as analysed
  std::string Original;                  // the bytes the edits refer to
  std::map<unsigned, PlannedEdit> Edits; // by offset
  bool IncludesAutospan = false;         // the file itself includes autospan/autospan.h
  IndentStyle Indent;
};

struct Plan {
  Options Opts;
  llvm::StringMap<FileEdits> Files;
  std::set<Finding> Notes; // stale sites, skip reasons (--verbose)
  // Every file read by a successful TU (for --depfile), and the analysed sources' sizes.
  std::set<std::string> FilesRead;
  unsigned TranslationUnits = 0;
  unsigned long long SourceLines = 0;
  std::vector<std::string> FailedUnits;
  // Main files of TUs that received a ConstantRisk insertion: compiled again with the edits
  // (also under --check, which reports the edits a rewrite would make).
  std::set<std::string> VerifyUnits;

  // The entry for Path, created with Content on first sight.
  FileEdits& file(llvm::StringRef Path, llvm::StringRef Content);
  // Records an edit unless one is already planned at that offset (another TU saw the same body).
  void addEdit(FileEdits& F, PlannedEdit E);
  bool underSourceRoot(llvm::StringRef Path) const;
};

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_REWRITE_PLAN_H
