#include "tu_analysis.h"

#include "existing_site.h"

#include "selection/selection.h"
#include "selection/system_headers.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/Lexer.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <vector>

using namespace clang;

namespace autospan::rewriter {
namespace {

// What the preprocessor saw: which files include autospan.h themselves, where the rewriter's own
// include lines are, and every file entered.
struct PreprocessorFacts {
  llvm::DenseSet<FileID> IncludesAutospan;
  llvm::DenseMap<FileID, std::vector<unsigned>> MarkerLines; // offsets of line starts
  llvm::DenseSet<FileID> Entered;
};

class FactsRecorder : public PPCallbacks {
public:
  FactsRecorder(const SourceManager& SM, PreprocessorFacts& Facts) : SM(SM), Facts(Facts) {}

  void FileChanged(SourceLocation Loc, FileChangeReason Reason, SrcMgr::CharacteristicKind,
                   FileID) override {
    if (Reason == EnterFile && Loc.isFileID())
      Facts.Entered.insert(SM.getFileID(Loc));
  }

  void InclusionDirective(SourceLocation HashLoc, const Token&, llvm::StringRef FileName, bool,
                          CharSourceRange, OptionalFileEntryRef, llvm::StringRef, llvm::StringRef,
                          const Module*, bool, SrcMgr::CharacteristicKind) override {
    if (FileName != IncludeName || !HashLoc.isFileID())
      return;
    FileID FID = SM.getFileID(HashLoc);
    Facts.IncludesAutospan.insert(FID);
    llvm::StringRef Buffer = SM.getBufferData(FID);
    unsigned Offset = SM.getFileOffset(HashLoc);
    size_t Start = Buffer.substr(0, Offset).rfind('\n');
    Start = Start == llvm::StringRef::npos ? 0 : Start + 1;
    llvm::StringRef Line = Buffer.substr(Start).split('\n').first;
    if (Line.ends_with("\r"))
      Line = Line.drop_back();
    if (Line == IncludeLine)
      Facts.MarkerLines[FID].push_back(static_cast<unsigned>(Start));
  }

private:
  const SourceManager& SM;
  PreprocessorFacts& Facts;
};

// Every function definition as written: template patterns rather than instantiations, lambdas'
// call operators (the visitor does not reach them through the closure class).
class FunctionCollector : public RecursiveASTVisitor<FunctionCollector> {
public:
  explicit FunctionCollector(selection::SystemHeaders& Headers) : Headers(Headers) {}

  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }

