// Looking into bodies: statement counts, earlier instrumentation, lambda declarators.
#include "selection/internal.h"
#include "selection/selection.h"

#include "autospan/detail/abi.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

using namespace clang;

namespace autospan::selection {
namespace {

unsigned countIn(const Stmt* S);

unsigned countAll(Stmt::const_child_range Children) {
  unsigned N = 0;
  for (const Stmt* Child : Children)
    N += countIn(Child);
  return N;
}

// Counts S as a statement in a statement position, plus the statements nested in its
// statement positions (never inside expressions: those hold other functions' bodies).
unsigned countIn(const Stmt* S) {
  if (!S || isa<NullStmt>(S))
    return 0;
  if (const auto* CS = dyn_cast<CompoundStmt>(S))
    return countAll(CS->children());
  if (isa<Expr>(S))
    return 1;
  if (const auto* If = dyn_cast<IfStmt>(S))
    return 1 + countIn(If->getInit()) + countIn(If->getThen()) + countIn(If->getElse());
  if (const auto* For = dyn_cast<ForStmt>(S))
    return 1 + countIn(For->getBody());
  if (const auto* Range = dyn_cast<CXXForRangeStmt>(S))
    return 1 + countIn(Range->getBody());
  if (const auto* While = dyn_cast<WhileStmt>(S))
    return 1 + countIn(While->getBody());
  if (const auto* Do = dyn_cast<DoStmt>(S))
    return 1 + countIn(Do->getBody());
  if (const auto* Switch = dyn_cast<SwitchStmt>(S))
    return 1 + countIn(Switch->getInit()) + countIn(Switch->getBody());
  if (const auto* Case = dyn_cast<SwitchCase>(S))
    return countIn(Case->getSubStmt()); // a label, not a statement
  if (const auto* Label = dyn_cast<LabelStmt>(S))
    return countIn(Label->getSubStmt());
  if (const auto* Attributed = dyn_cast<AttributedStmt>(S))
    return countIn(Attributed->getSubStmt());
  if (const auto* Try = dyn_cast<CXXTryStmt>(S)) {
    unsigned N = 1 + countIn(Try->getTryBlock());
    for (unsigned I = 0; I < Try->getNumHandlers(); ++I)
      N += countIn(Try->getHandler(I)->getHandlerBlock());
    return N;
  }
  return 1; // declarations, return, break, goto, asm...
}

const Stmt* firstStatement(const Stmt* Body) {
  if (const auto* Try = dyn_cast_or_null<CXXTryStmt>(Body))
    Body = Try->getTryBlock();
  const auto* CS = dyn_cast_or_null<CompoundStmt>(Body);
  if (!CS || CS->body_empty())
    return nullptr;
  return CS->body_front();
}

// autospan::detail::SiteGuard, also inside a versioning inline namespace.
bool isSiteGuard(QualType T) {
  const auto* RD = T->getAsCXXRecordDecl();
  if (!RD || RD->getName() != "SiteGuard")
    return false;
  llvm::SmallVector<llvm::StringRef, 3> Names;
  for (const DeclContext* DC = RD->getDeclContext(); !DC->isTranslationUnit();
       DC = DC->getParent()) {
    const auto* NS = dyn_cast<NamespaceDecl>(DC);
    if (!NS)
      return false;
    if (!NS->isInline())
      Names.push_back(NS->getName());
  }
  return Names.size() == 2 && Names[0] == "detail" && Names[1] == "autospan";
}

// A static `autospan_site` whose flags say AUTOSPAN_SITE_AUTO (AUTOSPAN_SCOPE is manual).
bool isAutomaticSite(const VarDecl& VD, ASTContext& Ctx) {
  const RecordDecl* RD = VD.getType()->getAsRecordDecl();
  if (!RD || RD->getName() != "autospan_site" || !VD.isStaticLocal())
    return false;
  const auto* Init = dyn_cast_or_null<InitListExpr>(VD.getInit());
  if (!Init || Init->getNumInits() < 5)
    return true; // an autospan site we cannot read: better not to add a second one
  Expr::EvalResult Flags;
  if (!Init->getInit(4)->EvaluateAsInt(Flags, Ctx))
    return true;
  return (Flags.Val.getInt().getZExtValue() & AUTOSPAN_SITE_KIND_MASK) == AUTOSPAN_SITE_AUTO;
}

} // namespace

unsigned countStatements(const Stmt* Body) {
  if (const auto* Try = dyn_cast_or_null<CXXTryStmt>(Body)) {
    // A function-try-block is the function's body, not a statement in it.
    unsigned N = countIn(Try->getTryBlock());
    for (unsigned I = 0; I < Try->getNumHandlers(); ++I)
      N += countIn(Try->getHandler(I)->getHandlerBlock());
    return N;
  }
  return countIn(Body);
}

bool isAlreadyInstrumented(const Stmt* Body, ASTContext& Ctx) {
  const auto* DS = dyn_cast_or_null<DeclStmt>(firstStatement(Body));
  if (!DS)
    return false;
  for (const Decl* D : DS->decls()) {
    const auto* VD = dyn_cast<VarDecl>(D);
    if (!VD)
      continue;
    if (VD->isImplicit() &&
        (VD->getName() == InjectedSiteName || VD->getName() == InjectedTokenName))
      return true;
    if (isAutomaticSite(*VD, Ctx) || isSiteGuard(VD->getType()))
      return true;
  }
  return false;
}

// Whether `constexpr` is written in a lambda's declarator (between the capture list and the
// body). Sema marks lambdas constexpr implicitly from C++17 on; only the keyword tells whether the
// user asked for it. Returns nullopt when the source cannot be read (macro trickery).
std::optional<bool> lambdaWritesConstexpr(const CXXRecordDecl& Closure, const Stmt& Body,
                                          ASTContext& Ctx) {
  const SourceManager& SM = Ctx.getSourceManager();
  SourceLocation Begin = SM.getSpellingLoc(Closure.getLocation());
  SourceLocation End = SM.getSpellingLoc(Body.getBeginLoc());
  if (Begin.isInvalid() || End.isInvalid() || SM.getFileID(Begin) != SM.getFileID(End) ||
      !SM.isBeforeInTranslationUnit(Begin, End))
    return std::nullopt;
  bool Invalid = false;
  llvm::StringRef Buffer = SM.getBufferData(SM.getFileID(Begin), &Invalid);
  if (Invalid)
    return std::nullopt;
  unsigned EndOffset = SM.getFileOffset(End);
  Lexer Raw(SM.getLocForStartOfFile(SM.getFileID(Begin)), Ctx.getLangOpts(), Buffer.begin(),
            Buffer.begin() + SM.getFileOffset(Begin), Buffer.end());
  int Depth = 0;
  bool InCaptures = true; // the capture list is the first bracketed group
  Token Tok;
  while (true) {
    Raw.LexFromRawLexer(Tok);
    if (Tok.is(tok::eof) || SM.getFileOffset(Tok.getLocation()) >= EndOffset)
      break;
    switch (Tok.getKind()) {
    case tok::l_square:
    case tok::l_paren:
    case tok::l_brace:
      ++Depth;
      break;
    case tok::r_square:
    case tok::r_paren:
    case tok::r_brace:
      --Depth;
      if (Depth == 0)
        InCaptures = false;
      break;
    case tok::raw_identifier:
      if (!InCaptures && Depth == 0 && Tok.getRawIdentifier() == "constexpr")
        return true;
      break;
    default:
      break;
    }
  }
  return false;
}

} // namespace autospan::selection
