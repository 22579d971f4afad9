// Which functions autospan instruments, and under which name: the one decision shared by the
// Clang plugin and autospan-rewrite, so that the two front ends can never disagree.
//
// Usage (any Clang front end, after Sema has finished with the function):
//
//   autospan::selection::Config Cfg;                       // config.h
//   if (auto Err = applySetting(Cfg, "namespace", "app"))  // once per command-line setting
//     report(*Err);
//   ...
//   Decision D = decide(FD, Ctx, Cfg);                     // for every FunctionDecl you meet
//   if (D.Instrument)
//     emit(D.SpanName, D.FunctionName, D.File, D.Line);    // descriptor fields (abi.h)
//   else if (!isQuiet(D.Reason))
//     note(FD.getLocation(), D.Detail);                    // "constexpr function", ...
//
// decide() looks at one function definition. It does not walk into the body for nested
// functions: lambdas' call operators and local classes' methods are functions of their own,
// and the caller must present them too (their names and selection follow their enclosing
// function: `app::run::<lambda at run.cpp:42>`).
//
// Rules, in the order they are applied (the first that applies gives the reason):
//   1. only definitions (with a body, or `= default` / `= delete`); not in system headers; not
//      implicit;
//   2. not dependent: template patterns, members of class templates and generic lambdas are
//      skipped, their instantiations are decided one by one (a caller that edits source, and so
//      edits the pattern, asks about the pattern with decidePattern() below); nothing in
//      namespace `autospan` (the runtime's own inline code);
//   3. AUTOSPAN_NO_TRACE on any redeclaration of the function, an enclosing class, an
//      enclosing function (lambdas, local classes) or any redeclaration of an enclosing
//      namespace; GCC's `no_instrument_function` on the function;
//   4. selection: AUTOSPAN_TRACE / AUTOSPAN_TRACE_AS("name") on the function select it
//      unconditionally; otherwise a `namespace=` pattern must select the innermost enclosing
//      namespace path and no `exclude=` pattern may match the qualified path;
//   5. what cannot be instrumented: defaulted or deleted functions, constexpr/consteval,
//      constexpr lambdas (the keyword written, or inside a constexpr function; lambdas that are
//      only implicitly constexpr are instrumented, and a front end must keep them usable in
//      constant expressions: the plugin guards the entry with __builtin_is_constant_evaluated()),
//      `naked`, replacement global operator new/delete,
//      coroutines, a body whose `{` comes from a macro definition, a body that already starts
//      with an autospan site (plugin, rewriter or AUTOSPAN_FUNCTION()), and bodies with fewer
//      than MinStatements statements (not applied to AUTOSPAN_TRACE functions).
//
// Names: the qualified name as written, outermost first. Anonymous and inline namespaces are
// left out (they still match patterns: anonymous ones are transparent, inline ones optional);
// class and function templates appear without template arguments (`app::Box::get` for every
// `Box<T>`); lambdas are `<lambda at FILE:LINE>` with the basename of the file; unnamed classes
// `<unnamed struct>`; constructors `A::A`, destructors `A::~A`, operators `A::operator+`.
#ifndef AUTOSPAN_SELECTION_SELECTION_H
#define AUTOSPAN_SELECTION_SELECTION_H

#include "selection/config.h"
#include "selection/name_pattern.h"
#include "selection/system_headers.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace clang {
class ASTContext;
class FunctionDecl;
class Stmt;
} // namespace clang