  // Skipping system headers wholesale keeps traversal cheap; selection would skip their
  // functions anyway.
  bool TraverseDecl(Decl* D) {
    if (D && !isa<TranslationUnitDecl>(D) && D->getLocation().isValid() &&
        Headers.contains(D->getLocation()))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitFunctionDecl(FunctionDecl* FD) {
    if (FD->doesThisDeclarationHaveABody())
      add(FD);
    return true;
  }

  bool VisitLambdaExpr(LambdaExpr* L) {
    if (CXXMethodDecl* Op = L->getCallOperator())
      add(Op);
    return true;
  }

  std::vector<const FunctionDecl*> Functions;

private:
  void add(const FunctionDecl* FD) {
    if (Seen.insert(FD).second)
      Functions.push_back(FD);
  }

  selection::SystemHeaders& Headers;
  llvm::SmallPtrSet<const FunctionDecl*, 32> Seen;
};

struct BodyPosition {
  FileID File;
  unsigned LBrace = 0;
  unsigned Next = 0; // first token after the `{`
  bool NextIsRBrace = false;
};

const CompoundStmt* outerBlock(const Stmt* Body) {
  if (const auto* Try = dyn_cast_or_null<CXXTryStmt>(Body))
    return Try->getTryBlock();
  return dyn_cast_or_null<CompoundStmt>(Body);
}

// Where the body's `{` is written (its spelling, when it came in through a macro argument).
std::optional<BodyPosition> bodyPosition(const Stmt* Body, const SourceManager& SM,
                                         const LangOptions& LO) {
  const CompoundStmt* Block = outerBlock(Body);
  if (!Block)
    return std::nullopt;
  SourceLocation Brace = SM.getFileLoc(Block->getLBracLoc());
  if (Brace.isInvalid())
    return std::nullopt;
  BodyPosition Pos;
  Pos.File = SM.getFileID(Brace);
  Pos.LBrace = SM.getFileOffset(Brace);
  bool Invalid = false;
  llvm::StringRef Buffer = SM.getBufferData(Pos.File, &Invalid);
  if (Invalid || Pos.LBrace >= Buffer.size() || Buffer[Pos.LBrace] != '{')
    return std::nullopt; // digraphs, or a location we cannot trust
  Lexer Raw(SM.getLocForStartOfFile(Pos.File), LO, Buffer.begin(), Buffer.begin() + Pos.LBrace + 1,
            Buffer.end());
  Token Tok;
  Raw.LexFromRawLexer(Tok);
  if (Tok.is(tok::eof))
    return std::nullopt;
  Pos.Next = SM.getFileOffset(Tok.getLocation());
  Pos.NextIsRBrace = Tok.is(tok::r_brace);
  return Pos;
}

// Line numbers as they were before the rewriter added lines to a file. Span names of lambdas
// carry a line number; naming them from the un-rewritten source keeps a second run from seeing
// every lambda below an insertion as renamed, and keeps the names equal to the plugin's.
class OriginalLines {
public:
  void addInsertedLine(FileID F, unsigned Line) { Inserted[F].push_back(Line); }
  void finish() {
    for (auto& Entry : Inserted)
      llvm::sort(Entry.second);
  }
  unsigned original(FileID F, unsigned Line) const {
    auto It = Inserted.find(F);
    if (It == Inserted.end())
      return Line;
    auto Before = std::lower_bound(It->second.begin(), It->second.end(), Line);
    return Line - static_cast<unsigned>(Before - It->second.begin());
  }

private:
  llvm::DenseMap<FileID, std::vector<unsigned>> Inserted;
};

// Rewrites the `<lambda at FILE:LINE>` components of Name (the selection library's documented
// format) to original line numbers.
std::string withOriginalLambdaLines(std::string Name, const FunctionDecl& FD,
                                    const SourceManager& SM, const OriginalLines& Lines) {
  for (const DeclContext* DC = FD.getDeclContext(); DC; DC = DC->getParent()) {
    const auto* Closure = dyn_cast<CXXRecordDecl>(DC);
    if (!Closure || !Closure->isLambda())
      continue;
    SourceLocation Loc = SM.getExpansionLoc(Closure->getLocation());
    PresumedLoc P = SM.getPresumedLoc(Loc);
    if (P.isInvalid())
      continue;
    unsigned Physical = SM.getSpellingLineNumber(Loc);
    unsigned Shift = Physical - Lines.original(SM.getFileID(Loc), Physical);
    if (Shift == 0)
      continue;
    std::string Base = llvm::sys::path::filename(P.getFilename()).str();
    std::string From = "<lambda at " + Base + ":" + std::to_string(P.getLine()) + ">";
    std::string To = "<lambda at " + Base + ":" + std::to_string(P.getLine() - Shift) + ">";
    for (size_t At = Name.find(From); At != std::string::npos; At = Name.find(From, At + To.size()))
      Name.replace(At, From.size(), To);
  }
  return Name;
}

PlannedEdit removal(TextEdit Edit, EditKind Kind, std::string Function) {
  PlannedEdit E;
  E.Edit = std::move(Edit);
  E.Kind = Kind;
  E.Function = std::move(Function);
  return E;
}

class AnalysisConsumer : public ASTConsumer {
public:
  AnalysisConsumer(Plan& P, CompilerInstance& CI, PreprocessorFacts& Facts)
      : P(P), CI(CI), Facts(Facts) {}

  void HandleTranslationUnit(ASTContext& Context) override {
    if (CI.getDiagnostics().hasErrorOccurred())
      return;
    SM = &Context.getSourceManager();
    Ctx = &Context;
    if (!Context.getLangOpts().CPlusPlus) {
      // AUTOSPAN_FUNCTION() is a C++ RAII guard; C sources are left to the plugin.
      P.Notes.insert(
          findingAt(SM->getMainFileID(), 0,
                    "not rewritten: AUTOSPAN_FUNCTION() needs C++ (C translation unit)"));
      return;
    }
    ++P.TranslationUnits;
    llvm::StringRef Main = SM->getBufferData(SM->getMainFileID());
    P.SourceLines += static_cast<unsigned long long>(Main.count('\n'));
    for (FileID F : Facts.Entered)
      if (std::optional<std::string> Path = pathOf(F))
        P.FilesRead.insert(*Path);

    selection::SystemHeaders TUHeaders(*SM, &CI.getPreprocessor().getHeaderSearchInfo());
    Headers = &TUHeaders;
    FunctionCollector Collector(TUHeaders);
    Collector.TraverseDecl(Context.getTranslationUnitDecl());

    // First the sites already written (their lines do not count for lambda names), then the
    // decisions.
    std::vector<std::optional<ExistingSite>> Existing;
    OriginalLines Lines;
    for (const FunctionDecl* FD : Collector.Functions) {
      Existing.push_back(findExistingSite(FD->getBody(), Context));
      const std::optional<ExistingSite>& Site = Existing.back();
      if (Site && Site->IsFunctionMacro) {
        llvm::StringRef Buffer = SM->getBufferData(Site->File);
        if (occupiesOwnLine(Buffer, Site->Begin, Site->End))
          Lines.addInsertedLine(Site->File, SM->getLineNumber(Site->File, Site->Begin));
      }
    }
    for (const auto& [File, Starts] : Facts.MarkerLines)
      for (unsigned Start : Starts)
        Lines.addInsertedLine(File, SM->getLineNumber(File, Start));
    Lines.finish();

    for (size_t I = 0; I < Collector.Functions.size(); ++I)
      handleFunction(*Collector.Functions[I], Existing[I], Lines);
    if (P.Opts.Mode == Mode::Remove)
      removeMarkerIncludes();
    for (FileID F : Facts.IncludesAutospan)
      if (std::optional<std::string> Path = pathOf(F))
        if (auto It = P.Files.find(*Path); It != P.Files.end())
          It->second.IncludesAutospan = true;
    Headers = nullptr;
  }

private:
  std::optional<std::string> pathOf(FileID F) {
    OptionalFileEntryRef Entry = SM->getFileEntryRefForID(F);
    if (!Entry)
      return std::nullopt;
    return CI.getFileManager().getCanonicalName(*Entry).str();
  }

