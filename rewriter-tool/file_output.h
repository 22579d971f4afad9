// Writing results: atomic replacement of a file, dependency files for build systems.
#ifndef AUTOSPAN_REWRITER_FILE_OUTPUT_H
#define AUTOSPAN_REWRITER_FILE_OUTPUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace autospan::rewriter {

// Replaces Path with Content through a temporary file in the same directory and a rename, so a
// reader (or a crash) never sees half a file. An existing file keeps its permissions; missing
// parent directories are created.
llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::StringRef Content);

// The file's bytes, or an error.
llvm::Expected<std::string> readFile(llvm::StringRef Path);

// A make-style dependency file: `Target: Dep...`, spaces and `$` escaped.
llvm::Error writeDepfile(llvm::StringRef Path, llvm::StringRef Target,
                         llvm::ArrayRef<std::string> Deps);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_FILE_OUTPUT_H
