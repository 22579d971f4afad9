#include "site_injector.h"

#include "clang_compat.h"

#include "autospan/detail/abi.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Builtins.h"
#include "clang/Basic/TargetInfo.h"

using namespace clang;

namespace autospan::plugin {
namespace {

constexpr llvm::StringRef SiteRecordName = "autospan_site";
constexpr llvm::StringRef EnterName = "autospan_enter_v1";
constexpr llvm::StringRef ExitName = "autospan_exit_v1";

// The descriptor layout of abi.h: three strings, then four (ILP32: five) unsigned ints.
unsigned numUnsignedFields(const ASTContext& Ctx) {
  return compat::defaultPointerWidth(Ctx.getTargetInfo()) == 64 ? 4 : 5;
}

FunctionDecl* lookUpFunction(ASTContext& Ctx, llvm::StringRef Name) {
  DeclContext::lookup_result R = Ctx.getTranslationUnitDecl()->lookup(&Ctx.Idents.get(Name));
  for (NamedDecl* ND : R)
    if (auto* FD = dyn_cast<FunctionDecl>(ND->getUnderlyingDecl()))
      return FD->getMostRecentDecl();
  return nullptr;
}

bool isCharPointer(QualType T) {
  return T->isPointerType() && T->getPointeeType()->isCharType();
}

// True when RD has exactly the fields abi.h declares, with the expected types.
bool hasSiteLayout(const RecordDecl& RD, const ASTContext& Ctx) {
  unsigned Index = 0;
  for (const FieldDecl* F : RD.fields()) {
    QualType T = F->getType();
    if (Index < 3 ? !isCharPointer(T) : !T->isSpecificBuiltinType(BuiltinType::UInt))
      return false;
    ++Index;
  }
  return Index == 3 + numUnsignedFields(Ctx);
}

} // namespace

bool SiteInjector::lookUpDeclared(AbiDecls& Out) {
  FunctionDecl* Enter = lookUpFunction(Ctx, EnterName);
  FunctionDecl* Exit = lookUpFunction(Ctx, ExitName);
  if (!Enter || !Exit || Enter->getNumParams() != 1 || Exit->getNumParams() != 1)
    return false;
  QualType SitePtr = Enter->getParamDecl(0)->getType();
  if (!SitePtr->isPointerType() || !Enter->getReturnType()->isVoidPointerType())
    return false;
  const RecordDecl* RD = SitePtr->getPointeeType()->getAsRecordDecl();
  if (!RD || RD->getName() != SiteRecordName || !RD->getDefinition() ||
      !hasSiteLayout(*RD->getDefinition(), Ctx))
    return false;
  Out.SiteType = SitePtr->getPointeeType().getUnqualifiedType();
  Out.Enter = Enter;
  Out.Exit = Exit;
  Out.FromSource = true;
  return true;
}

void SiteInjector::synthesise(AbiDecls& Out) {
  TranslationUnitDecl* TU = Ctx.getTranslationUnitDecl();
  const bool CPlusPlus = Ctx.getLangOpts().CPlusPlus;
  SourceLocation Loc;

  // In C++ everything lives in an extern "C" block so that the functions get C names. Neither
  // the block nor its contents are added to the translation unit: invisible to lookup.
  DeclContext* DC = TU;
  if (CPlusPlus) {
    auto* Block = LinkageSpecDecl::Create(Ctx, TU, Loc, Loc, compat::LinkageC,
                                          /*HasBraces=*/true);
    Block->setImplicit();
    DC = Block;
  }

  IdentifierInfo* RecordII = &Ctx.Idents.get(SiteRecordName);
  RecordDecl* RD = CPlusPlus ? CXXRecordDecl::Create(Ctx, compat::StructTag, DC, Loc, Loc, RecordII)
                             : RecordDecl::Create(Ctx, compat::StructTag, DC, Loc, Loc, RecordII);
  RD->setImplicit();
  RD->startDefinition();
  QualType CharPtr = Ctx.getPointerType(Ctx.CharTy.withConst());
  const char* FieldNames[] = {"name",  "function", "file", "line",
                              "flags", "state",    "id",   "reserved_"};
  for (unsigned I = 0; I < 3 + numUnsignedFields(Ctx); ++I) {
    QualType T = I < 3 ? CharPtr : Ctx.UnsignedIntTy;
    auto* F = FieldDecl::Create(Ctx, RD, Loc, Loc, &Ctx.Idents.get(FieldNames[I]), T,
                                Ctx.getTrivialTypeSourceInfo(T, Loc), /*BW=*/nullptr,
                                /*Mutable=*/false, ICIS_NoInit);
    F->setAccess(AS_public);
    F->setImplicit();
    RD->addDecl(F);
  }
  RD->completeDefinition();
  Out.SiteType = Ctx.getRecordType(RD);

  FunctionProtoType::ExtProtoInfo EPI;
  if (CPlusPlus)
    EPI.ExceptionSpec.Type = EST_BasicNoexcept; // calls, not invokes
  auto Declare = [&](llvm::StringRef Name, QualType Ret, QualType Param) {
    QualType FT = Ctx.getFunctionType(Ret, {Param}, EPI);
    auto* FD = FunctionDecl::Create(Ctx, DC, Loc, Loc, DeclarationName(&Ctx.Idents.get(Name)), FT,
                                    Ctx.getTrivialTypeSourceInfo(FT, Loc), SC_None);
    auto* P = ParmVarDecl::Create(Ctx, FD, Loc, Loc, /*Id=*/nullptr, Param,
                                  Ctx.getTrivialTypeSourceInfo(Param, Loc), SC_None, nullptr);
    FD->setParams({P});
    FD->setImplicit();
    // As abi.h declares them, so that `#pragma GCC visibility push(hidden)` cannot hide them.
    FD->addAttr(VisibilityAttr::CreateImplicit(Ctx, VisibilityAttr::Default));
    return FD;
  };
  Out.Enter = Declare(EnterName, Ctx.VoidPtrTy, Ctx.getPointerType(Out.SiteType));
  Out.Exit = Declare(ExitName, Ctx.VoidTy, Ctx.getPointerType(Ctx.VoidPtrTy));
  Out.FromSource = false;
}

FunctionDecl* SiteInjector::isConstantEvaluatedBuiltin() {
  if (IsConstantEvaluated)
    return IsConstantEvaluated;
  // What Sema declares lazily on first use of the builtin; the BuiltinAttr makes it one.
  FunctionProtoType::ExtProtoInfo EPI;
  EPI.ExceptionSpec.Type = EST_BasicNoexcept;
  QualType FT = Ctx.getFunctionType(Ctx.BoolTy, {}, EPI);
  SourceLocation Loc;
  IsConstantEvaluated =
      FunctionDecl::Create(Ctx, Ctx.getTranslationUnitDecl(), Loc, Loc,
                           DeclarationName(&Ctx.Idents.get("__builtin_is_constant_evaluated")), FT,
                           Ctx.getTrivialTypeSourceInfo(FT, Loc), SC_Extern);
  IsConstantEvaluated->addAttr(
      BuiltinAttr::CreateImplicit(Ctx, Builtin::BI__builtin_is_constant_evaluated));
  IsConstantEvaluated->setImplicit();
  return IsConstantEvaluated;
}

const SiteInjector::AbiDecls& SiteInjector::abi() {
  // Prefer the user's declarations once they exist (the header may come after the first
  // instrumented function); mixing both is fine: they name the same C symbols and layout.
  if (Abi.FromSource || lookUpDeclared(Abi))
    return Abi;
  if (!Synthesised.Enter)
    synthesise(Synthesised);
  return Synthesised;
}

void SiteInjector::inject(FunctionDecl& FD, const selection::Decision& D) {
  const AbiDecls& A = abi();
  Stmt* Body = FD.getBody();
  auto* Try = dyn_cast<CXXTryStmt>(Body);
  auto* Block = cast<CompoundStmt>(Try ? Try->getTryBlock() : Body);
  SourceLocation Loc = Block->getLBracLoc();

  auto String = [&](llvm::StringRef S) -> Expr* {
    QualType ArrayTy = Ctx.getConstantArrayType(
        Ctx.CharTy.withConst(), llvm::APInt(32, S.size() + 1), nullptr, compat::NormalArraySize, 0);
    auto* Literal =
        StringLiteral::Create(Ctx, S, compat::OrdinaryString, /*Pascal=*/false, ArrayTy, Loc);
    return ImplicitCastExpr::Create(Ctx, Ctx.getPointerType(Ctx.CharTy.withConst()),
                                    CK_ArrayToPointerDecay, Literal, nullptr, VK_PRValue,
                                    FPOptionsOverride());
  };
  auto Unsigned = [&](unsigned V) -> Expr* {
    return IntegerLiteral::Create(Ctx, llvm::APInt(Ctx.getIntWidth(Ctx.UnsignedIntTy), V),
                                  Ctx.UnsignedIntTy, Loc);
  };

  llvm::SmallVector<Expr*, 8> Fields = {String(D.SpanName), String(D.FunctionName), String(D.File),
                                        Unsigned(D.Line), Unsigned(AUTOSPAN_SITE_AUTO)};
  while (Fields.size() < 3 + numUnsignedFields(Ctx))
    Fields.push_back(Unsigned(0)); // state, id (and ILP32 padding): owned by the runtime
  auto* Init = new (Ctx) InitListExpr(Ctx, Loc, Fields, Loc);
  Init->setType(A.SiteType);

  auto* Site =
      VarDecl::Create(Ctx, &FD, Loc, Loc, &Ctx.Idents.get(selection::InjectedSiteName), A.SiteType,
                      Ctx.getTrivialTypeSourceInfo(A.SiteType, Loc), SC_Static);
  Site->setInit(Init);
  Site->setImplicit();
  Site->setIsUsed();
  Site->setReferenced();

  auto* SiteRef =
      DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), Site,
                          /*RefersToEnclosingVariableOrCapture=*/false, Loc, A.SiteType, VK_LValue);
  QualType SitePtr = Ctx.getPointerType(A.SiteType);
  auto* SiteAddr = UnaryOperator::Create(Ctx, SiteRef, UO_AddrOf, SitePtr, VK_PRValue, OK_Ordinary,
                                         Loc, /*CanOverflow=*/false, FPOptionsOverride());
  auto* EnterRef = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), A.Enter,
                                       false, Loc, A.Enter->getType(), VK_LValue);
  auto* Callee = ImplicitCastExpr::Create(Ctx, Ctx.getPointerType(A.Enter->getType()),
                                          CK_FunctionToPointerDecay, EnterRef, nullptr, VK_PRValue,
                                          FPOptionsOverride());
  Expr* Arg = SiteAddr;
  QualType ParamTy = A.Enter->getParamDecl(0)->getType();
  if (!Ctx.hasSameType(ParamTy, SitePtr)) // e.g. a typedef: same record, different sugar
    Arg = ImplicitCastExpr::Create(Ctx, ParamTy, CK_NoOp, SiteAddr, nullptr, VK_PRValue,
                                   FPOptionsOverride());
  Expr* Call = CallExpr::Create(Ctx, Callee, {Arg}, A.Enter->getReturnType(), VK_PRValue, Loc,
                                FPOptionsOverride());
  // Local declarations belong to their function's context like parsed ones: serialising a PCH
  // numbers a function's static locals by walking that list.
  FD.addHiddenDecl(Site);
  auto* SiteDecl = new (Ctx) DeclStmt(DeclGroupRef(Site), Loc, Loc);

  const auto* Method = dyn_cast<CXXMethodDecl>(&FD);
  const bool GuardConstantEvaluation =
      Method && Method->getParent()->isLambda() && FD.isConstexpr();
  if (GuardConstantEvaluation) {
    // `__builtin_is_constant_evaluated() ? nullptr : ({ static autospan_site s = {..}; enter(&s);
    // })` The constant evaluator takes the first branch and never sees the static (which it
    // rejects).
    FunctionDecl* Builtin = isConstantEvaluatedBuiltin();
    auto* BuiltinRef = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), Builtin,
                                           false, Loc, Ctx.BuiltinFnTy, VK_PRValue);
    auto* BuiltinPtr =
        ImplicitCastExpr::Create(Ctx, Ctx.getPointerType(Builtin->getType()), CK_BuiltinFnToFnPtr,
                                 BuiltinRef, nullptr, VK_PRValue, FPOptionsOverride());
    Expr* InConstantEvaluation =
        CallExpr::Create(Ctx, BuiltinPtr, {}, Ctx.BoolTy, VK_PRValue, Loc, FPOptionsOverride());
    Expr* Null = ImplicitCastExpr::Create(
        Ctx, Ctx.VoidPtrTy, CK_NullToPointer,
        IntegerLiteral::Create(Ctx, llvm::APInt(Ctx.getIntWidth(Ctx.IntTy), 0), Ctx.IntTy, Loc),
        nullptr, VK_PRValue, FPOptionsOverride());
    Stmt* Inner[] = {SiteDecl, Call};
    auto* SiteBlock = compat::createCompoundStmt(Ctx, Inner, nullptr, Loc, Loc);
    auto* Enter = new (Ctx) StmtExpr(SiteBlock, Ctx.VoidPtrTy, Loc, Loc, /*TemplateDepth=*/0);
    Call = new (Ctx) ConditionalOperator(InConstantEvaluation, Loc, Null, Loc, Enter, Ctx.VoidPtrTy,
                                         VK_PRValue, OK_Ordinary);
  }

  auto* Token =
      VarDecl::Create(Ctx, &FD, Loc, Loc, &Ctx.Idents.get(selection::InjectedTokenName),
                      Ctx.VoidPtrTy, Ctx.getTrivialTypeSourceInfo(Ctx.VoidPtrTy, Loc), SC_None);
  Token->setInit(Call);
  Token->addAttr(CleanupAttr::CreateImplicit(Ctx, A.Exit, SourceRange(Loc)));
  Token->setImplicit();
  Token->setIsUsed();
  Token->setReferenced();
  A.Enter->setIsUsed();
  A.Exit->setIsUsed();

  FD.addHiddenDecl(Token);

  llvm::SmallVector<Stmt*, 16> Statements;
  if (!GuardConstantEvaluation)
    Statements.push_back(SiteDecl);
  Statements.push_back(new (Ctx) DeclStmt(DeclGroupRef(Token), Loc, Loc));
  Statements.append(Block->body_begin(), Block->body_end());
  auto* NewBlock = compat::createCompoundStmt(Ctx, Statements, Block, Block->getLBracLoc(),
                                              Block->getRBracLoc());
  if (Try)
    *Try->child_begin() = NewBlock;
  else
    FD.setBody(NewBlock);
}

} // namespace autospan::plugin
