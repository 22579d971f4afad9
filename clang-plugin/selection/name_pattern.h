// Glob patterns over qualified C++ names, as written in namespace= and exclude= settings.
//
// A pattern is a `::`-separated list of components. Each component is a glob where `*` matches any
// run of characters inside one component (`*` alone: exactly one component, `app_*`: a prefix);
// a component that is exactly `**` matches zero or more whole components. A leading `::` is
// allowed and means nothing (`::app` is `app`); `::` alone names the global namespace.
//
// Matching is by prefix: a pattern selects the subtree it names, so `app` matches `app`,
// `app::net` and `app::net::Socket::send`. Path components marked Optional (inline namespaces)
// may be skipped by the match, so `app::Widget` matches `app::v2::Widget` when `v2` is inline,
// and `app::v2::Widget` matches it too.
#ifndef AUTOSPAN_SELECTION_NAME_PATTERN_H
#define AUTOSPAN_SELECTION_NAME_PATTERN_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace autospan::selection {

// One component of a qualified path, outermost first.
struct PathComponent {
  std::string Name;
  // Inline namespace: matches whether or not the pattern spells it.
  bool Optional = false;
};

class NamePattern {
public:
  // Returns std::nullopt and sets Error (one sentence, no trailing period) for malformed text.
  static std::optional<NamePattern> parse(llvm::StringRef Text, std::string& Error);

  // `::`: selects the global namespace only.
  bool isGlobal() const { return Global; }
  const std::string& text() const { return Text; }

  // True when the pattern names Path or one of its ancestors. Never true for an empty path
  // unless the pattern is `::` (and a global pattern matches nothing else).
  bool matchesPrefixOf(llvm::ArrayRef<PathComponent> Path) const;

private:
  bool matchFrom(size_t PatternIndex, llvm::ArrayRef<PathComponent> Path) const;

  std::string Text;
  std::vector<std::string> Components;
  bool Global = false;
};

// Glob match of one component: `*` matches any run of characters.
bool globMatch(llvm::StringRef Glob, llvm::StringRef Name);

} // namespace autospan::selection

#endif // AUTOSPAN_SELECTION_NAME_PATTERN_H
