// Qualified paths and names: what exclude= matches, what spans are called.
#include "selection/internal.h"
#include "selection/selection.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;

namespace autospan::selection {
namespace {

// Instantiations are named after what the user wrote.
const FunctionDecl& writtenFunction(const FunctionDecl& FD) {
  if (const FunctionDecl* Pattern = FD.getTemplateInstantiationPattern())
    return *Pattern;
  return FD;
}

std::string recordName(const RecordDecl& RD, ASTContext& Ctx) {
  if (const auto* CRD = dyn_cast<CXXRecordDecl>(&RD); CRD && CRD->isLambda())
    return lambdaName(*CRD, Ctx);
  if (const IdentifierInfo* II = RD.getIdentifier())
    return II->getName().str();
  if (const TypedefNameDecl* TD = RD.getTypedefNameForAnonDecl())
    return TD->getName().str();
  return "<unnamed " + std::string(RD.getKindName()) + ">";
}

std::string functionName(const FunctionDecl& FD, ASTContext& Ctx) {
  const FunctionDecl& Written = writtenFunction(FD);
  if (const auto* Ctor = dyn_cast<CXXConstructorDecl>(&Written))
    return recordName(*Ctor->getParent(), Ctx);
  if (const auto* Dtor = dyn_cast<CXXDestructorDecl>(&Written))
    return "~" + recordName(*Dtor->getParent(), Ctx);
  std::string Name;
  llvm::raw_string_ostream OS(Name);
  PrintingPolicy Policy(Ctx.getLangOpts());
  Policy.SuppressTagKeyword = true;
  Written.getDeclName().print(OS, Policy);
  return Name;
}

bool isLambdaCallOperator(const DeclContext& DC) {
  const auto* MD = dyn_cast<CXXMethodDecl>(&DC);
  return MD && MD->getParent()->isLambda();
}

// Appends the components of DC and its parents, outermost first.
void appendContext(const DeclContext* DC, ASTContext& Ctx, QualifiedPath& Path) {
  if (!DC || DC->isTranslationUnit())
    return;
  appendContext(DC->getParent(), Ctx, Path);
  if (const auto* NS = dyn_cast<NamespaceDecl>(DC)) {
    if (NS->isAnonymousNamespace())
      return;
    PathComponent C{NS->getName().str(), NS->isInline()};
    Path.Namespaces.push_back(C);
    Path.Full.push_back(std::move(C));
    return;
  }
  if (const auto* RD = dyn_cast<RecordDecl>(DC)) {
    Path.Full.push_back({recordName(*RD, Ctx), false});
    return;
  }
  if (const auto* FD = dyn_cast<FunctionDecl>(DC)) {
    if (!isLambdaCallOperator(*DC)) // the closure class already stands for the lambda
      Path.Full.push_back({functionName(*FD, Ctx), false});
    return;
  }
  // extern "C" blocks, export blocks, block literals...: transparent.
}

} // namespace

PresumedLoc presumedLocation(SourceLocation Loc, const SourceManager& SM) {
  return SM.getPresumedLoc(SM.getExpansionLoc(Loc));
}

std::string lambdaName(const CXXRecordDecl& Closure, ASTContext& Ctx) {
  PresumedLoc P = presumedLocation(Closure.getLocation(), Ctx.getSourceManager());
  if (P.isInvalid())
    return "<lambda>";
  return ("<lambda at " + llvm::sys::path::filename(P.getFilename()) + ":" +
          llvm::Twine(P.getLine()) + ">")
      .str();
}

SourceLocation nameLocation(const FunctionDecl& FD) {
  if (const auto* MD = dyn_cast<CXXMethodDecl>(&FD); MD && MD->getParent()->isLambda())
    return MD->getParent()->getLocation();
  return FD.getLocation();
}

QualifiedPath qualifiedPath(const FunctionDecl& FD, ASTContext& Ctx) {
  QualifiedPath Path;
  appendContext(FD.getDeclContext(), Ctx, Path);
  if (const auto* MD = dyn_cast<CXXMethodDecl>(&FD); MD && MD->getParent()->isLambda())
    return Path; // the closure class is the last component
  Path.Full.push_back({functionName(FD, Ctx), false});
  return Path;
}

std::string joinVisible(llvm::ArrayRef<PathComponent> Components) {
  std::string Name;
  for (const PathComponent& C : Components) {
    if (C.Optional)
      continue; // inline namespaces are not written by users
    if (!Name.empty())
      Name += "::";
    Name += C.Name;
  }
  return Name;
}

} // namespace autospan::selection
