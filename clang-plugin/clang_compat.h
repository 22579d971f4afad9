// Every difference between the Clang majors the plugin is built for (14, 15, 16, 19), in one
// place. The rest of clang-plugin/ (the selection library included) is written against Clang
// 19's API and goes through these names wherever an older major spells something differently.
// When the oldest supported major is raised, delete the branches it no longer needs.
#ifndef AUTOSPAN_PLUGIN_CLANG_COMPAT_H
#define AUTOSPAN_PLUGIN_CLANG_COMPAT_H

#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "clang/AST/Stmt.h"
#include "clang/AST/Type.h"
#include "clang/Basic/TargetInfo.h"
#include "clang/Basic/Version.h"
#include "clang/Lex/DirectoryLookup.h"
#include "clang/Lex/HeaderSearch.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/iterator_range.h"

#include <cstdint>
#include <optional>

#if CLANG_VERSION_MAJOR < 14
#error "autospan's Clang plugin needs Clang 14 or newer"
#endif

namespace autospan::compat {

// Scoped enums replaced these class-member enumerators in Clang 18.
#if CLANG_VERSION_MAJOR >= 18
inline constexpr clang::TagTypeKind StructTag = clang::TagTypeKind::Struct;
inline constexpr clang::LinkageSpecLanguageIDs LinkageC = clang::LinkageSpecLanguageIDs::C;
inline constexpr clang::ArraySizeModifier NormalArraySize = clang::ArraySizeModifier::Normal;
inline constexpr clang::StringLiteralKind OrdinaryString = clang::StringLiteralKind::Ordinary;
#else
inline constexpr clang::TagTypeKind StructTag = clang::TTK_Struct;
inline constexpr clang::LinkageSpecDecl::LanguageIDs LinkageC = clang::LinkageSpecDecl::lang_c;
inline constexpr clang::ArrayType::ArraySizeModifier NormalArraySize = clang::ArrayType::Normal;
#if CLANG_VERSION_MAJOR >= 15
inline constexpr clang::StringLiteral::StringKind OrdinaryString = clang::StringLiteral::Ordinary;
#else
inline constexpr clang::StringLiteral::StringKind OrdinaryString = clang::StringLiteral::Ascii;
#endif
#endif

// starts_with arrived in LLVM 16; startswith is gone in 19.
inline bool startsWith(llvm::StringRef S, llvm::StringRef Prefix) {
#if CLANG_VERSION_MAJOR >= 16
  return S.starts_with(Prefix);
#else
  return S.startswith(Prefix);
#endif
}

// Pointer width of the default address space (Clang 16 made the argument a LangAS).
inline uint64_t defaultPointerWidth(const clang::TargetInfo& Target) {
#if CLANG_VERSION_MAJOR >= 16
  return Target.getPointerWidth(clang::LangAS::Default);
#else
  return Target.getPointerWidth(0);
#endif
}

// A compound statement carrying the floating-point pragmas of FPFeaturesOf (may be null). Clang
// 15 started storing them in the statement; before that there is nothing to keep.
inline clang::CompoundStmt* createCompoundStmt(const clang::ASTContext& Ctx,
                                               llvm::ArrayRef<clang::Stmt*> Stmts,
                                               const clang::CompoundStmt* FPFeaturesOf,
                                               clang::SourceLocation LB, clang::SourceLocation RB) {
#if CLANG_VERSION_MAJOR >= 15
  clang::FPOptionsOverride FP = FPFeaturesOf && FPFeaturesOf->hasStoredFPFeatures()
                                    ? FPFeaturesOf->getStoredFPFeatures()
                                    : clang::FPOptionsOverride();
  return clang::CompoundStmt::Create(Ctx, Stmts, FP, LB, RB);
#else
  (void)FPFeaturesOf;
  return clang::CompoundStmt::Create(Ctx, Stmts, LB, RB);
#endif
}

// Every entry of the header search path, in search order (Clang 15 added the range and
// DirectoryEntryRef accessors).
inline auto searchDirectories(clang::HeaderSearch& HS) {
#if CLANG_VERSION_MAJOR >= 15
  return HS.search_dir_range();
#else
  return llvm::make_range(HS.search_dir_begin(), HS.search_dir_end());
#endif
}

// The directory's name; nullopt for frameworks and header maps.
inline std::optional<llvm::StringRef> directoryName(const clang::DirectoryLookup& Lookup) {
#if CLANG_VERSION_MAJOR >= 15
  if (auto Dir = Lookup.getDirRef())
    return Dir->getName();
#else
  if (const clang::DirectoryEntry* Dir = Lookup.getDir())
    return Dir->getName();
#endif
  return std::nullopt;
}

} // namespace autospan::compat

#endif // AUTOSPAN_PLUGIN_CLANG_COMPAT_H
