// Turning a compiler signature string (__PRETTY_FUNCTION__, GCC or Clang spelling) into the
// qualified name a span is called by: "void app::Loader::load(int) const" -> "app::Loader::load".
#pragma once

#include <string>
#include <string_view>

namespace autospan::internal {

// `file`/`line` name lambdas whose signature does not say where they are (Clang's
// "(anonymous class)::operator()").
std::string normalize_signature(std::string_view signature, std::string_view file = {},
                                unsigned line = 0);

} // namespace autospan::internal
