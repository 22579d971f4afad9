#include "compile_args.h"

#include "clang/Driver/Options.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Option/Arg.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

#include <algorithm>
#include <memory>
#include <vector>

using clang::tooling::ArgumentsAdjuster;
using clang::tooling::CommandLineArguments;

namespace autospan::rewriter {
namespace {

bool isPluginFlag(llvm::StringRef Arg) {
  return Arg.starts_with("-fplugin=") || Arg.starts_with("-fplugin-arg-") ||
         Arg.starts_with("-fpass-plugin=");
}

// Indices (into Args) of arguments the Clang driver reports as unknown. Args[0] is the compiler.
std::vector<size_t> unknownArguments(const CommandLineArguments& Args) {
  std::vector<const char*> Argv;
  for (size_t I = 1; I < Args.size(); ++I)
    Argv.push_back(Args[I].c_str());
  unsigned MissingIndex = 0, MissingCount = 0;
  const llvm::opt::OptTable& Table = clang::driver::getDriverOptTable();
  llvm::opt::InputArgList Parsed = Table.ParseArgs(
      Argv, MissingIndex, MissingCount, llvm::opt::Visibility(clang::driver::options::ClangOption));
  std::vector<size_t> Unknown;
  for (const llvm::opt::Arg* A : Parsed)
    if (A->getOption().getKind() == llvm::opt::Option::UnknownClass)
      Unknown.push_back(A->getIndex() + 1);
  return Unknown;
}

} // namespace

ArgumentsAdjuster getDropUnsupportedAdjuster(llvm::raw_ostream& Notes) {
  auto Noted = std::make_shared<llvm::StringSet<>>();
  ArgumentsAdjuster StripXclangPlugins = clang::tooling::getStripPluginsAdjuster();
  return [Noted, StripXclangPlugins, &Notes](const CommandLineArguments& In, llvm::StringRef File) {
    CommandLineArguments Args = StripXclangPlugins(In, File);
    auto Note = [&](llvm::StringRef Arg, llvm::StringRef Why) {
      if (Noted->insert(Arg).second)
        Notes << "autospan-rewrite: note: dropping '" << Arg << "' from the compile command ("
              << Why << ")\n";
    };
    std::vector<bool> Drop(Args.size(), false);
    for (size_t I : unknownArguments(Args)) {
      Drop[I] = true;
      Note(Args[I], "not a Clang 19 argument");
    }
    for (size_t I = 1; I < Args.size(); ++I) {
      if (isPluginFlag(Args[I])) {
        Drop[I] = true;
        Note(Args[I], "compiler plugins do not run in the rewriter");
      }
    }
    CommandLineArguments Out;
    for (size_t I = 0; I < Args.size(); ++I)
      if (!Drop[I])
        Out.push_back(Args[I]);
    return Out;
  };
}

ArgumentsAdjuster getRewriterDefaultsAdjuster(std::string ResourceDir, std::string HeaderDir) {
  return [ResourceDir, HeaderDir](const CommandLineArguments& In, llvm::StringRef) {
    CommandLineArguments Args = In;
    if (Args.empty())
      return Args;
    std::vector<std::string> Extra;
    const bool HasResourceDir = llvm::any_of(
        Args, [](const std::string& A) { return llvm::StringRef(A).starts_with("-resource-dir"); });
    if (!ResourceDir.empty() && !HasResourceDir)
      Extra.push_back("-resource-dir=" + ResourceDir);
    if (!HeaderDir.empty()) {
      Extra.push_back("-idirafter");
      Extra.push_back(HeaderDir);
    }
    Extra.push_back("-w");
    // After the compiler name, before anything that might be `--` followed by inputs.
    Args.insert(Args.begin() + 1, Extra.begin(), Extra.end());
    return Args;
  };
}

std::string defaultResourceDir() {
  if (std::optional<std::string> Env = llvm::sys::Process::GetEnv("AUTOSPAN_REWRITE_RESOURCE_DIR"))
    return *Env;
#ifdef AUTOSPAN_REWRITE_BUILD_RESOURCE_DIR
  if (llvm::sys::fs::is_directory(AUTOSPAN_REWRITE_BUILD_RESOURCE_DIR))
    return AUTOSPAN_REWRITE_BUILD_RESOURCE_DIR;
#endif
  return {};
}

std::string defaultHeaderDir(const char* Argv0) {
  // The address of any function in this binary lets LLVM find the executable path.
  static int Anchor;
  std::string Exe = llvm::sys::fs::getMainExecutable(Argv0, &Anchor);
  if (!Exe.empty()) {
    llvm::SmallString<256> Installed(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(Exe)));
    llvm::sys::path::append(Installed, "include");
    llvm::SmallString<256> Header(Installed);
    llvm::sys::path::append(Header, "autospan", "autospan.h");
    if (llvm::sys::fs::exists(Header))
      return std::string(Installed);
  }
#ifdef AUTOSPAN_REWRITE_SOURCE_HEADER_DIR
  if (llvm::sys::fs::is_directory(AUTOSPAN_REWRITE_SOURCE_HEADER_DIR))
    return AUTOSPAN_REWRITE_SOURCE_HEADER_DIR;
#endif
  return {};
}

} // namespace autospan::rewriter
