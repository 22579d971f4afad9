#include "curl_api.h"

#include "../log.h"

#include <cstdint>
#include <dlfcn.h>

#include <mutex>

namespace autospan::internal {
namespace {

template <class F> bool bind(void* lib, const char* name, F& out) {
  void* p = dlsym(lib, name);
  out = reinterpret_cast<F>(p);
  return p != nullptr;
}

const CurlApi* load() noexcept {
  static CurlApi api;
  // RTLD_LOCAL: the program's own libcurl (another version, or the same one linked normally)
  // keeps its symbols; ours are reached through these pointers only.
  void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    AUTOSPAN_LOG(Warn, "cannot load libcurl.so.4 (%s): OTLP export is off, spans are dropped",
                 why != nullptr ? why : "unknown error");
    return nullptr;
  }
  bool ok = bind(lib, "curl_global_init", api.global_init) &&
            bind(lib, "curl_version_info", api.version_info) &&
            bind(lib, "curl_easy_init", api.easy_init) &&
            bind(lib, "curl_easy_cleanup", api.easy_cleanup) &&
            bind(lib, "curl_easy_setopt", api.easy_setopt) &&
            bind(lib, "curl_easy_perform", api.easy_perform) &&
            bind(lib, "curl_easy_getinfo", api.easy_getinfo) &&
            bind(lib, "curl_easy_strerror", api.easy_strerror) &&
            bind(lib, "curl_slist_append", api.slist_append) &&
            bind(lib, "curl_slist_free_all", api.slist_free_all) &&
            bind(lib, "curl_getdate", api.getdate);
  if (!ok) {
    AUTOSPAN_LOG(Warn,
                 "libcurl.so.4 lacks a needed function: OTLP export is off, spans are dropped");
    return nullptr; // never dlclose: a half-bound library is simply unused
  }
  // OpenSSL (libcurl's TLS, loaded with it) cleans up in an atexit handler unless told not to,
  // and that cleanup can free again what a thread holding OpenSSL state (the sender, or the
  // export thread shutting the exporters down) frees as it exits: a double free at exit, seen
  // once under load with mTLS (grpc/grpc#42608 met the same). When nobody initialised OpenSSL
  // yet, ask it not to register that handler; an exiting process does not need the cleanup.
  if (void* crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_NOLOAD)) {
    using InitCrypto = int (*)(std::uint64_t, const void*);
    constexpr std::uint64_t kNoAtexit = 0x00080000; // OPENSSL_INIT_NO_ATEXIT (OpenSSL >= 1.1.1)
    if (auto init = reinterpret_cast<InitCrypto>(dlsym(crypto, "OPENSSL_init_crypto")))
      init(kNoAtexit, nullptr);
    dlclose(crypto); // the reference RTLD_NOLOAD took; libcurl keeps the library loaded
  }
  // curl_global_init is not thread-safe before curl 7.84: this runs exactly once, before any
  // handle exists. Never curl_global_cleanup: the process may use libcurl elsewhere, and an
  // exiting process does not need it. A forked child inherits the initialised state.
  if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    AUTOSPAN_LOG(Warn, "libcurl initialisation failed: OTLP export is off, spans are dropped");
    return nullptr;
  }
  return &api;
}

} // namespace

const CurlApi* curl_api() noexcept {
  static std::once_flag once;
  static const CurlApi* api = nullptr;
  try {
    std::call_once(once, [] { api = load(); });
  } catch (...) {
    return nullptr;
  }
  return api;
}

} // namespace autospan::internal
