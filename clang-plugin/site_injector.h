// Rewrites a function body in the AST so that it enters and leaves a span (ABI version 2 of
// include/autospan/detail/abi.h):
//
//   {
//     static autospan_site __autospan_site = {name, function, file, line, AUTOSPAN_SITE_AUTO,
//                                             0, 0};
//     void* __autospan_token __attribute__((cleanup(__autospan_abi_v2::exit))) =
//         __autospan_abi_v2::enter(&__autospan_site);
//     ...original statements...
//   }
//
// where __autospan_abi_v2 (hidden) is synthesised once per translation unit: `enter`, out of line,
// answers NULL for what the runtime would refuse at once and otherwise calls autospan_enter_v2
// (abi.h: the thread gate and the filter tag), `exit` is an inline `if (*token)
// autospan_exit_v2(*token);` (optimised, exit_test_pass.h hides that test from the optimiser and
// puts it back at the end). C: the enter tests inline, cleanup(autospan_cleanup_v2). -O0:
// autospan_enter_v2 directly. The
// descriptor is a constant-initialised static (no guard variable); the cleanup runs on every way
// out, exception unwinding included (with Clang 17+, unwind_pass.h then takes it off the unwinding
// path, and the entry helper reaches autospan_enter_v2 by a guaranteed tail call). The ABI
// functions are extern "C" and noexcept, so they are plain calls, not invokes. A call the runtime
// would answer with NULL at once (disabled, sampled out, outside a required parent, filtered off)
// costs a few loads and branches and no call; a null token costs no exit call. -O0 calls
// autospan_enter_v2 unconditionally. Constructors get the guard after their member initialisers
// (the body starts there); function-try-blocks get it inside the try block.
#ifndef AUTOSPAN_PLUGIN_SITE_INJECTOR_H
#define AUTOSPAN_PLUGIN_SITE_INJECTOR_H

#include "selection/selection.h"

#include "clang/AST/Type.h"
#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/StringRef.h"

namespace clang {
class ASTContext;
class CXXMethodDecl;
class CXXRecordDecl;
class Expr;
class FieldDecl;
class FunctionDecl;
class RecordDecl;
class VarDecl;
} // namespace clang

namespace autospan::plugin {

class SiteInjector {
public:
  // RuntimeUnwinds: the plugin's IR step (unwind_pass.h) takes the exits off the unwinding path;
  // sites say so (AUTOSPAN_SITE_RUNTIME_UNWINDS) and the entry helper tail-calls the runtime.
  SiteInjector(clang::ASTContext& Ctx, bool RuntimeUnwinds)
      : Ctx(Ctx), RuntimeUnwinds(RuntimeUnwinds) {}

  // FD must have a body that is not a coroutine body (selection::decide() guarantees it).
  void inject(clang::FunctionDecl& FD, const selection::Decision& D);

  // Lambdas are implicitly constexpr from C++17 on. The selection only instruments those that
  // are not meant for compile time, but a later constant evaluation is still possible (a
  // default member initialiser evaluated for a constexpr object after the class is complete).
  // Their entry therefore reads
  //   void* __autospan_token = __builtin_is_constant_evaluated() ? nullptr : <the normal entry>;
  // which the constant evaluator accepts, and which is a plain call at run time.

private:
  // The ABI declarations used by injected code: the user's own when the translation unit
  // includes <autospan/autospan.h>, otherwise declarations synthesised here and never made
  // visible to name lookup, so that a later #include cannot conflict with them.
  struct AbiDecls {
    clang::QualType SiteType; // autospan_site
    clang::FunctionDecl* Enter = nullptr;
    clang::FunctionDecl* Exit = nullptr;    // void autospan_exit_v2(void* token)
    clang::FunctionDecl* Cleanup = nullptr; // void autospan_cleanup_v2(void** token)
    clang::VarDecl* ThreadGate = nullptr;   // __thread unsigned char autospan_thread_gate_v2
    clang::VarDecl* FilterOff = nullptr;    // unsigned int autospan_filter_off_v2
    clang::FieldDecl* State = nullptr;      // autospan_site::state
    bool FromSource = false;
  };
  const AbiDecls& abi();
  bool lookUpDeclared(AbiDecls& Out);
  void synthesise(AbiDecls& Out);

  clang::FunctionDecl* isConstantEvaluatedBuiltin();
  // The function the token's `cleanup` attribute names (C++: the inline helper).
  clang::FunctionDecl* cleanupFunction(const AbiDecls& A);
  // C++: the out-of-line helper that makes the tests and calls autospan_enter_v2.
  clang::FunctionDecl* enterFunction(const AbiDecls& A);
  // The hidden class holding the C++ helpers, and one more static member of it.
  clang::CXXRecordDecl* helperClass();
  clang::CXXMethodDecl* addHelper(llvm::StringRef Name, clang::QualType Ret, clang::QualType Param,
                                  llvm::StringRef ParamName, bool Noexcept = true);
  // `Callee(Arg)` for a function taking an autospan_site*.
  clang::Expr* enterCall(const AbiDecls& A, clang::FunctionDecl* Callee, clang::Expr* Arg,
                         clang::SourceLocation Loc);
  // `skip(Site) ? NULL : autospan_enter_v2(SiteAddress)` (abi.h).
  clang::Expr* guardedEnter(const AbiDecls& A, clang::Expr* Site, clang::Expr* SiteAddress,
                            clang::SourceLocation Loc);
  // `(void*)0`
  clang::Expr* nullPointer(clang::SourceLocation Loc);
  // `gate != 0 || filtered off`: what guardedEnter tests.
  clang::Expr* skipTest(const AbiDecls& A, clang::Expr* Site, clang::SourceLocation Loc);

  clang::ASTContext& Ctx;
  bool RuntimeUnwinds;
  clang::FunctionDecl* IsConstantEvaluated = nullptr;
  clang::FunctionDecl* Helper = nullptr;
  clang::FunctionDecl* EnterHelper = nullptr;
  clang::CXXRecordDecl* HelperClass = nullptr;
  AbiDecls Abi;
  AbiDecls Synthesised;
};

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_SITE_INJECTOR_H
