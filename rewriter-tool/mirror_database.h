// Compile commands for build integration (`autospan_instrument(... MODE rewrite)`): the target
// compiles rewritten copies under OutputDir, so the project's compile database describes those
// copies, not the sources the rewriter reads. A source with no command of its own borrows the
// command of its copy, with every path below OutputDir pointed back to SourceRoot (the copies'
// include directories must not shadow the originals while they are being analysed).
#ifndef AUTOSPAN_REWRITER_MIRROR_DATABASE_H
#define AUTOSPAN_REWRITER_MIRROR_DATABASE_H

#include "clang/Tooling/CompilationDatabase.h"

#include <string>

namespace autospan::rewriter {

class MirrorCompilationDatabase : public clang::tooling::CompilationDatabase {
public:
  MirrorCompilationDatabase(const clang::tooling::CompilationDatabase& Base, std::string SourceRoot,
                            std::string OutputDir)
      : Base(Base), SourceRoot(std::move(SourceRoot)), OutputDir(std::move(OutputDir)) {}

  std::vector<clang::tooling::CompileCommand>
  getCompileCommands(llvm::StringRef FilePath) const override;
  std::vector<std::string> getAllFiles() const override { return Base.getAllFiles(); }

private:
  const clang::tooling::CompilationDatabase& Base;
  std::string SourceRoot;
  std::string OutputDir;
};

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_MIRROR_DATABASE_H
