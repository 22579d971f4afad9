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

#include <string>

using namespace clang;

namespace autospan::plugin {
namespace {

constexpr llvm::StringRef SiteRecordName = "autospan_site";
// ABI version 2 (abi.h): the entry is skipped while the thread gate is set or the site is filtered
// off, the exit is skipped for a null token.
constexpr llvm::StringRef EnterName = "autospan_enter_v2";
constexpr llvm::StringRef ExitName = "autospan_exit_v2";
constexpr llvm::StringRef CleanupName = "autospan_cleanup_v2";
constexpr llvm::StringRef ThreadGateName = "autospan_thread_gate_v2";
constexpr llvm::StringRef FilterOffName = "autospan_filter_off_v2";
// C++ only: the class holding the inline cleanup (`if (*token) autospan_exit_v2(*token);`).
constexpr llvm::StringRef HelperClassName = "__autospan_abi_v2";
constexpr llvm::StringRef HelperName = "exit";

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
// The field abi.h calls `state` (the sixth).
FieldDecl* stateField(const RecordDecl& RD) {
  unsigned Index = 0;
  for (FieldDecl* F : RD.fields())
    if (Index++ == 5)
      return F;
  return nullptr;
}

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

static VarDecl* lookUpVariable(ASTContext& Ctx, llvm::StringRef Name) {
  DeclContext::lookup_result R = Ctx.getTranslationUnitDecl()->lookup(&Ctx.Idents.get(Name));
  for (NamedDecl* ND : R)
    if (auto* VD = dyn_cast<VarDecl>(ND->getUnderlyingDecl()))
      return VD->getMostRecentDecl();
  return nullptr;
}

bool SiteInjector::lookUpDeclared(AbiDecls& Out) {
  // Asked again for every instrumented function until <autospan/autospan.h> shows up (most
  // translation units never include it): one lookup answers that.
  FunctionDecl* Enter = lookUpFunction(Ctx, EnterName);
  if (!Enter)
    return false;
  FunctionDecl* Exit = lookUpFunction(Ctx, ExitName);
  FunctionDecl* Cleanup = lookUpFunction(Ctx, CleanupName);
  VarDecl* ThreadGate = lookUpVariable(Ctx, ThreadGateName);
  VarDecl* FilterOff = lookUpVariable(Ctx, FilterOffName);
  if (!Enter || !Exit || !Cleanup || !ThreadGate || !FilterOff || Enter->getNumParams() != 1 ||
      Exit->getNumParams() != 1 || Cleanup->getNumParams() != 1 ||
      !ThreadGate->getType()->isSpecificBuiltinType(BuiltinType::UChar) ||
      ThreadGate->getTLSKind() != VarDecl::TLS_Static ||
      !FilterOff->getType()->isSpecificBuiltinType(BuiltinType::UInt))
    return false;
  QualType SitePtr = Enter->getParamDecl(0)->getType();
  if (!SitePtr->isPointerType() || !Enter->getReturnType()->isVoidPointerType() ||
      !Exit->getParamDecl(0)->getType()->isVoidPointerType())
    return false;
  const RecordDecl* RD = SitePtr->getPointeeType()->getAsRecordDecl();
  if (!RD || RD->getName() != SiteRecordName || !RD->getDefinition() ||
      !hasSiteLayout(*RD->getDefinition(), Ctx))
    return false;
  Out.SiteType = SitePtr->getPointeeType().getUnqualifiedType();
  Out.Enter = Enter;
  Out.Exit = Exit;
  Out.Cleanup = Cleanup;
  Out.ThreadGate = ThreadGate;
  Out.FilterOff = FilterOff;
  Out.State = stateField(*RD->getDefinition());
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
  Out.State = stateField(*RD);

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
  Out.Exit = Declare(ExitName, Ctx.VoidTy, Ctx.VoidPtrTy);
  Out.Cleanup = Declare(CleanupName, Ctx.VoidTy, Ctx.getPointerType(Ctx.VoidPtrTy));

  auto DeclareVariable = [&](llvm::StringRef Name, QualType T) {
    auto* VD = VarDecl::Create(Ctx, DC, Loc, Loc, &Ctx.Idents.get(Name), T,
                               Ctx.getTrivialTypeSourceInfo(T, Loc), SC_Extern);
    VD->setImplicit();
    VD->addAttr(VisibilityAttr::CreateImplicit(Ctx, VisibilityAttr::Default));
    return VD;
  };
  // extern __thread unsigned char autospan_thread_gate_v2 __attribute__((tls_model(...)));
  Out.ThreadGate = DeclareVariable(ThreadGateName, Ctx.UnsignedCharTy);
  Out.ThreadGate->setTSCSpec(TSCS___thread);
  Out.ThreadGate->addAttr(TLSModelAttr::CreateImplicit(Ctx, "initial-exec"));
  Out.FilterOff = DeclareVariable(FilterOffName, Ctx.UnsignedIntTy);
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

CXXRecordDecl* SiteInjector::helperClass() {
  if (HelperClass)
    return HelperClass;
  // struct __attribute__((visibility("hidden"))) __autospan_abi_v2 { ... };
  // Neither the class nor its members are visible to lookup. CodeGen emits a member function
  // defined in its class on first use (as linkonce_odr), so no top-level declaration is needed.
  // Hidden: calls to the members stay direct in -fPIC code (no PLT), and each shared object
  // keeps its own copy.
  SourceLocation Loc;
  // A precompiled header gets a class of its own name: its helpers are deserialized into every
  // translation unit that uses it, next to that unit's own (invisible to lookup, so not found
  // there), and two definitions of one mangled name are an error.
  std::string Name = HelperClassName.str();
  if (Ctx.getLangOpts().CompilingPCH)
    Name += "_pch";
  HelperClass = CXXRecordDecl::Create(Ctx, compat::StructTag, Ctx.getTranslationUnitDecl(), Loc,
                                      Loc, &Ctx.Idents.get(Name));
  HelperClass->setImplicit();
  HelperClass->addAttr(VisibilityAttr::CreateImplicit(Ctx, VisibilityAttr::Hidden));
  HelperClass->startDefinition();
  HelperClass->completeDefinition();
  return HelperClass;
}

CXXMethodDecl* SiteInjector::addHelper(llvm::StringRef Name, QualType Ret, QualType Param,
                                       llvm::StringRef ParamName, bool Noexcept) {
  SourceLocation Loc;
  CXXRecordDecl* RD = helperClass();
  FunctionProtoType::ExtProtoInfo EPI;
  if (Noexcept)
    EPI.ExceptionSpec.Type = EST_BasicNoexcept;
  QualType FT = Ctx.getFunctionType(Ret, {Param}, EPI);
  auto* M = CXXMethodDecl::Create(
      Ctx, RD, Loc, DeclarationNameInfo(DeclarationName(&Ctx.Idents.get(Name)), Loc), FT,
      Ctx.getTrivialTypeSourceInfo(FT, Loc), SC_Static, /*UsesFPIntrin=*/false, /*isInline=*/true,
      ConstexprSpecKind::Unspecified, Loc);
  M->setAccess(AS_public);
  M->setImplicit();
  if (!Noexcept) // calls still cannot throw (plain calls), without the body's terminate scope
    M->addAttr(NoThrowAttr::CreateImplicit(Ctx));
  auto* P = ParmVarDecl::Create(Ctx, M, Loc, Loc, &Ctx.Idents.get(ParamName), Param,
                                Ctx.getTrivialTypeSourceInfo(Param, Loc), SC_None, nullptr);
  M->setParams({P});
  RD->addDecl(M);
  return M;
}

FunctionDecl* SiteInjector::cleanupFunction(const AbiDecls& A) {
  if (!Ctx.getLangOpts().CPlusPlus)
    return A.Cleanup; // C: a `cleanup` function must already exist; the test is out of line
  if (Helper)
    return Helper;
  // static inline void exit(void** token) noexcept { if (*token) autospan_exit_v2(*token); }
  // At -O1 and above the test is inlined into every instrumented function.
  SourceLocation Loc;
  QualType TokenPtr = Ctx.getPointerType(Ctx.VoidPtrTy);
  CXXMethodDecl* M = addHelper(HelperName, Ctx.VoidTy, TokenPtr, "token");
  ParmVarDecl* P = M->getParamDecl(0);
  auto LoadToken = [&]() -> Expr* {
    auto* Ref = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), P, false, Loc,
                                    TokenPtr, VK_LValue);
    auto* Ptr = ImplicitCastExpr::Create(Ctx, TokenPtr, CK_LValueToRValue, Ref, nullptr, VK_PRValue,
                                         FPOptionsOverride());
    auto* Deref = UnaryOperator::Create(Ctx, Ptr, UO_Deref, Ctx.VoidPtrTy, VK_LValue, OK_Ordinary,
                                        Loc, /*CanOverflow=*/false, FPOptionsOverride());
    return ImplicitCastExpr::Create(Ctx, Ctx.VoidPtrTy, CK_LValueToRValue, Deref, nullptr,
                                    VK_PRValue, FPOptionsOverride());
  };
  Expr* Cond = ImplicitCastExpr::Create(Ctx, Ctx.BoolTy, CK_PointerToBoolean, LoadToken(), nullptr,
                                        VK_PRValue, FPOptionsOverride());
  auto* ExitRef = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), A.Exit,
                                      false, Loc, A.Exit->getType(), VK_LValue);
  auto* ExitPtr = ImplicitCastExpr::Create(Ctx, Ctx.getPointerType(A.Exit->getType()),
                                           CK_FunctionToPointerDecay, ExitRef, nullptr, VK_PRValue,
                                           FPOptionsOverride());
  Expr* Call = CallExpr::Create(Ctx, ExitPtr, {LoadToken()}, Ctx.VoidTy, VK_PRValue, Loc,
                                FPOptionsOverride());
  Stmt* If = IfStmt::Create(Ctx, Loc, IfStatementKind::Ordinary, /*Init=*/nullptr, /*Var=*/nullptr,
                            Cond, Loc, Loc, Call);
  Stmt* Body[] = {If};
  M->setBody(compat::createCompoundStmt(Ctx, Body, nullptr, Loc, Loc));
  A.Exit->setIsUsed();
  Helper = M;
  return Helper;
}

