// Registration of the `autospan` plugin: -fplugin=autospan-plugin.so -fplugin-arg-autospan-...
#include "instrumenting_consumer.h"
#include "plugin_options.h"

#include "clang/Basic/Version.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/Lex/Preprocessor.h"

#include <cstdio>
#include <cstdlib>

using namespace clang;

namespace autospan::plugin {
namespace {

// The major version in "Debian clang version 19.1.7 (...)"; 0 if it cannot be found.
unsigned majorOf(llvm::StringRef FullVersion) {
  size_t At = FullVersion.find("version ");
  if (At == llvm::StringRef::npos)
    return 0;
  llvm::StringRef Digits = FullVersion.drop_front(At + 8);
  unsigned Major = 0;
  Digits.consumeInteger(10, Major);
  return Major;
}

class AutospanAction : public PluginASTAction {
protected:
  bool ParseArgs(const CompilerInstance& CI, const std::vector<std::string>& Args) override {
    // A plugin only works inside the Clang major it was compiled against: the C++ classes it
    // derives from change layout between majors. Check before touching any of them; only plain
    // C I/O is safe to use from here when the versions differ.
    std::string Host = getClangFullVersion();
    if (majorOf(Host) != CLANG_VERSION_MAJOR) {
      std::fprintf(stderr,
                   "error: autospan-plugin.so was built for Clang %d, but this compiler is "
                   "'%s'; use clang-%d (or autospan-rewrite, which works with any compiler)\n",
                   CLANG_VERSION_MAJOR, Host.c_str(), CLANG_VERSION_MAJOR);
      std::fflush(stderr);
      std::_Exit(1);
    }
    Options = parsePluginOptions(const_cast<CompilerInstance&>(CI), Args);
    return Options.has_value();
  }

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance& CI, llvm::StringRef) override {
    // This action dies right after this call: the consumer takes the options with it.
    return std::make_unique<InstrumentingConsumer>(std::move(*Options), CI.getDiagnostics(),
                                                   CI.getPreprocessor().getHeaderSearchInfo());
  }

  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  std::optional<PluginOptions> Options;
};

} // namespace
} // namespace autospan::plugin

static clang::FrontendPluginRegistry::Add<autospan::plugin::AutospanAction>
    Registration("autospan", "instrument functions with OpenTelemetry spans (autospan)");
