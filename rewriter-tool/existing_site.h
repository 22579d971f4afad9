// Recognising a site that is already written at the top of a body, by its tokens: whatever
// comments or spacing surround it, `AUTOSPAN_FUNCTION("name");` as the first statement counts.
#ifndef AUTOSPAN_REWRITER_EXISTING_SITE_H
#define AUTOSPAN_REWRITER_EXISTING_SITE_H

#include "clang/Basic/SourceLocation.h"

#include <optional>
#include <string>

namespace clang {
class ASTContext;
class Stmt;
} // namespace clang

namespace autospan::rewriter {

struct ExistingSite {
  // Written as `AUTOSPAN_FUNCTION(...)` followed by `;`, so the rewriter may update or remove
  // it. False for other spellings (an autospan::detail::SiteGuard declared by hand, a user macro
  // around AUTOSPAN_FUNCTION): those only count as "already instrumented".
  bool IsFunctionMacro = false;
  clang::FileID File;
  unsigned Begin = 0; // offset of `AUTOSPAN_FUNCTION`
  unsigned End = 0;   // offset just after the `;`
  // The argument is string literals only, possibly none: the rewriter may replace it.
  bool ArgumentIsLiteral = false;
  unsigned ArgumentBegin = 0, ArgumentEnd = 0; // between the parentheses
  std::optional<std::string> Name;             // the span name it passes, when readable
};

// nullopt when Body does not start with an automatic autospan site (see
// selection::isAlreadyInstrumented).
std::optional<ExistingSite> findExistingSite(const clang::Stmt* Body, clang::ASTContext& Ctx);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_EXISTING_SITE_H
