// Which locations are in system headers, for rule 1 of selection.h.
#ifndef AUTOSPAN_SELECTION_SYSTEM_HEADERS_H
#define AUTOSPAN_SELECTION_SYSTEM_HEADERS_H

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/DenseMap.h"

#include <string>
#include <vector>

namespace clang {
class HeaderSearch;
class SourceManager;
} // namespace clang

namespace autospan::selection {

// Clang calls every file included from a system header a system header too. CMake's
// precompiled-header wrapper (cmake_pch.hxx) starts with `#pragma clang system_header` and then
// includes the project's own headers, which would all become "system" and never be
// instrumented. So a file counts as a system header when it lies in a system include directory
// (-isystem, the compiler's defaults), marks itself with `#pragma system_header`, or is included
// from such a file; being included from a file that only marked itself does not count.
//
// One instance per translation unit (answers are cached per file). Without a HeaderSearch the
// include directories are unknown and Clang's own notion is used.
class SystemHeaders {
public:
  SystemHeaders(const clang::SourceManager& SM, clang::HeaderSearch* HS);

  bool contains(clang::SourceLocation Loc);

private:
  bool inSystemDirectory(clang::FileID FID);
  bool fileIsSystem(clang::FileID FID);
  bool foundThroughSystemDirectory(clang::FileID FID);

  const clang::SourceManager& SM;
  bool KnowsDirectories = false;
  std::vector<std::string> Directories; // real paths with a trailing '/'
  llvm::DenseMap<clang::FileID, bool> FileIsSystem;
  llvm::DenseMap<clang::FileID, bool> InSystemDirectory;
};

} // namespace autospan::selection

#endif // AUTOSPAN_SELECTION_SYSTEM_HEADERS_H
