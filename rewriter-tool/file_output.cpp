#include "file_output.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace autospan::rewriter {
namespace {

std::string escapeForMake(llvm::StringRef Path) {
  std::string Out;
  for (char C : Path) {
    if (C == ' ' || C == '#')
      Out += '\\';
    if (C == '$')
      Out += '$';
    Out += C;
  }
  return Out;
}

} // namespace

llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::StringRef Content) {
  // A rename would replace a device or a pipe (`--depfile /dev/null`) with a regular file.
  llvm::sys::fs::file_status Status;
  if (!llvm::sys::fs::status(Path, Status) && llvm::sys::fs::exists(Status) &&
      Status.type() != llvm::sys::fs::file_type::regular_file) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC);
    if (!EC) {
      OS << Content;
      OS.close();
      EC = OS.error();
      OS.clear_error();
    }
    if (EC)
      return llvm::createStringError(EC, "cannot write '%s': %s", Path.str().c_str(),
                                     EC.message().c_str());
    return llvm::Error::success();
  }
  llvm::StringRef Dir = llvm::sys::path::parent_path(Path);
  if (!Dir.empty())
    if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
      return llvm::createStringError(EC, "cannot create directory '%s': %s", Dir.str().c_str(),
                                     EC.message().c_str());
  llvm::sys::fs::perms Perms = llvm::sys::fs::perms(0644);
  if (llvm::ErrorOr<llvm::sys::fs::perms> Existing = llvm::sys::fs::getPermissions(Path))
    Perms = *Existing;

  llvm::SmallString<256> Model(Path);
  Model += ".autospan-%%%%%%.tmp";
  int FD = -1;
  llvm::SmallString<256> Temp;
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(Model, FD, Temp))
    return llvm::createStringError(EC, "cannot create a temporary file beside '%s': %s",
                                   Path.str().c_str(), EC.message().c_str());
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << Content;
    OS.close();
    if (OS.has_error()) {
      std::error_code EC = OS.error();
      OS.clear_error();
      llvm::sys::fs::remove(Temp);
      return llvm::createStringError(EC, "cannot write '%s': %s", Temp.c_str(),
                                     EC.message().c_str());
    }
  }
  if (std::error_code EC = llvm::sys::fs::setPermissions(Temp, Perms)) {
    llvm::sys::fs::remove(Temp);
    return llvm::createStringError(EC, "cannot set permissions of '%s': %s", Temp.c_str(),
                                   EC.message().c_str());
  }
  if (std::error_code EC = llvm::sys::fs::rename(Temp, Path)) {
    llvm::sys::fs::remove(Temp);
    return llvm::createStringError(EC, "cannot replace '%s': %s", Path.str().c_str(),
                                   EC.message().c_str());
  }
  return llvm::Error::success();
}

llvm::Expected<std::string> readFile(llvm::StringRef Path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buffer =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(), "cannot read '%s': %s", Path.str().c_str(),
                                   Buffer.getError().message().c_str());
  return (*Buffer)->getBuffer().str();
}

llvm::Error writeDepfile(llvm::StringRef Path, llvm::StringRef Target,
                         llvm::ArrayRef<std::string> Deps) {
  std::string Text = escapeForMake(Target) + ":";
  for (const std::string& Dep : Deps)
    Text += " \\\n  " + escapeForMake(Dep);
  Text += "\n";
  return writeFileAtomically(Path, Text);
}

} // namespace autospan::rewriter
