#include "constant_check.h"

#include "unified_diff.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace autospan::rewriter {
namespace {

struct Complaint {
  std::string Path; // canonical, empty when unknown
  unsigned Offset = 0;
  std::string Text; // file:line:col: level: message
  bool IsError = false;
};

// Keeps every error and note with its position; prints nothing.
class ComplaintCollector : public clang::DiagnosticConsumer {
public:
  std::vector<Complaint> Complaints;

  void HandleDiagnostic(clang::DiagnosticsEngine::Level Level,
                        const clang::Diagnostic& Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    if (Level != clang::DiagnosticsEngine::Error && Level != clang::DiagnosticsEngine::Fatal &&
        Level != clang::DiagnosticsEngine::Note)
      return;
    Complaint C;
    C.IsError = Level != clang::DiagnosticsEngine::Note;
    llvm::SmallString<256> Message;
    Info.FormatDiagnostic(Message);
    llvm::raw_string_ostream OS(C.Text);
    if (Info.hasSourceManager() && Info.getLocation().isValid()) {
      const clang::SourceManager& SM = Info.getSourceManager();
      clang::SourceLocation Loc = SM.getFileLoc(Info.getLocation());
      clang::FileID File = SM.getFileID(Loc);
      C.Offset = SM.getFileOffset(Loc);
      if (clang::OptionalFileEntryRef Entry = SM.getFileEntryRefForID(File))
        C.Path = SM.getFileManager().getCanonicalName(*Entry).str();
      OS << SM.getFilename(Loc) << ":" << SM.getLineNumber(File, C.Offset) << ":"
         << SM.getColumnNumber(File, C.Offset) << ": ";
    }
    OS << (C.IsError ? "error: " : "note: ") << Message;
    Complaints.push_back(std::move(C));
  }
};

} // namespace

unsigned originalOffset(const std::vector<TextEdit>& Edits, unsigned EditedOffset) {
  long Shift = 0; // edited minus original, before the current edit
  for (const TextEdit& E : Edits) {
    long EditedStart = static_cast<long>(E.Offset) + Shift;
    if (static_cast<long>(EditedOffset) < EditedStart)
      break;
    if (static_cast<long>(EditedOffset) < EditedStart + static_cast<long>(E.Text.size()))
      return E.Offset;
    Shift += static_cast<long>(E.Text.size()) - static_cast<long>(E.Length);
  }
  return static_cast<unsigned>(static_cast<long>(EditedOffset) - Shift);
}

bool withdrawConstantEvaluatedLambdas(Plan& P, const clang::tooling::CompilationDatabase& DB,
                                      const clang::tooling::ArgumentsAdjuster& Adjuster,
                                      const FinalEditsFn& FinalEdits) {
  while (!P.VerifyUnits.empty()) {
    // Every edited file, as it will be written.
    llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> Edited(
        new llvm::vfs::InMemoryFileSystem);
    llvm::StringMap<std::vector<TextEdit>> EditsByPath;
    for (auto& Entry : P.Files) {
      if (Entry.second.Edits.empty())
        continue;
      std::vector<TextEdit> Edits = FinalEdits(Entry.second);
      Edited->addFile(Entry.getKey(), 0,
                      llvm::MemoryBuffer::getMemBufferCopy(applyEdits(Entry.second.Original, Edits),
                                                           Entry.getKey()));
      EditsByPath[Entry.getKey()] = std::move(Edits);
    }
    llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> Overlay(
        new llvm::vfs::OverlayFileSystem(llvm::vfs::getRealFileSystem()));
    Overlay->pushOverlay(Edited);

    std::vector<std::string> Units(P.VerifyUnits.begin(), P.VerifyUnits.end());
    P.VerifyUnits.clear();
    clang::tooling::ClangTool Tool(DB, Units, std::make_shared<clang::PCHContainerOperations>(),
                                   Overlay);
    Tool.appendArgumentsAdjuster(Adjuster);
    ComplaintCollector Collector;
    Tool.setDiagnosticConsumer(&Collector);
    Tool.setPrintErrorMessage(false);
    std::unique_ptr<clang::tooling::FrontendActionFactory> Factory =
        clang::tooling::newFrontendActionFactory<clang::SyntaxOnlyAction>();
    if (Tool.run(Factory.get()) == 0)
      return true;

    // Withdraw the risky insertions that any complaint points into.
    bool Withdrew = false;
    for (const Complaint& C : Collector.Complaints) {
      auto FileIt = P.Files.find(C.Path);
      auto EditsIt = EditsByPath.find(C.Path);
      if (FileIt == P.Files.end() || EditsIt == EditsByPath.end())
        continue;
      unsigned Offset = originalOffset(EditsIt->second, C.Offset);
      auto& Planned = FileIt->second.Edits;
      for (auto It = Planned.begin(); It != Planned.end();) {
        const PlannedEdit& E = It->second;
        if (!E.ConstantRisk || Offset < E.RiskBegin || Offset >= E.RiskEnd) {
          ++It;
          continue;
        }
        Finding Note;
        Note.Path = C.Path;
        Note.Line =
            1 + static_cast<unsigned>(
                    llvm::StringRef(FileIt->second.Original).take_front(E.Edit.Offset).count('\n'));
        Note.Column = 1;
        Note.Message = "not instrumented '" + E.Function +
                       "': this lambda is evaluated at compile time, and AUTOSPAN_FUNCTION() "
                       "would stop it from being constexpr";
        P.Notes.insert(std::move(Note));
        It = Planned.erase(It);
        Withdrew = true;
      }
    }
    if (!Withdrew) {
      for (const Complaint& C : Collector.Complaints)
        llvm::errs() << C.Text << "\n";
      llvm::errs() << "autospan-rewrite: error: the rewritten code would not compile (see above)\n";
      return false;
    }
    P.VerifyUnits.insert(Units.begin(), Units.end());
  }
  return true;
}

} // namespace autospan::rewriter
