// Making a project's compile database usable by libclang-cpp 19.
//
// A database written for GCC may hold flags Clang does not know: the driver reports each one as
// "error: unknown argument" and the TU would be refused, so they are dropped (noted once per
// flag). Plugin flags are dropped too: autospan's own plugin would inject sites into the AST we
// are reading, other plugins have no business running here. Warnings are silenced (-w): the
// rewriter needs only a valid AST, and a GCC-tuned -Werror must not refuse a TU.
#ifndef AUTOSPAN_REWRITER_COMPILE_ARGS_H
#define AUTOSPAN_REWRITER_COMPILE_ARGS_H

#include "clang/Tooling/ArgumentsAdjusters.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace autospan::rewriter {

// Drops arguments the Clang 19 driver does not accept, -fplugin*/-fpass-plugin, and
// `-Xclang -load/-plugin*` pairs. Notes go to Notes once per distinct argument (the adjuster
// keeps its own memory; copies share it).
clang::tooling::ArgumentsAdjuster getDropUnsupportedAdjuster(llvm::raw_ostream& Notes);

// Adds `-resource-dir=Dir` unless the command already names one (a tool living outside
// /usr/lib/llvm-19/bin finds no builtin headers on its own on most systems), `-idirafter
// HeaderDir` so a second run finds <autospan/autospan.h> even when the project's flags do not
// name it, and `-w`. Empty arguments are left out.
clang::tooling::ArgumentsAdjuster getRewriterDefaultsAdjuster(std::string ResourceDir,
                                                              std::string HeaderDir);

// Clang's resource directory for this tool: AUTOSPAN_REWRITE_RESOURCE_DIR in the environment,
// else the one found at build time, if it exists; empty otherwise.
std::string defaultResourceDir();

// The directory holding autospan/autospan.h: beside the installed tool (bin/../include), else the
// source tree it was built from; empty when neither exists. Argv0 locates the executable.
std::string defaultHeaderDir(const char* Argv0);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_COMPILE_ARGS_H
