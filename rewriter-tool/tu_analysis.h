// Reading one translation unit: every function definition written in it is put to the selection
// library (decidePattern: the rewriter edits what is written, template patterns included), and
// what should change in the source is recorded in the Plan.
#ifndef AUTOSPAN_REWRITER_TU_ANALYSIS_H
#define AUTOSPAN_REWRITER_TU_ANALYSIS_H

#include "rewrite_plan.h"

#include "clang/Tooling/Tooling.h"

#include <memory>

namespace autospan::rewriter {

// Runs the analysis in each TU it is given. A TU with errors adds nothing to the Plan and its
// main file is listed in Plan::FailedUnits (the compiler's diagnostics have been printed).
std::unique_ptr<clang::tooling::FrontendActionFactory> newAnalysisActionFactory(Plan& P);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_TU_ANALYSIS_H