namespace autospan::selection {

enum class SkipReason {
  None,                 // instrumented
  NoBody,               // a declaration, not a definition
  SystemHeader,         // defined in a system header
  Implicit,             // compiler-generated
  Defaulted,            // `= default`
  Deleted,              // `= delete`
  TemplatePattern,      // dependent: its instantiations are decided instead
  AutospanApi,          // in namespace autospan (the runtime's inline code)
  NoTrace,              // AUTOSPAN_NO_TRACE on the function or around it
  NoInstrumentFunction, // __attribute__((no_instrument_function))
  NotSelected,          // no namespace= pattern selects it
  Excluded,             // an exclude= pattern matches it
  Constexpr,            // constexpr function (instrumenting breaks constant evaluation)
  Consteval,            // consteval function
  ConstexprLambda,      // lambda that may be constant-evaluated
  Naked,                // __attribute__((naked))
  AllocationFunction,   // a replacement ::operator new/delete (the runtime itself allocates)
  Coroutine,            // co_await/co_yield/co_return body
  MacroBody,            // the body's `{` comes from a macro definition
  AlreadyInstrumented,  // body already starts with an autospan site
  TooFewStatements,     // fewer than min-statements statements
};

// Short fixed text for a reason ("constexpr function"); Decision::Detail is more specific.
llvm::StringRef describe(SkipReason R);

// Reasons a verbose front end leaves out by default because nearly every function has them
// (system headers, not selected, template patterns, no body, implicit).
bool isQuiet(SkipReason R);

struct Decision {
  bool Instrument = false;
  SkipReason Reason = SkipReason::None;
  // Human-readable reason, e.g. "AUTOSPAN_NO_TRACE on namespace 'app::detail'" or "excluded by
  // 'app::Cache::get'"; for instrumented functions, why it was selected ("namespace 'app'",
  // "AUTOSPAN_TRACE").
  std::string Detail;
  // AUTOSPAN_TRACE or AUTOSPAN_TRACE_AS on the function.
  bool Requested = false;

  // Filled in for every function with a body outside system headers, also when skipped.
  std::string SpanName;     // AUTOSPAN_TRACE_AS name, else FunctionName
  std::string FunctionName; // code.function.name: the automatic qualified name
  std::string File;         // code.file.path: presumed file name (what __FILE__ says there)
  unsigned Line = 0;        // code.line.number: line of the function's name (lambdas: the `[`)
};

// The decision for one function definition (see the rules above). FD may be an implicit
// template instantiation (its pattern's annotations, name and location are used).
// Headers: pass one per translation unit, built from the preprocessor's HeaderSearch, so that
// headers precompiled through CMake's wrapper are not mistaken for system headers (see
// system_headers.h); without it Clang's own notion of system headers is used.
Decision decide(const clang::FunctionDecl& FD, clang::ASTContext& Ctx, const Config& C,
                SystemHeaders* Headers = nullptr);

// Like decide(), but for a front end that edits source and therefore edits template patterns
// instead of instantiations: rule 2 is not applied, and a dependent lambda or member is decided
// on its pattern.
Decision decidePattern(const clang::FunctionDecl& FD, clang::ASTContext& Ctx, const Config& C,
                       SystemHeaders* Headers = nullptr);

// True when Body (a function body, CompoundStmt or function-try-block) already starts with an
// automatic autospan site: the plugin's injected one, or AUTOSPAN_FUNCTION()'s (flags kind
// AUTOSPAN_SITE_AUTO), or an autospan::detail::SiteGuard declaration. AUTOSPAN_SCOPE() (a manual
// site) does not count.
bool isAlreadyInstrumented(const clang::Stmt* Body, clang::ASTContext& Ctx);

// Names the plugin gives its injected locals; isAlreadyInstrumented() recognises them.
inline constexpr llvm::StringRef InjectedSiteName = "__autospan_site";
inline constexpr llvm::StringRef InjectedTokenName = "__autospan_token";

// Statement count used by min-statements: every statement at any depth of the body (not
// nested functions), expression statements included, compound statements `{}` and null
// statements `;` not counted.
unsigned countStatements(const clang::Stmt* Body);

// The qualified path of FD as components (the same one exclude= patterns match), and its
// namespace part (what namespace= patterns match).
struct QualifiedPath {
  std::vector<PathComponent> Namespaces;
  std::vector<PathComponent> Full;
};
QualifiedPath qualifiedPath(const clang::FunctionDecl& FD, clang::ASTContext& Ctx);

} // namespace autospan::selection

#endif // AUTOSPAN_SELECTION_SELECTION_H
