#include "selection/system_headers.h"

#include "clang_compat.h"

#include "clang/Basic/SourceManager.h"
#include "clang/Lex/HeaderSearch.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

using namespace clang;

namespace autospan::selection {
namespace {

std::string realDirectory(llvm::StringRef Path) {
  llvm::SmallString<256> Real;
  if (llvm::sys::fs::real_path(Path, Real))
    Real = Path;
  std::string S(Real.str());
  if (S.empty() || S.back() != '/')
    S += '/';
  return S;
}

} // namespace

SystemHeaders::SystemHeaders(const SourceManager& SM, HeaderSearch* HS) : SM(SM) {
  if (!HS)
    return;
  KnowsDirectories = true;
  for (const DirectoryLookup& Lookup : compat::searchDirectories(*HS))
    if (Lookup.isSystemHeaderDirectory())
      if (std::optional<llvm::StringRef> Name = compat::directoryName(Lookup))
        Directories.push_back(realDirectory(*Name));
}

bool SystemHeaders::contains(SourceLocation Loc) {
  if (Loc.isInvalid())
    return false;
  Loc = SM.getExpansionLoc(Loc);
  if (!SM.isInSystemHeader(Loc))
    return false;
  if (!KnowsDirectories)
    return true;
  return fileIsSystem(SM.getFileID(Loc));
}

bool SystemHeaders::inSystemDirectory(FileID FID) {
  auto [It, Inserted] = InSystemDirectory.try_emplace(FID, false);
  if (!Inserted)
    return It->second;
  auto File = SM.getFileEntryRefForID(FID); // llvm::Optional before Clang 16
  if (!File)
    return It->second = true; // no file (a buffer): trust Clang
  std::string Path = realDirectory(File->getDir().getName());
  bool Found = false;
  for (const std::string& Dir : Directories)
    Found |= compat::startsWith(Path, Dir);
  return InSystemDirectory[FID] = Found;
}

bool SystemHeaders::foundThroughSystemDirectory(FileID FID) {
  for (int Depth = 0; FID.isValid() && Depth < 256; ++Depth) {
    if (inSystemDirectory(FID))
      return true;
    SourceLocation Include = SM.getIncludeLoc(FID);
    if (Include.isInvalid() || !SM.isInSystemHeader(Include))
      return false;
    FID = SM.getFileID(SM.getExpansionLoc(Include));
  }
  return false;
}

bool SystemHeaders::fileIsSystem(FileID FID) {
  auto [It, Inserted] = FileIsSystem.try_emplace(FID, true);
  if (!Inserted)
    return It->second;
  bool System = true;
  SourceLocation Include = SM.getIncludeLoc(FID);
  if (!inSystemDirectory(FID) && Include.isValid() && SM.isInSystemHeader(Include)) {
    // System only because its includer is: that counts if the includer comes from a system
    // directory, not if it merely declared itself a system header.
    System = foundThroughSystemDirectory(SM.getFileID(SM.getExpansionLoc(Include)));
  }
  return FileIsSystem[FID] = System;
}

} // namespace autospan::selection
