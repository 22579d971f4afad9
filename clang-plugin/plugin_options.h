// The plugin's command line: -fplugin-arg-autospan-KEY[=VALUE].
//
// Selection settings (namespace, exclude, filter-file, min-statements) go to the shared
// selection library; `inline-checks`, `verbose` and `verbose=all` are the plugin's own.
#ifndef AUTOSPAN_PLUGIN_PLUGIN_OPTIONS_H
#define AUTOSPAN_PLUGIN_PLUGIN_OPTIONS_H

#include "selection/config.h"

#include <optional>
#include <string>
#include <vector>

namespace clang {
class CompilerInstance;
} // namespace clang

namespace autospan::plugin {

enum class Verbosity {
  Quiet,
  Decisions, // `verbose`: every function instrumented, and every selected one skipped with why
  All,       // `verbose=all`: also functions no pattern selects and template patterns
};

struct PluginOptions {
  selection::Config Selection;
  Verbosity Verbose = Verbosity::Quiet;
  // `inline-checks`: the entry's tests (thread gate, filter tag) inlined into every instrumented
  // function at the end of the optimiser (exit_test_pass.h): faster refused calls, longer compiles.
  bool InlineChecks = false;
};

// Parses the arguments; reports each problem as a compiler error (filter files at file:line)
// and returns nullopt if there was any.
std::optional<PluginOptions> parsePluginOptions(clang::CompilerInstance& CI,
                                                const std::vector<std::string>& Args);

} // namespace autospan::plugin

#endif // AUTOSPAN_PLUGIN_PLUGIN_OPTIONS_H
