#include "existing_site.h"

#include "selection/selection.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Stmt.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace autospan::rewriter {
namespace {

const Stmt* firstStatement(const Stmt* Body) {
  if (const auto* Try = dyn_cast_or_null<CXXTryStmt>(Body))
    Body = Try->getTryBlock();
  const auto* CS = dyn_cast_or_null<CompoundStmt>(Body);
  if (!CS || CS->body_empty())
    return nullptr;
  return CS->body_front();
}

// The name an autospan_site descriptor carries in its initialiser, when it is a plain literal.
std::optional<std::string> siteName(const DeclStmt& DS) {
  for (const Decl* D : DS.decls()) {
    const auto* VD = dyn_cast<VarDecl>(D);
    if (!VD || !VD->getType()->getAsRecordDecl() ||
        VD->getType()->getAsRecordDecl()->getName() != "autospan_site")
      continue;
    const auto* Init = dyn_cast_or_null<InitListExpr>(VD->getInit());
    if (!Init || Init->getNumInits() == 0)
      return std::nullopt;
    const auto* Literal = dyn_cast<StringLiteral>(Init->getInit(0)->IgnoreParenImpCasts());
    if (!Literal || !Literal->isOrdinary())
      return std::nullopt;
    return Literal->getString().str();
  }
  return std::nullopt;
}

// Reads `AUTOSPAN_FUNCTION ( literals... ) ;` starting at Offset of File.
bool readMacroStatement(const SourceManager& SM, const LangOptions& LO, ExistingSite& Site,
                        unsigned Offset) {
  bool Invalid = false;
  llvm::StringRef Buffer = SM.getBufferData(Site.File, &Invalid);
  if (Invalid || Offset >= Buffer.size())
    return false;
  Lexer Raw(SM.getLocForStartOfFile(Site.File), LO, Buffer.begin(), Buffer.begin() + Offset,
            Buffer.end());
  auto offsetOf = [&](const Token& T) { return SM.getFileOffset(T.getLocation()); };
  Token Tok;
  Raw.LexFromRawLexer(Tok);
  if (!Tok.is(tok::raw_identifier) || Tok.getRawIdentifier() != "AUTOSPAN_FUNCTION")
    return false;
  Site.Begin = offsetOf(Tok);
  Raw.LexFromRawLexer(Tok);
  if (!Tok.is(tok::l_paren))
    return false;
  Site.ArgumentBegin = offsetOf(Tok) + 1;
  bool Literal = true;
  for (int Depth = 1;;) {
    Raw.LexFromRawLexer(Tok);
    if (Tok.is(tok::eof))
      return false;
    if (Tok.is(tok::l_paren))
      ++Depth;
    if (Tok.is(tok::r_paren) && --Depth == 0)
      break;
    if (!Tok.is(tok::string_literal))
      Literal = false;
  }
  Site.ArgumentEnd = offsetOf(Tok);
  Raw.LexFromRawLexer(Tok);
  if (!Tok.is(tok::semi))
    return false;
  Site.End = offsetOf(Tok) + 1;
  Site.ArgumentIsLiteral = Literal;
  return true;
}

} // namespace

std::optional<ExistingSite> findExistingSite(const Stmt* Body, ASTContext& Ctx) {
  if (!selection::isAlreadyInstrumented(Body, Ctx))
    return std::nullopt;
  ExistingSite Site;
  const auto* DS = dyn_cast_or_null<DeclStmt>(firstStatement(Body));
  if (!DS || !DS->getBeginLoc().isMacroID())
    return Site;
  const SourceManager& SM = Ctx.getSourceManager();
  // The macro's own name where it is written: through macro arguments to their spelling (a body
  // passed to a macro), else out to the outermost expansion.
  SourceLocation Written = SM.getFileLoc(DS->getBeginLoc());
  if (Written.isInvalid())
    return Site;
  Site.File = SM.getFileID(Written);
  if (!readMacroStatement(SM, Ctx.getLangOpts(), Site, SM.getFileOffset(Written)))
    return ExistingSite{};
  Site.IsFunctionMacro = true;
  Site.Name = siteName(*DS);
  return Site;
}

} // namespace autospan::rewriter
