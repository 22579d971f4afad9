#include "selection/config.h"

#include "clang_compat.h"

#include "llvm/Support/MemoryBuffer.h"

namespace autospan::selection {
namespace {

constexpr llvm::StringRef KeyNamespace = "namespace";
constexpr llvm::StringRef KeyExclude = "exclude";
constexpr llvm::StringRef KeyFilterFile = "filter-file";
constexpr llvm::StringRef KeyMinStatements = "min-statements";

const llvm::StringRef AllKeys[] = {KeyNamespace, KeyExclude, KeyFilterFile, KeyMinStatements};

ConfigError error(std::string Message) {
  ConfigError E;
  E.Message = std::move(Message);
  return E;
}

std::optional<ConfigError> addPattern(std::vector<NamePattern>& To, llvm::StringRef Key,
                                      llvm::StringRef Value) {
  std::string Why;
  std::optional<NamePattern> P = NamePattern::parse(Value, Why);
  if (!P)
    return error("invalid " + Key.str() + " pattern: " + Why);
  To.push_back(std::move(*P));
  return std::nullopt;
}

} // namespace

const NamePattern* Config::selectingPattern(llvm::ArrayRef<PathComponent> NamespacePath) const {
  for (const NamePattern& P : Namespaces)
    if (P.matchesPrefixOf(NamespacePath))
      return &P;
  return nullptr;
}

const NamePattern* Config::excludingPattern(llvm::ArrayRef<PathComponent> NamespacePath,
                                            llvm::ArrayRef<PathComponent> QualifiedPath) const {
  for (const NamePattern& P : Excludes) {
    if (P.isGlobal() ? NamespacePath.empty() : P.matchesPrefixOf(QualifiedPath))
      return &P;
  }
  return nullptr;
}

llvm::ArrayRef<llvm::StringRef> settingKeys() {
  return AllKeys;
}

std::optional<ConfigError> applySetting(Config& C, llvm::StringRef Key, llvm::StringRef Value) {
  if (Key == KeyNamespace)
    return addPattern(C.Namespaces, Key, Value);
  if (Key == KeyExclude)
    return addPattern(C.Excludes, Key, Value);
  if (Key == KeyMinStatements) {
    unsigned N = 0;
    if (Value.trim().getAsInteger(10, N))
      return error("min-statements wants a non-negative integer, not '" + Value.str() + "'");
    C.MinStatements = N;
    return std::nullopt;
  }
  if (Key == KeyFilterFile) {
    if (Value.empty())
      return error("filter-file wants a path");
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buffer =
        llvm::MemoryBuffer::getFile(Value, /*IsText=*/true);
    if (!Buffer)
      return error("cannot read filter file '" + Value.str() + "': " + Buffer.getError().message());
    return applyFilterText(C, (*Buffer)->getBuffer(), Value);
  }
  std::string Valid;
  for (llvm::StringRef K : AllKeys)
    Valid += (Valid.empty() ? "" : ", ") + K.str();
  return error("unknown setting '" + Key.str() + "' (valid: " + Valid + ")");
}

std::optional<ConfigError> applyFilterText(Config& C, llvm::StringRef Text,
                                           llvm::StringRef FileName) {
  unsigned LineNo = 0;
  while (!Text.empty()) {
    ++LineNo;
    llvm::StringRef Line;
    std::tie(Line, Text) = Text.split('\n');
    Line = Line.rtrim("\r");
    auto At = [&](const char* Where, std::string Message) {
      ConfigError E;
      E.File = FileName.str();
      E.Line = LineNo;
      E.Column = static_cast<unsigned>(Where - Line.data()) + 1;
      E.Message = std::move(Message);
      return E;
    };
    llvm::StringRef Content = Line.ltrim();
    if (Content.empty() || compat::startsWith(Content, "#"))
      continue;
    auto [Key, Value] = Content.split(':');
    llvm::StringRef Word = Key.take_until([](char Ch) { return Ch == ' ' || Ch == '\t'; });
    bool KnownKey = Word == KeyNamespace || Word == KeyExclude || Word == KeyMinStatements;
    if (Key.size() == Content.size() || Key.rtrim() != Word) {
      if (KnownKey)
        return At(Word.end(), "expected ':' after '" + Word.str() + "'");
      return At(Content.data(), "expected 'namespace: PATTERN', 'exclude: PATTERN' or "
                                "'min-statements: N'");
    }
    if (!KnownKey)
      return At(Content.data(),
                "unknown key '" + Word.str() + "' (valid: namespace, exclude, min-statements)");
    Key = Word;
    Value = Value.trim();
    if (std::optional<ConfigError> E = applySetting(C, Key, Value))
      return At((Value.empty() ? Content : Value).data(), E->Message);
  }
  return std::nullopt;
}

} // namespace autospan::selection