  // The Plan's entry for F, or null when F may not be edited.
  FileEdits* editsFor(FileID F) {
    if (F.isInvalid() || Headers->contains(SM->getLocForStartOfFile(F)))
      return nullptr;
    std::optional<std::string> Path = pathOf(F);
    if (!Path || !P.underSourceRoot(*Path))
      return nullptr;
    return &P.file(*Path, SM->getBufferData(F));
  }

  Finding findingAt(FileID F, unsigned Offset, std::string Message) {
    Finding Fi;
    Fi.Path = pathOf(F).value_or("<unknown>");
    Fi.Line = SM->getLineNumber(F, Offset);
    Fi.Column = SM->getColumnNumber(F, Offset);
    Fi.Message = std::move(Message);
    return Fi;
  }

  Finding findingAt(SourceLocation Loc, std::string Message) {
    Loc = SM->getFileLoc(Loc);
    return findingAt(SM->getFileID(Loc), SM->getFileOffset(Loc), std::move(Message));
  }

  void handleFunction(const FunctionDecl& FD, const std::optional<ExistingSite>& Site,
                      const OriginalLines& Lines) {
    if (P.Opts.Mode == Mode::Remove) {
      if (Site && Site->IsFunctionMacro)
        if (FileEdits* F = editsFor(Site->File))
          P.addEdit(*F, removal(removalEdit(F->Original, Site->Begin, Site->End), EditKind::Remove,
                                Site->Name.value_or("")));
      return;
    }

    selection::Decision D = selection::decidePattern(FD, *Ctx, P.Opts.Selection, Headers);
    const bool AutomaticName = D.SpanName == D.FunctionName;
    D.FunctionName = withOriginalLambdaLines(std::move(D.FunctionName), FD, *SM, Lines);
    if (AutomaticName)
      D.SpanName = D.FunctionName;

    if (D.Instrument) {
      std::optional<BodyPosition> Pos = bodyPosition(FD.getBody(), *SM, Ctx->getLangOpts());
      if (!Pos)
        return note(FD.getLocation(), "cannot edit the body of '" + D.SpanName + "'");
      FileEdits* F = editsFor(Pos->File);
      if (!F)
        return;
      PlannedEdit E;
      E.Check = findingAt(Pos->File, Pos->LBrace, "'" + D.SpanName + "' is not instrumented");
      E.Edit = insertionEdit(F->Original, Pos->LBrace, Pos->Next, Pos->NextIsRBrace,
                             functionStatement(D.SpanName), F->Indent);
      E.Function = D.SpanName;
      markConstantRisk(FD, Pos->File, E);
      P.addEdit(*F, std::move(E));
      return;
    }

    if (D.Reason == selection::SkipReason::AlreadyInstrumented) {
      if (!Site || !Site->IsFunctionMacro || !Site->ArgumentIsLiteral || !Site->Name ||
          Site->ArgumentBegin == Site->ArgumentEnd || *Site->Name == D.SpanName)
        return; // up to date, or written by hand in a form we leave alone
      FileEdits* F = editsFor(Site->File);
      if (!F)
        return;
      PlannedEdit E;
      E.Edit = {Site->ArgumentBegin, Site->ArgumentEnd - Site->ArgumentBegin,
                quoteSpanName(D.SpanName)};
      E.Kind = EditKind::Update;
      E.Function = D.SpanName;
      E.Check = findingAt(Site->File, Site->Begin,
                          "'" + D.SpanName + "' is instrumented under the old name '" +
                              *Site->Name + "'");
      P.addEdit(*F, std::move(E));
      return;
    }

    if (Site && Site->IsFunctionMacro && D.Reason != selection::SkipReason::SystemHeader &&
        editsFor(Site->File)) {
      P.Notes.insert(findingAt(Site->File, Site->Begin,
                               "'" + D.SpanName +
                                   "' has an AUTOSPAN_FUNCTION but is not selected (" + D.Detail +
                                   "); --remove takes it out"));
      return;
    }
    if (P.Opts.Verbose && !selection::isQuiet(D.Reason))
      note(FD.getLocation(), "not instrumented '" + D.SpanName + "': " + D.Detail);
  }

