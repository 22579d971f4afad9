#include "mirror_database.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace autospan::rewriter {
namespace {

bool startsWithDir(llvm::StringRef Path, llvm::StringRef Dir) {
  Dir = Dir.rtrim('/');
  return Path.starts_with(Dir) &&
         (Path.size() == Dir.size() || llvm::sys::path::is_separator(Path[Dir.size()]));
}

} // namespace

std::vector<clang::tooling::CompileCommand>
MirrorCompilationDatabase::getCompileCommands(llvm::StringRef FilePath) const {
  llvm::SmallString<256> Abs(FilePath);
  llvm::sys::fs::make_absolute(Abs);
  llvm::sys::path::remove_dots(Abs, /*remove_dot_dot=*/true);
  if (SourceRoot.empty() || OutputDir.empty() || !startsWithDir(Abs, SourceRoot))
    return Base.getCompileCommands(FilePath);

  llvm::StringRef Root = llvm::StringRef(SourceRoot).rtrim('/');
  llvm::StringRef Out = llvm::StringRef(OutputDir).rtrim('/');
  std::string Mirror = (Out + llvm::StringRef(Abs).substr(Root.size())).str();
  std::vector<clang::tooling::CompileCommand> Commands;
  for (clang::tooling::CompileCommand Cmd : Base.getCompileCommands(Mirror)) {
    if (!Cmd.Heuristic.empty())
      continue; // guessed from a neighbour: not the copy's own command
    for (std::string& Arg : Cmd.CommandLine) {
      size_t At = Arg.find(Out.str());
      // Paths below OutputDir, whether alone (`dir/a.cpp`) or joined to a flag (`-Idir`).
      if (At != std::string::npos &&
          (At + Out.size() == Arg.size() || llvm::sys::path::is_separator(Arg[At + Out.size()])))
        Arg.replace(At, Out.size(), Root.str());
    }
    Cmd.Filename = std::string(Abs);
    Commands.push_back(std::move(Cmd));
  }
  if (!Commands.empty())
    return Commands;
  return Base.getCompileCommands(FilePath);
}

} // namespace autospan::rewriter
