// Rewrites a function body in the AST so that it enters and leaves a span (ABI version 2 of
// include/autospan/detail/abi.h):
//
//   {
//     static autospan_site __autospan_site = {name, function, file, line, AUTOSPAN_SITE_AUTO,
//                                             0, 0};
//     void* __autospan_token __attribute__((cleanup(__autospan_abi_v2::exit))) =
//         autospan_disabled_v2 ? nullptr : autospan_enter_v2(&__autospan_site);
//     ...original statements...
//   }
//
// where __autospan_abi_v2::exit is an inline `if (*token) autospan_exit_v2(*token);` synthesised
// once per translation unit (C: cleanup(autospan_cleanup_v2), the same test out of line). The
// descriptor is a constant-initialised static (no guard variable); the cleanup runs on every way
// out, exception unwinding included. The ABI functions are extern "C" and noexcept, so they are
// plain calls, not invokes. A disabled runtime costs a load and a branch; a token that is null
// (sampled out, filtered off) costs no exit call. Constructors get the guard after their member
// initialisers (the body starts there); function-try-blocks get it inside the try block.
#ifndef AUTOSPAN_PLUGIN_SITE_INJECTOR_H
#define AUTOSPAN_PLUGIN_SITE_INJECTOR_H

#include "selection/selection.h"

#include "clang/AST/Type.h"

namespace clang {
class ASTContext;
class FunctionDecl;
class RecordDecl;
class VarDecl;
} // namespace clang

namespace autospan::plugin {

class SiteInjector {
public:
  explicit SiteInjector(clang::ASTContext& Ctx) : Ctx(Ctx) {}

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
    clang::VarDecl* Disabled = nullptr;     // volatile unsigned char autospan_disabled_v2
    bool FromSource = false;
  };
  const AbiDecls& abi();
  bool lookUpDeclared(AbiDecls& Out);
  void synthesise(AbiDecls& Out);

  clang::FunctionDecl* isConstantEvaluatedBuiltin();
  // The function the token's `cleanup` attribute names (C++: the inline helper).
  clang::FunctionDecl* cleanupFunction(const AbiDecls& A);

  clang::ASTContext& Ctx;
  clang::FunctionDecl* IsConstantEvaluated = nullptr;
  clang::FunctionDecl* Helper = nullptr;
  AbiDecls Abi;
  AbiDecls Synthesised;
};

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_SITE_INJECTOR_H