FunctionDecl* SiteInjector::enterFunction(const AbiDecls& A) {
  if (EnterHelper)
    return EnterHelper;
  // static __attribute__((noinline)) void* enter(autospan_site* site) noexcept {
  //   return <skip(*site)> ? nullptr : autospan_enter_v2(site);
  // }
  // Out of line on purpose: the tests are the same in every instrumented function, and inlined
  // into each (and into each inlined copy of one) they cost the optimiser more than a call costs
  // at run time (docs/performance.md, "Compile time").
  SourceLocation Loc;
  QualType SitePtr = A.Enter->getParamDecl(0)->getType();
  // With a tail call: not noexcept, whose terminate scope a musttail call may not skip.
  CXXMethodDecl* M = addHelper("enter", Ctx.VoidPtrTy, SitePtr, "site", !RuntimeUnwinds);
  M->addAttr(NoInlineAttr::CreateImplicit(Ctx));
  ParmVarDecl* P = M->getParamDecl(0);
  auto SitePointer = [&]() -> Expr* {
    auto* Ref = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), P, false, Loc,
                                    SitePtr, VK_LValue);
    return ImplicitCastExpr::Create(Ctx, SitePtr, CK_LValueToRValue, Ref, nullptr, VK_PRValue,
                                    FPOptionsOverride());
  };
  Expr* Site =
      UnaryOperator::Create(Ctx, SitePointer(), UO_Deref, SitePtr->getPointeeType(), VK_LValue,
                            OK_Ordinary, Loc, /*CanOverflow=*/false, FPOptionsOverride());
  if (!RuntimeUnwinds) {
    Expr* Value = guardedEnter(A, Site, SitePointer(), Loc);
    // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks): ASTContext owns `new (Ctx)` nodes
    Stmt* Body[] = {ReturnStmt::Create(Ctx, Loc, Value, nullptr)};
    M->setBody(compat::createCompoundStmt(Ctx, Body, nullptr, Loc, Loc));
  } else {
    // if (<skip>) return nullptr; [[clang::musttail]] return autospan_enter_v2(site);
    // The runtime records its caller's stack pointer (abi.h): a guaranteed tail call makes that
    // the instrumented function's, at every optimisation level and under sanitizers.
    Expr* Null = nullPointer(Loc);
    Stmt* Refuse = ReturnStmt::Create(Ctx, Loc, Null, nullptr);
    Stmt* If = IfStmt::Create(Ctx, Loc, IfStatementKind::Ordinary, /*Init=*/nullptr,
                              /*Var=*/nullptr, skipTest(A, Site, Loc), Loc, Loc, Refuse);
    Stmt* Tail = ReturnStmt::Create(Ctx, Loc, enterCall(A, A.Enter, SitePointer(), Loc), nullptr);
    const Attr* MustTail[] = {MustTailAttr::CreateImplicit(Ctx)};
    Stmt* Body[] = {If, AttributedStmt::Create(Ctx, Loc, MustTail, Tail)};
    M->setBody(compat::createCompoundStmt(Ctx, Body, nullptr, Loc, Loc));
  }
  EnterHelper = M;
  return EnterHelper;
}

