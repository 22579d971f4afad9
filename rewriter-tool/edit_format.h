// The exact text autospan-rewrite writes into a function body, and how it is taken out again.
//
// Insertion (first statement of the body; STMT is `AUTOSPAN_FUNCTION("name");`):
//   - the body continues on a later line (`{` then a line break, comments allowed): STMT goes on
//     a line of its own right after the `{` line, indented like the first statement (or like the
//     closing `}` plus one indent step when the body is empty), with the file's line ending;
//   - one-line bodies (`{ return x; }`): STMT and one space go right before the first token,
//     `{ AUTOSPAN_FUNCTION("f"); return x; }`; when that token touches the `{` (`{return x;}`,
//     `{}`), a space and STMT go right after the `{`: `{ AUTOSPAN_FUNCTION("f");}`.
// Removal undoes exactly that: a line holding only STMT is deleted with its line break; else STMT
// is deleted with the space after it, or failing that the space before it. So remove(insert(x))
// is x byte for byte, whatever x looked like.
#ifndef AUTOSPAN_REWRITER_EDIT_FORMAT_H
#define AUTOSPAN_REWRITER_EDIT_FORMAT_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace autospan::rewriter {

// One byte-range replacement in a file's original text.
struct TextEdit {
  unsigned Offset = 0;
  unsigned Length = 0;
  std::string Text;
};

struct IndentStyle {
  unsigned Width = 2;
  bool UseTab = false;
};

// `"app::f"` as a C++ string literal (quotes, backslashes and control characters escaped).
std::string quoteSpanName(llvm::StringRef Name);

// `AUTOSPAN_FUNCTION("app::f");`
std::string functionStatement(llvm::StringRef SpanName);

// The edit that makes Statement the first statement of the body whose `{` is at LBrace. Next is
// the offset of the first token after the `{` (the first statement, or the closing `}` when
// NextIsRBrace). Between the two, Buffer holds only whitespace and comments.
TextEdit insertionEdit(llvm::StringRef Buffer, unsigned LBrace, unsigned Next, bool NextIsRBrace,
                       llvm::StringRef Statement, IndentStyle Indent);

// The edit that deletes the statement occupying [Begin, End) (from `AUTOSPAN_FUNCTION` to its
// `;`), see the file comment.
TextEdit removalEdit(llvm::StringRef Buffer, unsigned Begin, unsigned End);

// Whether the statement at [Begin, End) sits on a line of its own (only blanks around it), i.e.
// whether removing it removes a line.
bool occupiesOwnLine(llvm::StringRef Buffer, unsigned Begin, unsigned End);

} // namespace autospan::rewriter

#endif // AUTOSPAN_REWRITER_EDIT_FORMAT_H
