// Helpers shared by the selection sources; not part of the library's interface.
#ifndef AUTOSPAN_SELECTION_INTERNAL_H
#define AUTOSPAN_SELECTION_INTERNAL_H

#include "selection/name_pattern.h"

#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <string>

namespace clang {
class ASTContext;
class CXXRecordDecl;
class FunctionDecl;
class SourceManager;
class Stmt;
} // namespace clang

namespace autospan::selection {

// Where __FILE__/__LINE__ would point for a token at Loc (macro expansions: the expansion).
clang::PresumedLoc presumedLocation(clang::SourceLocation Loc, const clang::SourceManager& SM);

// `<lambda at file.cpp:42>` for a closure class.
std::string lambdaName(const clang::CXXRecordDecl& Closure, clang::ASTContext& Ctx);

// The location that names FD: its declarator name, or the `[` of a lambda.
clang::SourceLocation nameLocation(const clang::FunctionDecl& FD);

// `a::b::c` from path components, leaving out inline namespaces.
std::string joinVisible(llvm::ArrayRef<PathComponent> Components);

// Whether `constexpr` is written in a lambda's declarator; nullopt when unreadable.
std::optional<bool> lambdaWritesConstexpr(const clang::CXXRecordDecl& Closure,
                                          const clang::Stmt& Body, clang::ASTContext& Ctx);

} // namespace autospan::selection

#endif // AUTOSPAN_SELECTION_INTERNAL_H