Expr* SiteInjector::enterCall(const AbiDecls& A, FunctionDecl* Callee, Expr* Arg,
                              SourceLocation Loc) {
  auto* Ref = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), Callee, false,
                                  Loc, Callee->getType(), VK_LValue);
  auto* Ptr = ImplicitCastExpr::Create(Ctx, Ctx.getPointerType(Callee->getType()),
                                       CK_FunctionToPointerDecay, Ref, nullptr, VK_PRValue,
                                       FPOptionsOverride());
  QualType ParamTy = Callee->getParamDecl(0)->getType();
  if (!Ctx.hasSameType(ParamTy, Arg->getType())) // e.g. a typedef: same record, different sugar
    Arg = ImplicitCastExpr::Create(Ctx, ParamTy, CK_NoOp, Arg, nullptr, VK_PRValue,
                                   FPOptionsOverride());
  Callee->setIsUsed();
  (void)A;
  return CallExpr::Create(Ctx, Ptr, {Arg}, Ctx.VoidPtrTy, VK_PRValue, Loc, FPOptionsOverride());
}

Expr* SiteInjector::nullPointer(SourceLocation Loc) {
  return ImplicitCastExpr::Create(
      Ctx, Ctx.VoidPtrTy, CK_NullToPointer,
      IntegerLiteral::Create(Ctx, llvm::APInt(Ctx.getIntWidth(Ctx.IntTy), 0), Ctx.IntTy, Loc),
      nullptr, VK_PRValue, FPOptionsOverride());
}

