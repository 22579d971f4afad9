#include "plugin_options.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"

using namespace clang;

namespace autospan::plugin {
namespace {

std::string validArguments() {
  std::string S;
  for (llvm::StringRef Key : selection::settingKeys())
    S += Key.str() +
         (Key == "min-statements" ? "=N"
          : Key == "filter-file"  ? "=PATH"
                                  : "=PATTERN") +
         ", ";
  return S + "inline-checks, verbose, verbose=all";
}

// Reads a filter file through the compiler's file manager so that errors point into it.
bool applyFilterFile(CompilerInstance& CI, selection::Config& Config, llvm::StringRef Path) {
  DiagnosticsEngine& Diags = CI.getDiagnostics();
  llvm::Expected<FileEntryRef> File = CI.getFileManager().getFileRef(Path);
  if (!File) {
    unsigned ID = Diags.getCustomDiagID(DiagnosticsEngine::Error,
                                        "autospan: cannot read filter file '%0': %1");
    Diags.Report(ID) << Path << llvm::toString(File.takeError());
    return false;
  }
  SourceManager& SM = CI.getSourceManager();
  FileID FID = SM.createFileID(*File, SourceLocation(), SrcMgr::C_User);
  auto Buffer = SM.getBufferOrNone(FID); // llvm::Optional before Clang 16
  if (!Buffer) {
    unsigned ID =
        Diags.getCustomDiagID(DiagnosticsEngine::Error, "autospan: cannot read filter file '%0'");
    Diags.Report(ID) << Path;
    return false;
  }
  std::optional<selection::ConfigError> Error =
      selection::applyFilterText(Config, Buffer->getBuffer(), Path);
  if (!Error)
    return true;
  unsigned ID = Diags.getCustomDiagID(DiagnosticsEngine::Error, "autospan: %0");
  Diags.Report(SM.translateLineCol(FID, Error->Line, Error->Column), ID) << Error->Message;
  return false;
}

} // namespace

std::optional<PluginOptions> parsePluginOptions(CompilerInstance& CI,
                                                const std::vector<std::string>& Args) {
  DiagnosticsEngine& Diags = CI.getDiagnostics();
  PluginOptions Options;
  bool Ok = true;
  auto Fail = [&](llvm::StringRef Message, bool ListValid = false) {
    if (ListValid) {
      unsigned ID = Diags.getCustomDiagID(DiagnosticsEngine::Error,
                                          "autospan: %0 (valid: -fplugin-arg-autospan- followed "
                                          "by %1)");
      Diags.Report(ID) << Message << validArguments();
    } else {
      unsigned ID = Diags.getCustomDiagID(DiagnosticsEngine::Error, "autospan: %0");
      Diags.Report(ID) << Message;
    }
    Ok = false;
  };
  for (const std::string& Arg : Args) {
    auto [Key, Value] = llvm::StringRef(Arg).split('=');
    bool HasValue = Key.size() != Arg.size();
    if (Key == "verbose") {
      if (!HasValue)
        Options.Verbose = Verbosity::Decisions;
      else if (Value == "all")
        Options.Verbose = Verbosity::All;
      else
        Fail("invalid value '" + Value.str() + "' for 'verbose'", true);
      continue;
    }
    if (Key == "inline-checks") {
      if (HasValue)
        Fail("argument 'inline-checks' takes no value", true);
      else
        Options.InlineChecks = true;
      continue;
    }
    if (!llvm::is_contained(selection::settingKeys(), Key)) {
      Fail("unknown argument '" + Arg + "'", true);
      continue;
    }
    if (!HasValue || Value.empty()) {
      Fail("argument '" + Key.str() + "' needs a value", true);
      continue;
    }
    if (Key == "filter-file") {
      Ok &= applyFilterFile(CI, Options.Selection, Value);
      continue;
    }
    if (std::optional<selection::ConfigError> Error =
            selection::applySetting(Options.Selection, Key, Value))
      Fail(Error->Message);
  }
  if (!Ok)
    return std::nullopt;
  return Options;
}

} // namespace autospan::plugin
