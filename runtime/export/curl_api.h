// libcurl, loaded on first use with dlopen("libcurl.so.4").
//
// Linking libcurl would map it and its TLS stack (OpenSSL, nghttp2, libssh, ...: about 10 MB of
// address space and several MB resident) into every instrumented program, including those that
// have tracing disabled or export to the console or a file only. Loading it when the first HTTP
// export happens keeps those programs lean and keeps libautospan.a free of -lcurl. Only the
// declarations of <curl/curl.h> are used at build time.
#pragma once

#include <curl/curl.h>

#include <ctime>

namespace autospan::internal {

struct CurlApi {
  CURLcode (*global_init)(long flags);
  curl_version_info_data* (*version_info)(CURLversion);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  time_t (*getdate)(const char*, const time_t*);
};

// The loaded and initialised (curl_global_init) library, or nullptr when it cannot be loaded;
// the first failure is logged once as a warning. Thread-safe; the library is never unloaded.
const CurlApi* curl_api() noexcept;

} // namespace autospan::internal