Expr* SiteInjector::guardedEnter(const AbiDecls& A, Expr* Site, Expr* SiteAddress,
                                 SourceLocation Loc) {
  Expr* Null = nullPointer(Loc);
  return new (Ctx) ConditionalOperator(skipTest(A, Site, Loc), Loc, Null, Loc,
                                       enterCall(A, A.Enter, SiteAddress, Loc), Ctx.VoidPtrTy,
                                       VK_PRValue, OK_Ordinary);
}

Expr* SiteInjector::skipTest(const AbiDecls& A, Expr* Site, SourceLocation Loc) {
  // `gate != 0 || (atomic_load(&site.state) & ~1u) == atomic_load(&filter_off) ? NULL :
  // autospan_enter_v2(&site)`: what the runtime would answer with NULL at once costs loads and
  // branches, no runtime call (abi.h). The loads are relaxed atomics, as the runtime writes those
  // words with atomics (ThreadSanitizer builds see no race).
  const bool CPlusPlus = Ctx.getLangOpts().CPlusPlus;
  QualType CondTy = CPlusPlus ? Ctx.BoolTy : Ctx.IntTy;
  auto Int = [&](QualType T, uint64_t V) -> Expr* {
    return IntegerLiteral::Create(Ctx, llvm::APInt(Ctx.getIntWidth(T), V), T, Loc);
  };
  auto RelaxedLoad = [&](Expr* LValue) -> Expr* {
    QualType T = LValue->getType();
    auto* Addr =
        UnaryOperator::Create(Ctx, LValue, UO_AddrOf, Ctx.getPointerType(T), VK_PRValue,
                              OK_Ordinary, Loc, /*CanOverflow=*/false, FPOptionsOverride());
    Expr* Args[] = {Addr, Int(Ctx.IntTy, 0)}; // __ATOMIC_RELAXED
    return new (Ctx)
        AtomicExpr(Loc, Args, T.getUnqualifiedType(), AtomicExpr::AO__atomic_load_n, Loc);
  };
  auto Binary = [&](Expr* L, BinaryOperatorKind Op, Expr* R, QualType T) -> Expr* {
    return BinaryOperator::Create(Ctx, L, R, Op, T, VK_PRValue, OK_Ordinary, Loc,
                                  FPOptionsOverride());
  };
  auto* GateRef = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), A.ThreadGate,
                                      false, Loc, A.ThreadGate->getType(), VK_LValue);
  // The gate is only written by its own thread: a plain load.
  Expr* Gate = ImplicitCastExpr::Create(Ctx, Ctx.UnsignedCharTy, CK_LValueToRValue, GateRef,
                                        nullptr, VK_PRValue, FPOptionsOverride());
  Gate = ImplicitCastExpr::Create(Ctx, Ctx.IntTy, CK_IntegralCast, Gate, nullptr, VK_PRValue,
                                  FPOptionsOverride());
  Expr* GateSet = Binary(Gate, BO_NE, Int(Ctx.IntTy, 0), CondTy);
  Expr* StateField = MemberExpr::CreateImplicit(Ctx, Site, /*IsArrow=*/false, A.State,
                                                Ctx.UnsignedIntTy, VK_LValue, OK_Ordinary);
  // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks): ASTContext owns `new (Ctx)` nodes
  Expr* State = Binary(RelaxedLoad(StateField), BO_And, Int(Ctx.UnsignedIntTy, ~1u & 0xffffffffu),
                       Ctx.UnsignedIntTy);
  auto* FilterRef = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(),
                                        A.FilterOff, false, Loc, A.FilterOff->getType(), VK_LValue);
  // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks): ASTContext owns `new (Ctx)` nodes
  Expr* FilteredOff = Binary(State, BO_EQ, RelaxedLoad(FilterRef), CondTy);
  A.ThreadGate->setIsUsed();
  A.FilterOff->setIsUsed();
  return Binary(GateSet, BO_LOr, FilteredOff, CondTy);
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

  llvm::SmallVector<Expr*, 8> Fields = {
      String(D.SpanName), String(D.FunctionName), String(D.File), Unsigned(D.Line),
      Unsigned(AUTOSPAN_SITE_AUTO | (RuntimeUnwinds ? AUTOSPAN_SITE_RUNTIME_UNWINDS : 0))};
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
  // -O0: a plain call of autospan_enter_v2, which answers NULL itself (tests would only add blocks
  // to compile, and nothing is inlined anyway). Optimised C++: the out-of-line helper with the
  // tests (enterFunction). Optimised C, which has no linkonce helper: the tests inline.
  Expr* Call;
  if (!Ctx.getLangOpts().Optimize) {
    Call = enterCall(A, A.Enter, SiteAddr, Loc);
  } else if (Ctx.getLangOpts().CPlusPlus) {
    Call = enterCall(A, enterFunction(A), SiteAddr, Loc);
  } else {
    auto* StateSiteRef = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), Site,
                                             /*RefersToEnclosingVariableOrCapture=*/false, Loc,
                                             A.SiteType, VK_LValue);
    Call = guardedEnter(A, StateSiteRef, SiteAddr, Loc);
  }
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
    Expr* Null = nullPointer(Loc);
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
  FunctionDecl* Cleanup = cleanupFunction(A);
  Token->addAttr(CleanupAttr::CreateImplicit(Ctx, Cleanup, SourceRange(Loc)));
  // The static analyser does not see the cleanup read the token: without `unused` its dead-store
  // check reports the initialisation in every instrumented function (clang-tidy runs the plugin
  // when a compile command loads it).
  Token->addAttr(UnusedAttr::CreateImplicit(Ctx));
  Token->setImplicit();
  Token->setIsUsed();
  Token->setReferenced();
  A.Enter->setIsUsed();
  Cleanup->setIsUsed();

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
