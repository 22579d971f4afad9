// The AST consumer that finds every function definition as soon as the parser (or template
// instantiation) hands it over, asks the selection library about it, and instruments it before
// code generation sees it.
#ifndef AUTOSPAN_PLUGIN_INSTRUMENTING_CONSUMER_H
#define AUTOSPAN_PLUGIN_INSTRUMENTING_CONSUMER_H

#include "plugin_options.h"
#include "site_injector.h"

#include "clang/AST/ASTConsumer.h"
#include "llvm/ADT/DenseSet.h"

#include <memory>

namespace clang {
class DiagnosticsEngine;
class FunctionDecl;
class HeaderSearch;
} // namespace clang

namespace autospan::plugin {

class InstrumentingConsumer : public clang::ASTConsumer {
public:
  // RuntimeUnwinds: unwind_pass.h runs on this translation unit's IR.
  InstrumentingConsumer(PluginOptions Options, clang::DiagnosticsEngine& Diags,
                        clang::HeaderSearch& Headers, bool RuntimeUnwinds);

  void Initialize(clang::ASTContext& Ctx) override;
  // Runs before CodeGen's own HandleTopLevelDecl (the plugin is added before the main action),
  // which emits non-inline functions right away: later edits would be lost for them.
  // Declarations from a precompiled header arrive here too (HandleInterestingDecl).
  bool HandleTopLevelDecl(clang::DeclGroupRef DG) override;

  // Called by the traversal for every function definition it meets.
  void handleFunction(clang::FunctionDecl& FD);
  bool inSystemHeader(clang::SourceLocation Loc);

private:
  void report(const clang::FunctionDecl& FD, const selection::Decision& D);

  PluginOptions Options;
  clang::DiagnosticsEngine& Diags;
  clang::HeaderSearch& Headers;
  bool RuntimeUnwinds;
  clang::ASTContext* Ctx = nullptr;
  std::unique_ptr<SiteInjector> Injector;
  std::unique_ptr<selection::SystemHeaders> SystemHeaders;
  // Instantiations of local classes can arrive both on their own and inside their enclosing
  // function; each function is decided once.
  llvm::DenseSet<const clang::FunctionDecl*> Seen;
  unsigned InstrumentedID = 0;
  unsigned InstrumentedAsID = 0;
  unsigned SkippedID = 0;
};

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_INSTRUMENTING_CONSUMER_H
