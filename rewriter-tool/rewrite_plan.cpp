#include "rewrite_plan.h"

#include "clang/Format/Format.h"
#include "llvm/Support/Path.h"

namespace autospan::rewriter {
namespace {

// The project's own indentation (its .clang-format, else LLVM style), used only for the one case
// where nothing in the body shows it: an empty body spread over several lines.
IndentStyle indentFor(llvm::StringRef Path, llvm::StringRef Content) {
  IndentStyle Indent;
  llvm::Expected<clang::format::FormatStyle> Style =
      clang::format::getStyle("file", Path, "LLVM", Content);
  if (!Style) {
    llvm::consumeError(Style.takeError());
    return Indent;
  }
  Indent.Width = Style->IndentWidth;
  Indent.UseTab = Style->UseTab != clang::format::FormatStyle::UT_Never;
  return Indent;
}

} // namespace

FileEdits& Plan::file(llvm::StringRef Path, llvm::StringRef Content) {
  auto [It, Inserted] = Files.try_emplace(Path);
  if (Inserted) {
    It->second.Path = Path.str();
    It->second.Original = Content.str();
    It->second.Indent = indentFor(Path, Content);
  }
  return It->second;
}

void Plan::addEdit(FileEdits& F, PlannedEdit E) {
  F.Edits.try_emplace(E.Edit.Offset, std::move(E));
}

bool Plan::underSourceRoot(llvm::StringRef Path) const {
  if (Opts.SourceRoot.empty())
    return true;
  llvm::StringRef Root = llvm::StringRef(Opts.SourceRoot).rtrim('/');
  return Path.starts_with(Root) &&
         (Path.size() == Root.size() || llvm::sys::path::is_separator(Path[Root.size()]));
}

} // namespace autospan::rewriter
