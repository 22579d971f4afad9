// decide(): the rules listed in selection.h, in that order.
#include "selection/selection.h"
#include "selection/annotations.h"
#include "selection/internal.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace autospan::selection {
namespace {

const CXXRecordDecl* lambdaClosure(const FunctionDecl& FD) {
  const auto* MD = dyn_cast<CXXMethodDecl>(&FD);
  if (!MD || !MD->getParent()->isLambda())
    return nullptr;
  return MD->getParent();
}

// Why FD is meant to be evaluated at compile time, or nullopt. Lambdas are implicitly constexpr
// from C++17 on; that alone does not count (the plugin guards their entry against constant
// evaluation), only the written keyword or an enclosing constexpr function does.
std::optional<std::string> constantEvaluable(const FunctionDecl& FD, ASTContext& Ctx) {
  if (FD.isConsteval())
    return std::string(describe(SkipReason::Consteval));
  const CXXRecordDecl* Closure = lambdaClosure(FD);
  if (!Closure)
    return FD.isConstexpr() ? std::optional<std::string>(describe(SkipReason::Constexpr))
                            : std::nullopt;
  if (!FD.isConstexpr())
    return std::nullopt;
  if (const Stmt* Body = FD.getBody()) {
    std::optional<bool> Written = lambdaWritesConstexpr(*Closure, *Body, Ctx);
    if (!Written)
      return std::string("constexpr lambda whose declarator cannot be read");
    if (*Written)
      return std::string("lambda declared constexpr");
  }
  for (const DeclContext* DC = Closure->getDeclContext(); DC; DC = DC->getParent()) {
    if (const auto* Enclosing = dyn_cast<FunctionDecl>(DC)) {
      if (constantEvaluable(*Enclosing, Ctx))
        return "lambda inside constexpr function '" + Enclosing->getQualifiedNameAsString() + "'";
      break; // the innermost enclosing function has already looked further out
    }
  }
  return std::nullopt;
}

// A body whose `{` was written in a macro definition cannot be edited in source, and its site
// would be attributed to the macro's user: both front ends leave it alone. A `{` passed as a
// macro argument is fine (TEST(a, b) { ... }).
bool braceFromMacroDefinition(const Stmt& Body, const SourceManager& SM) {
  SourceLocation Loc = Body.getBeginLoc();
  while (Loc.isMacroID()) {
    if (!SM.isMacroArgExpansion(Loc))
      return true;
    Loc = SM.getImmediateSpellingLoc(Loc);
  }
  return Loc.isInvalid();
}

// Replacement global allocation functions ([new.delete]). Clang counts the sized operator delete
// forms only when this translation unit uses sized deallocation (the default from Clang 19 on,
// -fno-sized-deallocation turns it off), but other translation units and libstdc++ call them
// anyway, so they are recognised here whatever the setting.
bool isReplaceableAllocationFunction(const FunctionDecl& FD, const ASTContext& Ctx) {
  if (FD.isReplaceableGlobalAllocationFunction())
    return true;
  OverloadedOperatorKind Op = FD.getOverloadedOperator();
  if ((Op != OO_Delete && Op != OO_Array_Delete) ||
      !FD.getDeclContext()->getRedeclContext()->isTranslationUnit() || FD.isVariadic())
    return false;
  // operator delete(void*, std::size_t [, std::align_val_t])
  unsigned N = FD.getNumParams();
  return (N == 2 || N == 3) && Ctx.hasSameType(FD.getParamDecl(0)->getType(), Ctx.VoidPtrTy) &&
         Ctx.hasSameType(FD.getParamDecl(1)->getType(), Ctx.getSizeType()) &&
         (N == 2 || FD.getParamDecl(2)->getType()->isAlignValT());
}

bool hasNoInstrumentFunction(const FunctionDecl& FD) {
  for (const FunctionDecl* R : FD.redecls())
    if (R->hasAttr<NoInstrumentFunctionAttr>())
      return true;
  if (const FunctionDecl* Pattern = FD.getTemplateInstantiationPattern(); Pattern && Pattern != &FD)
    return hasNoInstrumentFunction(*Pattern);
  return false;
}

Decision decideImpl(const FunctionDecl& FD, ASTContext& Ctx, const Config& C,
                    SystemHeaders* Headers, bool DecideDependent) {
  Decision D;
  auto Skip = [&D](SkipReason R, std::string Detail = {}) {
    D.Instrument = false;
    D.Reason = R;
    D.Detail = Detail.empty() ? describe(R).str() : std::move(Detail);
    return D;
  };
  // `= default` and `= delete` are definitions without a body; they are reported as such.
  const bool Defined =
      FD.doesThisDeclarationHaveABody() || FD.isExplicitlyDefaulted() || FD.isDeletedAsWritten();
  if (!Defined || FD.isInvalidDecl())
    return Skip(SkipReason::NoBody);
  const SourceManager& SM = Ctx.getSourceManager();
  SourceLocation NameLoc = nameLocation(FD);
  if (Headers ? Headers->contains(NameLoc)
              : NameLoc.isValid() && SM.isInSystemHeader(SM.getExpansionLoc(NameLoc)))
    return Skip(SkipReason::SystemHeader);

  QualifiedPath Path = qualifiedPath(FD, Ctx);
  D.FunctionName = joinVisible(Path.Full);
  if (PresumedLoc P = presumedLocation(NameLoc, SM); P.isValid()) {
    D.File = P.getFilename();
    D.Line = P.getLine();
  }
  FunctionAnnotations Annotations = functionAnnotations(FD);
  D.Requested = Annotations.Trace;
  D.SpanName =
      Annotations.TraceAs && !Annotations.TraceAs->empty() ? *Annotations.TraceAs : D.FunctionName;

  if (FD.isImplicit())
    return Skip(SkipReason::Implicit);
  if (!DecideDependent && FD.isDependentContext())
    return Skip(SkipReason::TemplatePattern);
  // The runtime's own inline code (SiteGuard, Span...) must never call into the runtime.
  if (!Path.Namespaces.empty() && Path.Namespaces.front().Name == "autospan")
    return Skip(SkipReason::AutospanApi);

  if (Annotations.NoTrace)
    return Skip(SkipReason::NoTrace, "AUTOSPAN_NO_TRACE on the function");
  if (std::optional<std::string> Where = enclosingNoTrace(FD))
    return Skip(SkipReason::NoTrace, "AUTOSPAN_NO_TRACE on " + *Where);
  if (hasNoInstrumentFunction(FD))
    return Skip(SkipReason::NoInstrumentFunction);

  std::string Why;
  if (Annotations.Trace) {
    Why = Annotations.TraceAs ? "AUTOSPAN_TRACE_AS" : "AUTOSPAN_TRACE";
  } else {
    const NamePattern* Selecting = C.selectingPattern(Path.Namespaces);
    if (!Selecting)
      return Skip(SkipReason::NotSelected);
    if (const NamePattern* Excluding = C.excludingPattern(Path.Namespaces, Path.Full))
      return Skip(SkipReason::Excluded, "excluded by '" + Excluding->text() + "'");
    Why = "namespace '" + Selecting->text() + "'";
  }

  if (FD.isDeleted())
    return Skip(SkipReason::Deleted);
  if (FD.isDefaulted())
    return Skip(SkipReason::Defaulted);
  if (!FD.doesThisDeclarationHaveABody())
    return Skip(SkipReason::NoBody);
  if (std::optional<std::string> Evaluable = constantEvaluable(FD, Ctx)) {
    SkipReason R = lambdaClosure(FD)  ? SkipReason::ConstexprLambda
                   : FD.isConsteval() ? SkipReason::Consteval
                                      : SkipReason::Constexpr;
    return Skip(R, *Evaluable);
  }
  if (FD.hasAttr<NakedAttr>())
    return Skip(SkipReason::Naked);
  if (isReplaceableAllocationFunction(FD, Ctx))
    return Skip(SkipReason::AllocationFunction);
  const Stmt* Body = FD.getBody();
  if (isa<CoroutineBodyStmt>(Body))
    return Skip(SkipReason::Coroutine);
  if (braceFromMacroDefinition(*Body, SM))
    return Skip(SkipReason::MacroBody);
  if (isAlreadyInstrumented(Body, Ctx))
    return Skip(SkipReason::AlreadyInstrumented);
  if (!Annotations.Trace && C.MinStatements > 0) {
    unsigned N = countStatements(Body);
    if (N < C.MinStatements)
      return Skip(SkipReason::TooFewStatements,
                  std::to_string(N) + " statement" + (N == 1 ? "" : "s") +
                      ", fewer than min-statements=" + std::to_string(C.MinStatements));
  }
  D.Instrument = true;
  D.Reason = SkipReason::None;
  D.Detail = std::move(Why);
  return D;
}

} // namespace

