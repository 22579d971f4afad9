// Unified diffs (`diff -u` / `git apply` format) straight from a list of edits, without a
// general diff algorithm: the edits already say which lines changed.
#ifndef AUTOSPAN_REWRITER_UNIFIED_DIFF_H
#define AUTOSPAN_REWRITER_UNIFIED_DIFF_H

#include "edit_format.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace autospan::rewriter {

// Applies Edits (sorted by offset, not overlapping) to Old.
std::string applyEdits(llvm::StringRef Old, llvm::ArrayRef<TextEdit> Edits);

// The diff from Old to applyEdits(Old, Edits), with 3 lines of context, headed `--- OldName` /
// `+++ NewName`. Empty when Edits is empty.
std::string unifiedDiff(llvm::StringRef OldName, llvm::StringRef NewName, llvm::StringRef Old,
                        llvm::ArrayRef<TextEdit> Edits);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_UNIFIED_DIFF_H
