#include "instrumenting_consumer.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace autospan::plugin {
namespace {

// Finds function definitions in a delivered declaration: in namespaces, classes, local classes
// and lambdas. Template instantiations are not visited here: Sema delivers each one on its own.
class FunctionFinder : public RecursiveASTVisitor<FunctionFinder> {
public:
  explicit FunctionFinder(InstrumentingConsumer& Consumer) : Consumer(Consumer) {}

  bool TraverseDecl(Decl* D) {
    // Pruning system headers keeps the traversal cheap (most of a TU is library code).
    if (D && !isa<TranslationUnitDecl>(D) && Consumer.inSystemHeader(D->getLocation()))
      return true;
    return RecursiveASTVisitor::TraverseDecl(D);
  }

  bool VisitFunctionDecl(FunctionDecl* FD) {
    if (FD->doesThisDeclarationHaveABody() || FD->isExplicitlyDefaulted() ||
        FD->isDeletedAsWritten())
      Consumer.handleFunction(*FD);
    return true;
  }

  // The call operator is not traversed as a declaration (the closure class is implicit code),
  // but the lambda's body is traversed right after this, so nested lambdas are found too.
  bool VisitLambdaExpr(LambdaExpr* LE) {
    if (CXXMethodDecl* Op = LE->getCallOperator())
      Consumer.handleFunction(*Op);
    return true;
  }

private:
  InstrumentingConsumer& Consumer;
};

} // namespace

InstrumentingConsumer::InstrumentingConsumer(PluginOptions Options, DiagnosticsEngine& Diags,
                                             HeaderSearch& Headers, bool RuntimeUnwinds)
    : Options(std::move(Options)), Diags(Diags), Headers(Headers), RuntimeUnwinds(RuntimeUnwinds) {
  InstrumentedID =
      Diags.getCustomDiagID(DiagnosticsEngine::Remark, "autospan: instrumented '%0'%1");
  InstrumentedAsID =
      Diags.getCustomDiagID(DiagnosticsEngine::Remark, "autospan: instrumented '%0' as '%1'%2");
  SkippedID =
      Diags.getCustomDiagID(DiagnosticsEngine::Remark, "autospan: not instrumented '%0': %1%2");
}

void InstrumentingConsumer::Initialize(ASTContext& C) {
  Ctx = &C;
  Injector = std::make_unique<SiteInjector>(C, RuntimeUnwinds);
  SystemHeaders = std::make_unique<selection::SystemHeaders>(C.getSourceManager(), &Headers);
}

bool InstrumentingConsumer::HandleTopLevelDecl(DeclGroupRef DG) {
  FunctionFinder Finder(*this);
  for (Decl* D : DG)
    Finder.TraverseDecl(D);
  return true;
}

bool InstrumentingConsumer::inSystemHeader(SourceLocation Loc) {
  return SystemHeaders->contains(Loc);
}

void InstrumentingConsumer::handleFunction(FunctionDecl& FD) {
  if (!Seen.insert(&FD).second)
    return;
  selection::Decision D = selection::decide(FD, *Ctx, Options.Selection, SystemHeaders.get());
  if (D.Instrument)
    Injector->inject(FD, D);
  report(FD, D);
}

void InstrumentingConsumer::report(const FunctionDecl& FD, const selection::Decision& D) {
  if (Options.Verbose == Verbosity::Quiet)
    return;
  switch (D.Reason) {
  case selection::SkipReason::NoBody:
  case selection::SkipReason::SystemHeader:
  case selection::SkipReason::Implicit:
    return;
  default:
    if (Options.Verbose != Verbosity::All && selection::isQuiet(D.Reason))
      return;
  }
  // Instantiations share their pattern's name and location: say which one this is.
  std::string Instance;
  if (FD.getTemplateInstantiationPattern()) {
    llvm::raw_string_ostream OS(Instance);
    OS << " (instantiation '";
    FD.getNameForDiagnostic(OS, Ctx->getPrintingPolicy(), /*Qualified=*/true);
    OS << "')";
  }
  SourceLocation Loc = FD.getLocation();
  if (const auto* MD = dyn_cast<CXXMethodDecl>(&FD); MD && MD->getParent()->isLambda())
    Loc = MD->getParent()->getLocation();
  if (!D.Instrument)
    Diags.Report(Loc, SkippedID) << D.FunctionName << D.Detail << Instance;
  else if (D.SpanName != D.FunctionName)
    Diags.Report(Loc, InstrumentedAsID) << D.FunctionName << D.SpanName << Instance;
  else
    Diags.Report(Loc, InstrumentedID) << D.FunctionName << Instance;
}

} // namespace autospan::plugin
