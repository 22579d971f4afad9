// The second look at translation units that received an insertion into an implicitly constexpr
// lambda. AUTOSPAN_FUNCTION() declares a static descriptor, which a constexpr function may not
// have (before C++23), so such a lambda silently stops being constexpr; if the program evaluates
// it at compile time (a constexpr variable, a static_assert, a constexpr object's member
// initialiser) the rewritten code no longer compiles. Which lambdas are evaluated that way is
// only known by compiling: the TU is compiled again with all edits applied in memory, and every
// such insertion the compiler's errors point into is withdrawn (with a note), until the TU
// compiles. The plugin guards its entry with __builtin_is_constant_evaluated() instead and keeps
// these lambdas instrumented: this is the one place where the two front ends differ.
#ifndef AUTOSPAN_REWRITER_CONSTANT_CHECK_H
#define AUTOSPAN_REWRITER_CONSTANT_CHECK_H

#include "rewrite_plan.h"

#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"

#include <functional>
#include <vector>

namespace autospan::rewriter {

// The edits of a file as they will be applied (Rewriter::finalEdits).
using FinalEditsFn = std::function<std::vector<TextEdit>(const FileEdits&)>;

// Withdraws risky insertions until every TU in P.VerifyUnits compiles with the edits. False when
// a TU still fails for another reason (its errors are printed).
bool withdrawConstantEvaluatedLambdas(Plan& P, const clang::tooling::CompilationDatabase& DB,
                                      const clang::tooling::ArgumentsAdjuster& Adjuster,
                                      const FinalEditsFn& FinalEdits);

// Maps an offset in the edited text back to the original text (inside inserted text: the
// insertion point).
unsigned originalOffset(const std::vector<TextEdit>& Edits, unsigned EditedOffset);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_CONSTANT_CHECK_H
