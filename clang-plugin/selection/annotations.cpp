#include "selection/annotations.h"

#include "clang_compat.h"

#include "autospan/annotations.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"

using namespace clang;

namespace autospan::selection {
namespace {

constexpr llvm::StringRef NoTraceString = AUTOSPAN_ANNOTATION_NO_TRACE;
constexpr llvm::StringRef TraceString = AUTOSPAN_ANNOTATION_TRACE;
constexpr llvm::StringRef TraceAsPrefix = AUTOSPAN_ANNOTATION_TRACE_AS_PREFIX;

bool hasNoTrace(const Decl& D) {
  for (const auto* A : D.specific_attrs<AnnotateAttr>())
    if (A->getAnnotation() == NoTraceString)
      return true;
  return false;
}

template <typename T> bool anyRedeclHasNoTrace(const T* D) {
  if (!D)
    return false;
  for (const auto* R : D->redecls())
    if (hasNoTrace(*R))
      return true;
  return false;
}

void collect(const FunctionDecl* FD, FunctionAnnotations& Out) {
  if (!FD)
    return;
  // annotate is only inherited forward: look at every redeclaration, in source order.
  for (const FunctionDecl* R : FD->getFirstDecl()->redecls()) {
    for (const auto* A : R->specific_attrs<AnnotateAttr>()) {
      llvm::StringRef S = A->getAnnotation();
      if (S == NoTraceString) {
        Out.NoTrace = true;
      } else if (S == TraceString) {
        Out.Trace = true;
      } else if (compat::startsWith(S, TraceAsPrefix)) {
        Out.Trace = true;
        Out.TraceAs = S.drop_front(TraceAsPrefix.size()).str();
      }
    }
  }
}

bool recordHasNoTrace(const CXXRecordDecl* RD) {
  if (!RD)
    return false;
  if (anyRedeclHasNoTrace(RD))
    return true;
  if (const auto* Spec = dyn_cast<ClassTemplateSpecializationDecl>(RD)) {
    if (anyRedeclHasNoTrace(Spec->getSpecializedTemplate()->getTemplatedDecl()))
      return true;
  }
  return RD->getTemplateInstantiationPattern() != RD &&
         anyRedeclHasNoTrace(RD->getTemplateInstantiationPattern());
}

} // namespace

FunctionAnnotations functionAnnotations(const FunctionDecl& FD) {
  FunctionAnnotations Out;
  collect(&FD, Out);
  if (const FunctionDecl* Pattern = FD.getTemplateInstantiationPattern(); Pattern != &FD)
    collect(Pattern, Out);
  if (const FunctionTemplateDecl* Primary = FD.getPrimaryTemplate())
    collect(Primary->getTemplatedDecl(), Out);
  return Out;
}

std::optional<std::string> enclosingNoTrace(const FunctionDecl& FD) {
  for (const DeclContext* DC = FD.getDeclContext(); DC && !DC->isTranslationUnit();
       DC = DC->getParent()) {
    if (const auto* RD = dyn_cast<CXXRecordDecl>(DC)) {
      if (!RD->isLambda() && recordHasNoTrace(RD))
        return "class '" + RD->getQualifiedNameAsString() + "'";
      continue;
    }
    if (const auto* Enclosing = dyn_cast<FunctionDecl>(DC)) {
      if (functionAnnotations(*Enclosing).NoTrace)
        return "enclosing function '" + Enclosing->getQualifiedNameAsString() + "'";
      continue;
    }
    if (const auto* NS = dyn_cast<NamespaceDecl>(DC)) {
      // A reopened namespace is the same namespace: any of its redeclarations counts.
      if (anyRedeclHasNoTrace(NS))
        return "namespace '" + NS->getQualifiedNameAsString() + "'";
    }
  }
  return std::nullopt;
}

} // namespace autospan::selection
