// Reading AUTOSPAN_NO_TRACE / AUTOSPAN_TRACE / AUTOSPAN_TRACE_AS (include/autospan/annotations.h).
#ifndef AUTOSPAN_SELECTION_ANNOTATIONS_H
#define AUTOSPAN_SELECTION_ANNOTATIONS_H

#include <optional>
#include <string>

namespace clang {
class FunctionDecl;
} // namespace clang

namespace autospan::selection {

struct FunctionAnnotations {
  bool NoTrace = false;
  bool Trace = false;                 // AUTOSPAN_TRACE or AUTOSPAN_TRACE_AS
  std::optional<std::string> TraceAs; // AUTOSPAN_TRACE_AS name (last one written wins)
};

// Annotations on any redeclaration of FD and, for instantiations, of its pattern.
FunctionAnnotations functionAnnotations(const clang::FunctionDecl& FD);

// The innermost entity around FD (class, enclosing function, namespace; any redeclaration)
// carrying AUTOSPAN_NO_TRACE, described as "class 'app::Cache'", or nullopt.
std::optional<std::string> enclosingNoTrace(const clang::FunctionDecl& FD);

} // namespace autospan::selection

#endif // AUTOSPAN_SELECTION_ANNOTATIONS_H
