// Rewrites a function body in the AST so that it enters and leaves a span (include/autospan/
// detail/abi.h):
//
//   {
//     static autospan_site __autospan_site = {name, function, file, line, AUTOSPAN_SITE_AUTO, 0,
//     0}; void* __autospan_token __attribute__((cleanup(autospan_exit_v1))) =
//         autospan_enter_v1(&__autospan_site);
//     ...original statements...
//   }
//
// The descriptor is a constant-initialised static (no guard variable); the cleanup runs on every
// way out, exception unwinding included. Both calls are extern "C" and noexcept, so they are
// plain calls, not invokes. Constructors get the guard after their member initialisers (the body
// starts there); function-try-blocks get it inside the try block.
#ifndef AUTOSPAN_PLUGIN_SITE_INJECTOR_H
#define AUTOSPAN_PLUGIN_SITE_INJECTOR_H

#include "selection/selection.h"

#include "clang/AST/Type.h"

namespace clang {
class ASTContext;
class FunctionDecl;
class RecordDecl;
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
  //   void* __autospan_token = __builtin_is_constant_evaluated() ? nullptr : autospan_enter_v1(..);
  // which the constant evaluator accepts, and which is a plain call at run time.

private:
  // The ABI declarations used by injected code: the user's own when the translation unit
  // includes <autospan/autospan.h>, otherwise declarations synthesised here and never made
  // visible to name lookup, so that a later #include cannot conflict with them.
  struct AbiDecls {
    clang::QualType SiteType; // autospan_site
    clang::FunctionDecl* Enter = nullptr;
    clang::FunctionDecl* Exit = nullptr;
    bool FromSource = false;
  };
  const AbiDecls& abi();
  bool lookUpDeclared(AbiDecls& Out);
  void synthesise(AbiDecls& Out);

  clang::FunctionDecl* isConstantEvaluatedBuiltin();

  clang::ASTContext& Ctx;
  clang::FunctionDecl* IsConstantEvaluated = nullptr;
  AbiDecls Abi;
  AbiDecls Synthesised;
};

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_SITE_INJECTOR_H
