// What to instrument: the settings shared by the Clang plugin and autospan-rewrite.
//
// Both front ends feed their command line into applySetting(), one key/value pair at a time,
// so that `-fplugin-arg-autospan-namespace=app` and `autospan-rewrite --namespace app` mean the
// same thing:
//
//   key              value                       meaning
//   namespace        PATTERN (repeatable)        instrument functions defined in this namespace
//                                                subtree (see name_pattern.h; `::` = global)
//   exclude          PATTERN (repeatable)        never instrument this subtree or function,
//                                                matched against the full qualified name
//   filter-file      PATH                        more settings, one per line (below)
//   min-statements   N                           skip bodies with fewer than N statements
//
// Filter file: one `key: value` per line with key `namespace`, `exclude` or `min-statements`;
// blank lines and lines starting with `#` are ignored. Errors carry the file, line and column.
#ifndef AUTOSPAN_SELECTION_CONFIG_H
#define AUTOSPAN_SELECTION_CONFIG_H

#include "selection/name_pattern.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace autospan::selection {

struct Config {
  std::vector<NamePattern> Namespaces;
  std::vector<NamePattern> Excludes;
  unsigned MinStatements = 0;

  // The first namespace pattern that selects NamespacePath, or null.
  const NamePattern* selectingPattern(llvm::ArrayRef<PathComponent> NamespacePath) const;
  // The first exclude pattern that removes a function with this qualified path, or null.
  // NamespacePath is the namespace part of QualifiedPath (an exclude of `::` matches functions
  // in the global namespace).
  const NamePattern* excludingPattern(llvm::ArrayRef<PathComponent> NamespacePath,
                                      llvm::ArrayRef<PathComponent> QualifiedPath) const;
};

// A user error in a setting. File is empty for command-line settings; Line and Column are
// 1-based and only meaningful when File is set.
struct ConfigError {
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Message;
};

// The keys applySetting() accepts, in documentation order.
llvm::ArrayRef<llvm::StringRef> settingKeys();

// Applies one setting. A filter-file is read from disk (relative paths against the current
// directory) and applied immediately; front ends that own a virtual file system read the file
// themselves and call applyFilterText().
std::optional<ConfigError> applySetting(Config& C, llvm::StringRef Key, llvm::StringRef Value);

// Applies the contents of a filter file; FileName is used in errors only.
std::optional<ConfigError> applyFilterText(Config& C, llvm::StringRef Text,
                                           llvm::StringRef FileName);

} // namespace autospan::selection

#endif // AUTOSPAN_SELECTION_CONFIG_H
