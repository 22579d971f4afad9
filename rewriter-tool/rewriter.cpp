#include "rewriter.h"

#include "constant_check.h"
#include "file_output.h"
#include "tu_analysis.h"
#include "unified_diff.h"

#include "clang/Format/Format.h"
#include "clang/Tooling/Inclusions/HeaderIncludes.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <algorithm>
#include <chrono>

namespace autospan::rewriter {
namespace {

// Where the rewriter's #include goes: HeaderIncludes' choice under the project's include style
// (.clang-format categories), with the marker comment.
std::optional<TextEdit> includeEdit(const FileEdits& F) {
  clang::tooling::IncludeStyle Style;
  llvm::Expected<clang::format::FormatStyle> Format =
      clang::format::getStyle("file", F.Path, "LLVM", F.Original);
  if (Format)
    Style = Format->IncludeStyle;
  else
    llvm::consumeError(Format.takeError());
  clang::tooling::HeaderIncludes Includes(F.Path, F.Original, Style);
  std::optional<clang::tooling::Replacement> R =
      Includes.insert(IncludeName, /*IsAngled=*/true, clang::tooling::IncludeDirective::Include);
  if (!R)
    return std::nullopt;
  const bool CRLF = llvm::StringRef(F.Original).split('\n').first.ends_with("\r");
  TextEdit E;
  E.Offset = R->getOffset();
  E.Text = (R->getReplacementText().starts_with("\n") ? "\n" : "") + IncludeLine.str() +
           (CRLF ? "\r\n" : "\n");
  return E;
}

std::string displayPath(llvm::StringRef Path, llvm::StringRef WorkingDir) {
  if (WorkingDir.empty())
    return Path.str();
  llvm::StringRef Base = WorkingDir.rtrim('/');
  if (Path.starts_with(Base) && Path.size() > Base.size() + 1 && Path[Base.size()] == '/')
    return Path.substr(Base.size() + 1).str();
  return Path.str();
}

void printFindings(const std::set<Finding>& Findings, llvm::StringRef Severity,
                   llvm::StringRef WorkingDir, llvm::raw_ostream& OS) {
  for (const Finding& F : Findings)
    OS << displayPath(F.Path, WorkingDir) << ":" << F.Line << ":" << F.Column << ": " << Severity
       << ": " << F.Message << "\n";
}

std::string mirrorPath(llvm::StringRef Path, llvm::StringRef Root, llvm::StringRef OutputDir) {
  llvm::SmallString<256> Out(OutputDir);
  llvm::sys::path::append(Out, Path.substr(Root.rtrim('/').size()));
  return std::string(Out);
}

} // namespace

Rewriter::Rewriter(Options Opts) {
  P.Opts = std::move(Opts);
}

bool Rewriter::analyse(const clang::tooling::CompilationDatabase& DB,
                       llvm::ArrayRef<std::string> Files,
                       clang::tooling::ArgumentsAdjuster Adjuster) {
  auto Start = std::chrono::steady_clock::now();
  std::chrono::nanoseconds UserStart, SystemStart;
  llvm::sys::TimePoint<> Ignored;
  llvm::sys::Process::GetTimeUsage(Ignored, UserStart, SystemStart);
  clang::tooling::ClangTool Tool(DB, Files);
  if (Adjuster)
    Tool.appendArgumentsAdjuster(Adjuster);
  std::unique_ptr<clang::tooling::FrontendActionFactory> Factory = newAnalysisActionFactory(P);
  int Result = Tool.run(Factory.get());
  // 2: some files had no compile command (ClangTool said which).
  bool Ok = Result == 0 && P.FailedUnits.empty();
  if (Ok && P.Opts.Mode != Mode::Remove)
    Ok = withdrawConstantEvaluatedLambdas(P, DB, Adjuster,
                                          [this](const FileEdits& F) { return finalEdits(F); });
  AnalysisSeconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  std::chrono::nanoseconds UserEnd, SystemEnd;
  llvm::sys::Process::GetTimeUsage(Ignored, UserEnd, SystemEnd);
  AnalysisCpuSeconds +=
      std::chrono::duration<double>((UserEnd - UserStart) + (SystemEnd - SystemStart)).count();
  return Ok;
}

std::vector<TextEdit> Rewriter::finalEdits(const FileEdits& F) const {
  std::vector<TextEdit> Edits;
  bool Inserts = false;
  for (const auto& Entry : F.Edits) {
    Edits.push_back(Entry.second.Edit);
    Inserts |= Entry.second.Kind == EditKind::Insert;
  }
  if (Inserts && !F.IncludesAutospan)
    if (std::optional<TextEdit> Include = includeEdit(F))
      // Before any other edit at the same offset: the #include starts its line.
      Edits.insert(std::lower_bound(
                       Edits.begin(), Edits.end(), *Include,
                       [](const TextEdit& A, const TextEdit& B) { return A.Offset < B.Offset; }),
                   *Include);
  return Edits;
}

int Rewriter::finish(const OutputOptions& Out, llvm::raw_ostream& OS, llvm::raw_ostream& Err) {
  printFindings(P.Notes, "note", Out.WorkingDir, Err);
  int Code = ExitOk;
  unsigned Inserted = 0, Updated = 0, Removed = 0, FilesChanged = 0;

  std::vector<const FileEdits*> Files;
  for (const auto& Entry : P.Files)
    Files.push_back(&Entry.second);
  llvm::sort(Files, [](const FileEdits* A, const FileEdits* B) { return A->Path < B->Path; });

  std::set<Finding> CheckFindings;
  if (P.Opts.Mode == Mode::Check) {
    for (const FileEdits* F : Files)
      for (const auto& Entry : F->Edits)
        if (Entry.second.Check)
          CheckFindings.insert(*Entry.second.Check);
    printFindings(CheckFindings, "error", Out.WorkingDir, OS);
    if (!CheckFindings.empty())
      Code = ExitCheckFailed;
  }

  llvm::StringMap<std::string> NewContents;
  for (const FileEdits* F : Files) {
    if (F->Edits.empty() || P.Opts.Mode == Mode::Check)
      continue;
    for (const auto& Entry : F->Edits) {
      Inserted += Entry.second.Kind == EditKind::Insert;
      Updated += Entry.second.Kind == EditKind::Update;
      Removed += Entry.second.Kind == EditKind::Remove;
    }
    ++FilesChanged;
    std::vector<TextEdit> Edits = finalEdits(*F);
    if (!Out.InPlace && Out.OutputDir.empty()) {
      std::string Name = displayPath(F->Path, Out.WorkingDir);
      bool Relative = !llvm::sys::path::is_absolute(Name);
      OS << unifiedDiff(Relative ? "a/" + Name : Name, Relative ? "b/" + Name : Name, F->Original,
                        Edits);
      continue;
    }
    NewContents[F->Path] = applyEdits(F->Original, Edits);
  }

  // Nothing was edited unless the file on disk is still the one analysed.
  auto writeChecked = [&](llvm::StringRef Source, llvm::StringRef Target, llvm::StringRef Expected,
                          llvm::StringRef Content) {
    llvm::Expected<std::string> Current = readFile(Source);
    if (!Current) {
      Err << "autospan-rewrite: error: " << llvm::toString(Current.takeError()) << "\n";
      Code = ExitError;
      return;
    }
    if (*Current != Expected) {
      Err << "autospan-rewrite: error: '" << Source
          << "' changed while it was being analysed; not written\n";
      Code = ExitError;
      return;
    }
    if (Source != Target) {
      llvm::Expected<std::string> Existing = readFile(Target);
      if (Existing && *Existing == Content) {
        llvm::consumeError(Existing.takeError());
        return; // unchanged mirror: keep its timestamp, nothing is rebuilt
      }
      llvm::consumeError(Existing.takeError());
    }
    if (llvm::Error E = writeFileAtomically(Target, Content)) {
      Err << "autospan-rewrite: error: " << llvm::toString(std::move(E)) << "\n";
      Code = ExitError;
    }
  };

  if (Out.InPlace && P.Opts.Mode != Mode::Check) {
    for (const auto& Entry : NewContents)
      writeChecked(Entry.getKey(), Entry.getKey(), P.Files.find(Entry.getKey())->second.Original,
                   Entry.getValue());
  }
  if (!Out.OutputDir.empty() && P.Opts.Mode != Mode::Check) {
    for (const std::string& Path : P.FilesRead) {
      if (!P.underSourceRoot(Path))
        continue;
      std::string Target = mirrorPath(Path, P.Opts.SourceRoot, Out.OutputDir);
      auto Edited = NewContents.find(Path);
      if (Edited != NewContents.end()) {
        writeChecked(Path, Target, P.Files.find(Path)->second.Original, Edited->getValue());
        continue;
      }
      llvm::Expected<std::string> Content = readFile(Path);
      if (!Content) {
        Err << "autospan-rewrite: error: " << llvm::toString(Content.takeError()) << "\n";
        Code = ExitError;
        continue;
      }
      writeChecked(Path, Target, *Content, *Content);
    }
  }
  if (!Out.Depfile.empty()) {
    std::vector<std::string> Deps(P.FilesRead.begin(), P.FilesRead.end());
    std::string Target = Out.Depfile;
    if (llvm::StringRef(Target).ends_with(".d"))
      Target.resize(Target.size() - 2);
    if (llvm::Error E = writeDepfile(Out.Depfile, Target, Deps)) {
      Err << "autospan-rewrite: error: " << llvm::toString(std::move(E)) << "\n";
      Code = ExitError;
    }
  }

  if (!Out.Quiet) {
    double Seconds = std::max(AnalysisSeconds, 1e-9);
    Err << "autospan-rewrite: " << P.TranslationUnits << " translation unit"
        << (P.TranslationUnits == 1 ? "" : "s") << ", " << P.SourceLines << " lines in "
        << llvm::format("%.2f", AnalysisSeconds) << " s ("
        << llvm::format("%.1f", P.TranslationUnits / Seconds) << " files/s, "
        << llvm::format("%.0f", P.SourceLines / Seconds) << " lines/s; "
        << llvm::format("%.2f", AnalysisCpuSeconds) << " s CPU); ";
    if (P.Opts.Mode == Mode::Check)
      Err << CheckFindings.size() << " finding" << (CheckFindings.size() == 1 ? "" : "s");
    else if (P.Opts.Mode == Mode::Remove)
      Err << Removed << " site" << (Removed == 1 ? "" : "s") << " removed from " << FilesChanged
          << " file" << (FilesChanged == 1 ? "" : "s");
    else
      Err << Inserted << " site" << (Inserted == 1 ? "" : "s") << " inserted, " << Updated
          << " renamed, in " << FilesChanged << " file" << (FilesChanged == 1 ? "" : "s");
    Err << "\n";
  }
  return Code;
}

} // namespace autospan::rewriter