llvm::StringRef describe(SkipReason R) {
  switch (R) {
  case SkipReason::None:
    return "instrumented";
  case SkipReason::NoBody:
    return "no body";
  case SkipReason::SystemHeader:
    return "in a system header";
  case SkipReason::Implicit:
    return "implicit function";
  case SkipReason::Defaulted:
    return "defaulted function";
  case SkipReason::Deleted:
    return "deleted function";
  case SkipReason::TemplatePattern:
    return "template pattern (its instantiations are instrumented)";
  case SkipReason::AutospanApi:
    return "autospan's own API";
  case SkipReason::NoTrace:
    return "AUTOSPAN_NO_TRACE";
  case SkipReason::NoInstrumentFunction:
    return "no_instrument_function attribute";
  case SkipReason::NotSelected:
    return "not in a selected namespace";
  case SkipReason::Excluded:
    return "excluded";
  case SkipReason::Constexpr:
    return "constexpr function";
  case SkipReason::Consteval:
    return "consteval function";
  case SkipReason::ConstexprLambda:
    return "constexpr lambda";
  case SkipReason::Naked:
    return "naked function";
  case SkipReason::AllocationFunction:
    return "replacement allocation function (the runtime allocates too)";
  case SkipReason::Coroutine:
    return "coroutine";
  case SkipReason::MacroBody:
    return "body comes from a macro definition";
  case SkipReason::AlreadyInstrumented:
    return "already instrumented";
  case SkipReason::TooFewStatements:
    return "fewer statements than min-statements";
  }
  return "unknown";
}

bool isQuiet(SkipReason R) {
  switch (R) {
  case SkipReason::NoBody:
  case SkipReason::SystemHeader:
  case SkipReason::Implicit:
  case SkipReason::TemplatePattern:
  case SkipReason::AutospanApi:
  case SkipReason::NotSelected:
    return true;
  default:
    return false;
  }
}

Decision decide(const FunctionDecl& FD, ASTContext& Ctx, const Config& C, SystemHeaders* Headers) {
  return decideImpl(FD, Ctx, C, Headers, /*DecideDependent=*/false);
}

Decision decidePattern(const FunctionDecl& FD, ASTContext& Ctx, const Config& C,
                       SystemHeaders* Headers) {
  return decideImpl(FD, Ctx, C, Headers, /*DecideDependent=*/true);
}

} // namespace autospan::selection
