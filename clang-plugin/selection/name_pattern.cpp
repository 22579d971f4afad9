#include "selection/name_pattern.h"

#include "llvm/ADT/SmallVector.h"

namespace autospan::selection {

bool globMatch(llvm::StringRef Glob, llvm::StringRef Name) {
  // Iterative matcher with single-star backtracking: linear enough for names.
  size_t G = 0, N = 0, StarG = llvm::StringRef::npos, StarN = 0;
  while (N < Name.size()) {
    if (G < Glob.size() && Glob[G] == '*') {
      StarG = G++;
      StarN = N;
      continue;
    }
    if (G < Glob.size() && Glob[G] == Name[N]) {
      ++G;
      ++N;
      continue;
    }
    if (StarG == llvm::StringRef::npos)
      return false;
    G = StarG + 1;
    N = ++StarN;
  }
  while (G < Glob.size() && Glob[G] == '*')
    ++G;
  return G == Glob.size();
}

std::optional<NamePattern> NamePattern::parse(llvm::StringRef Text, std::string& Error) {
  llvm::StringRef Trimmed = Text.trim();
  NamePattern P;
  P.Text = Trimmed.str();
  if (Trimmed.empty()) {
    Error = "empty pattern";
    return std::nullopt;
  }
  if (Trimmed == "::") {
    P.Global = true;
    return P;
  }
  llvm::StringRef Rest = Trimmed;
  Rest.consume_front("::");
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Rest.split(Parts, "::", /*MaxSplit=*/-1, /*KeepEmpty=*/true);
  for (llvm::StringRef Part : Parts) {
    llvm::StringRef Component = Part.trim();
    if (Component.empty()) {
      Error = "empty component in '" + P.Text + "' (write 'a::b', not 'a::::b' or 'a::')";
      return std::nullopt;
    }
    if (Component.contains("**") && Component != "**") {
      Error = "'**' must be a whole component in '" + P.Text + "'";
      return std::nullopt;
    }
    P.Components.push_back(Component.str());
  }
  return P;
}

bool NamePattern::matchesPrefixOf(llvm::ArrayRef<PathComponent> Path) const {
  if (Global)
    return Path.empty();
  if (Path.empty())
    return false;
  return matchFrom(0, Path);
}

bool NamePattern::matchFrom(size_t PatternIndex, llvm::ArrayRef<PathComponent> Path) const {
  if (PatternIndex == Components.size())
    return true; // the rest of Path is the selected subtree
  const std::string& Component = Components[PatternIndex];
  if (Component == "**") {
    if (matchFrom(PatternIndex + 1, Path))
      return true;
    return !Path.empty() && matchFrom(PatternIndex, Path.drop_front());
  }
  if (Path.empty())
    return false;
  if (Path.front().Optional && matchFrom(PatternIndex, Path.drop_front()))
    return true;
  return globMatch(Component, Path.front().Name) && matchFrom(PatternIndex + 1, Path.drop_front());
}

} // namespace autospan::selection
