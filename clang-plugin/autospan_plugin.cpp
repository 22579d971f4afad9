// Registration of the `autospan` plugin: -fplugin=autospan-plugin.so -fplugin-arg-autospan-...
#include "exit_test_pass.h"
#include "instrumenting_consumer.h"
#include "plugin_options.h"
#include "unwind_pass.h"

#include "clang/Basic/Version.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/Lex/Preprocessor.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace clang;

namespace autospan::plugin {
namespace {

// The major version in "Debian clang version 19.1.7 (...)"; 0 if it cannot be found. No LLVM
// here: it runs before we know that the host's LLVM is ours.
unsigned long majorOf(const std::string& FullVersion) {
  size_t At = FullVersion.find("version ");
  if (At == std::string::npos)
    return 0;
  return std::strtoul(FullVersion.c_str() + At + 8, nullptr, 10);
}

// A plugin only works inside the Clang major it was compiled against: the classes it derives
// from and the objects it builds change layout between majors. This runs when the compiler loads
// the plugin, before the registration below and before the compiler constructs our action with
// its own (possibly different) base class layout. It only calls a free function returning
// std::string and the C library.
struct HostVersionCheck {
  HostVersionCheck() {
    std::string Host = getClangFullVersion();
    if (majorOf(Host) == CLANG_VERSION_MAJOR)
      return;
    std::fprintf(stderr,
                 "error: autospan-plugin.so was built for Clang %d, but this compiler is "
                 "'%s'; use clang-%d (or autospan-rewrite, which works with any compiler)\n",
                 CLANG_VERSION_MAJOR, Host.c_str(), CLANG_VERSION_MAJOR);
    std::fflush(stderr);
    std::_Exit(1);
  }
};
const HostVersionCheck CheckHostVersion;

class AutospanAction : public PluginASTAction {
protected:
  bool ParseArgs(const CompilerInstance& CI, const std::vector<std::string>& Args) override {
    Options = parsePluginOptions(const_cast<CompilerInstance&>(CI), Args);
    return Options.has_value();
  }

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance& CI, llvm::StringRef) override {
    if (!Options)
      return nullptr; // ParseArgs failed: the compiler has stopped with its diagnostics
    const bool RuntimeUnwinds = registerUnwindPass(CI);
    // After the unwind pass, which finds exits by the helper's calls.
    registerExitTestPass(CI, Options->InlineChecks);
    // This action dies right after this call: the consumer takes the options with it.
    return std::make_unique<InstrumentingConsumer>(std::move(*Options), CI.getDiagnostics(),
                                                   CI.getPreprocessor().getHeaderSearchInfo(),
                                                   RuntimeUnwinds);
  }

  ActionType getActionType() override { return AddBeforeMainAction; }

private:
  std::optional<PluginOptions> Options;
};

} // namespace
} // namespace autospan::plugin

static clang::FrontendPluginRegistry::Add<autospan::plugin::AutospanAction>
    Registration("autospan", "instrument functions with OpenTelemetry spans (autospan)");