  // Lambdas are constexpr whenever they can be (C++17); whether one is evaluated at compile time
  // only shows when the edited code is compiled, so such TUs are compiled again (Rewriter).
  void markConstantRisk(const FunctionDecl& FD, FileID File, PlannedEdit& E) {
    const auto* Method = dyn_cast<CXXMethodDecl>(&FD);
    if (!Method || !Method->getParent()->isLambda())
      return;
    if (!FD.isConstexpr() && !FD.isTemplated())
      return;
    SourceLocation Begin = SM->getFileLoc(Method->getParent()->getLocation());
    SourceLocation End = SM->getFileLoc(FD.getBody()->getEndLoc());
    E.ConstantRisk = true;
    if (SM->getFileID(Begin) == File && SM->getFileID(End) == File) {
      E.RiskBegin = SM->getFileOffset(Begin);
      E.RiskEnd = SM->getFileOffset(End) + 1;
    } else {
      E.RiskBegin = 0;
      E.RiskEnd = ~0u;
    }
    if (OptionalFileEntryRef Main = SM->getFileEntryRefForID(SM->getMainFileID()))
      P.VerifyUnits.insert(Main->getName().str());
  }

  void note(SourceLocation Loc, std::string Message) {
    P.Notes.insert(findingAt(Loc, std::move(Message)));
  }

  void removeMarkerIncludes() {
    for (const auto& [File, Starts] : Facts.MarkerLines) {
      FileEdits* F = editsFor(File);
      if (!F)
        continue;
      for (unsigned Start : Starts) {
        llvm::StringRef Rest = llvm::StringRef(F->Original).substr(Start);
        size_t NL = Rest.find('\n');
        unsigned Length = NL == llvm::StringRef::npos ? static_cast<unsigned>(Rest.size())
                                                      : static_cast<unsigned>(NL + 1);
        P.addEdit(*F, removal(TextEdit{Start, Length, ""}, EditKind::RemoveInclude, ""));
      }
    }
  }

  Plan& P;
  CompilerInstance& CI;
  PreprocessorFacts& Facts;
  SourceManager* SM = nullptr;
  ASTContext* Ctx = nullptr;
  // The selection library's notion of system headers, so that pruning and editing agree with it.
  selection::SystemHeaders* Headers = nullptr;
};

class AnalysisAction : public ASTFrontendAction {
public:
  explicit AnalysisAction(Plan& P) : P(P) {}

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance& CI, llvm::StringRef) override {
    CI.getPreprocessor().addPPCallbacks(
        std::make_unique<FactsRecorder>(CI.getSourceManager(), Facts));
    return std::make_unique<AnalysisConsumer>(P, CI, Facts);
  }

private:
  Plan& P;
  PreprocessorFacts Facts;
};

class AnalysisActionFactory : public tooling::FrontendActionFactory {
public:
  explicit AnalysisActionFactory(Plan& P) : P(P) {}

  std::unique_ptr<FrontendAction> create() override { return std::make_unique<AnalysisAction>(P); }

  bool runInvocation(std::shared_ptr<CompilerInvocation> Invocation, FileManager* Files,
                     std::shared_ptr<PCHContainerOperations> PCH,
                     DiagnosticConsumer* Diags) override {
    std::string Main = Invocation->getFrontendOpts().Inputs.empty()
                           ? std::string("<unknown>")
                           : Invocation->getFrontendOpts().Inputs[0].getFile().str();
    bool Ok =
        FrontendActionFactory::runInvocation(std::move(Invocation), Files, std::move(PCH), Diags);
    if (!Ok)
      P.FailedUnits.push_back(Main);
    return Ok;
  }

private:
  Plan& P;
};

} // namespace

std::unique_ptr<tooling::FrontendActionFactory> newAnalysisActionFactory(Plan& P) {
  return std::make_unique<AnalysisActionFactory>(P);
}

} // namespace autospan::rewriter
