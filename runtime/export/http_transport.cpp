#include "http_transport.h"

#include "../log.h"
#include "curl_api.h"
#include "gzip.h"
#include "http_response.h"

#include <autospan/version.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string_view>

namespace autospan::internal {
namespace {

constexpr std::size_t kMaxResponseBody = std::size_t{64} * 1024;
constexpr std::size_t kMaxLoggedBody = 200;
constexpr auto kWarnInterval = std::chrono::seconds(60);

// scheme://host[:port]/path, without user info, query or fragment (they may carry credentials).
std::string make_display_url(const std::string& url) {
  std::size_t scheme_end = url.find("://");
  std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t path = url.find_first_of("/?#", authority);
  std::size_t at = url.rfind('@', path == std::string::npos ? url.size() : path);
  std::string out = url.substr(0, authority);
  std::size_t host = at != std::string::npos && at >= authority ? at + 1 : authority;
  std::size_t end = url.find_first_of("?#", authority);
  out += url.substr(host, end == std::string::npos ? std::string::npos : end - host);
  return out;
}

// Milliseconds to wait per a Retry-After value (delay-seconds or HTTP-date), or -1.
long long parse_retry_after(const CurlApi& api, std::string_view value) {
  value = trim_header_value(value);
  if (value.empty())
    return -1;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9)
      return 999999999000LL;
    return std::stoll(std::string(value)) * 1000;
  }
  std::string copy(value);
  time_t when = api.getdate(copy.c_str(), nullptr);
  if (when == -1)
    return -1;
  time_t now = std::time(nullptr);
  return when > now ? static_cast<long long>(when - now) * 1000 : 0;
}

bool retryable_http(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

bool retryable_curl(CURLcode rc) {
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_SSL_CONNECT_ERROR: // also a reset during the handshake; bad certs have own codes
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

// gRPC status codes OTLP/gRPC treats as transient.
bool retryable_grpc(int code) {
  switch (code) {
  case 1:  // CANCELLED
  case 4:  // DEADLINE_EXCEEDED
  case 8:  // RESOURCE_EXHAUSTED
  case 10: // ABORTED
  case 11: // OUT_OF_RANGE
  case 14: // UNAVAILABLE
  case 15: // DATA_LOSS
    return true;
  default:
    return false;
  }
}

// Printable ASCII only, bounded: collector messages end up in the program's stderr.
std::string excerpt(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= kMaxLoggedBody) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return out;
}

// grpc-message is percent-encoded.
std::string percent_decode(std::string_view s) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
      continue;
    }
    out += s[i];
  }
  return out;
}

} // namespace

namespace {
bool supports_http2(const CurlApi& api) noexcept {
  const curl_version_info_data* info = api.version_info(CURLVERSION_NOW);
  return info != nullptr && (info->features & CURL_VERSION_HTTP2) != 0;
}
} // namespace

bool curl_supports_http2() noexcept {
  const CurlApi* api = curl_api();
  return api != nullptr && supports_http2(*api);
}

struct HttpTransport::Impl {
  const CurlApi* api = nullptr; // set with the first handle
  CURL* curl = nullptr;
  pid_t owner = 0;
  // Header lines, turned into curl lists with the first handle.
  std::vector<std::string> lines_plain;
  std::vector<std::string> lines_gzip;
  curl_slist* headers_plain = nullptr;
  curl_slist* headers_gzip = nullptr;
  bool unusable = false; // libcurl missing, or without HTTP/2 for gRPC: said once
  GzipCompressor gzip;
  std::vector<std::uint8_t> joined; // gzip input when the body comes in several segments
  std::vector<std::uint8_t> compressed;
  std::uint8_t grpc_prefix[5] = {};
  char errbuf[CURL_ERROR_SIZE] = {};

  // The body of the request in progress, read by on_read (libcurl copies it into its upload
  // buffer in any case; reading it from the pieces saves joining them first).
  std::vector<BodySegment> body_segments;
  std::size_t read_segment = 0;
  std::size_t read_offset = 0;

  // Captured from the current response.
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::string grpc_status;
  std::string grpc_message;

  const HttpTransport* owner_transport = nullptr; // for the progress callback

  // The own HTTP/1.1 client (HttpTransportOptions::builtin_http; create() decides when). One
  // kept-alive connection, which a CONNECT_ONLY libcurl handle opens (name resolution with its
  // timeout, IPv6, connect timeout) and owns; requests and responses go over its socket directly:
  // the head and the body segments in one sendmsg(), no copy of the body, and one wait for the
  // response. libcurl's own transfer costs about 40 us more CPU per request (docs/performance.md).
  bool builtin = false;
  std::string request_line; // "POST /path HTTP/1.1\r\nHost: ...\r\nUser-Agent: ...\r\n"
  std::string fields_plain; // the header lines, CRLF-terminated, without Content-Length
  std::string fields_gzip;
  std::string head;          // of the request in progress
  std::vector<iovec> pieces; // head, then body_segments: what write_request() sends
  CURL* connector = nullptr;
  pid_t connector_owner = 0;
  int fd = -1;
  bool fresh = false;     // the connection has not carried a request yet
  bool own_error = false; // errbuf was written by the own client, not by libcurl

  void drop_connection() noexcept {
    if (connector != nullptr && connector_owner == getpid())
      api->easy_cleanup(connector); // closes the socket
    connector = nullptr;            // in a forked child: the parent's, left alone
    fd = -1;
  }
  CURLcode builtin_connect(const std::string& url, std::chrono::steady_clock::time_point deadline);
  CURLcode wait_socket(const HttpTransport& t, short events,
                       std::chrono::steady_clock::time_point deadline);
  CURLcode write_request(const HttpTransport& t, std::chrono::steady_clock::time_point deadline);
  CURLcode read_response(const HttpTransport& t, std::chrono::steady_clock::time_point deadline,
                         long& status);
  CURLcode builtin_perform(const HttpTransport& t, const std::string& url, bool gzipped,
                           std::size_t body_size, std::chrono::steady_clock::time_point deadline,
                           long& status);

  // Log throttling: the first failure of a streak is a warning, repeats at most once a minute.
  int failure_streak = 0;
  std::chrono::steady_clock::time_point last_warn{};

  ~Impl() {
    if (api == nullptr)
      return;
    // In a forked child the handle's connection (and TLS session) belongs to the parent:
    // cleaning it up could send a TLS close_notify on the parent's socket. Leak it instead.
    if (curl != nullptr && owner == getpid())
      api->easy_cleanup(curl);
    drop_connection();
    api->slist_free_all(headers_plain);
    api->slist_free_all(headers_gzip);
  }

  static std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::size_t room = size * n, copied = 0;
    while (copied < room && self->read_segment < self->body_segments.size()) {
      const BodySegment& seg = self->body_segments[self->read_segment];
      std::size_t take = std::min(room - copied, seg.size - self->read_offset);
      if (take != 0)
        std::memcpy(buffer + copied, seg.data + self->read_offset, take);
      copied += take;
      self->read_offset += take;
      if (self->read_offset == seg.size) {
        ++self->read_segment;
        self->read_offset = 0;
      }
    }
    return copied;
  }

  // libcurl rewinds when it sends the body again (a kept-alive connection that turned out dead).
  static int on_seek(void* user, curl_off_t offset, int origin) {
    auto* self = static_cast<Impl*>(user);
    if (origin != SEEK_SET || offset < 0)
      return CURL_SEEKFUNC_CANTSEEK;
    self->read_segment = 0;
    self->read_offset = 0;
    auto left = static_cast<std::size_t>(offset);
    while (self->read_segment < self->body_segments.size() &&
           left >= self->body_segments[self->read_segment].size) {
      left -= self->body_segments[self->read_segment].size;
      ++self->read_segment;
    }
    if (self->read_segment == self->body_segments.size() && left != 0)
      return CURL_SEEKFUNC_FAIL;
    self->read_offset = left;
    return CURL_SEEKFUNC_OK;
  }

  void reset_response() {
    body.clear();
    content_type.clear();
    retry_after.clear();
    grpc_status.clear();
    grpc_message.clear();
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::size_t len = size * n;
    std::size_t room = kMaxResponseBody - std::min(kMaxResponseBody, self->body.size());
    self->body.append(data, std::min(len, room));
    return len; // the rest is read and discarded, so the connection stays reusable
  }

  // Aborts a request in flight once the shutdown deadline has passed (a black-holing collector
  // must not hold the process's exit longer than its budget).
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::size_t len = size * n;
    std::string_view line(data, len);
    if (line.size() >= 5 && line.compare(0, 5, "HTTP/") == 0) {
      // A new response head (after a 100 Continue, or on a retried connection).
      self->reset_response();
      return len;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return len;
    std::string_view name = trim_header_value(line.substr(0, colon));
    std::string_view value = trim_header_value(line.substr(colon + 1));
    if (header_name_equals(name, "content-type"))
      self->content_type.assign(value);
    else if (header_name_equals(name, "retry-after"))
      self->retry_after.assign(value);
    else if (header_name_equals(name, "grpc-status"))
      self->grpc_status.assign(value);
    else if (header_name_equals(name, "grpc-message"))
      self->grpc_message.assign(value);
    return len;
  }
};

int HttpTransport::Impl::on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* self = static_cast<Impl*>(user);
  return self->owner_transport != nullptr &&
                 std::chrono::steady_clock::now() >= self->owner_transport->shutdown_deadline()
             ? 1
             : 0;
}

namespace {

// For the own client: a plain http:// URL without user info (libcurl turns that into a login),
// split into the request target and the Host header; false for anything else.
bool split_plain_url(const std::string& url, std::string& host, std::string& target) {
  constexpr std::string_view kScheme = "http://";
  if (url.compare(0, kScheme.size(), kScheme) != 0)
    return false;
  std::size_t start = kScheme.size();
  std::size_t end = url.find_first_of("/?#", start);
  host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (host.empty() || host.find('@') != std::string::npos ||
      host.find_first_of(" \t\r\n") != std::string::npos)
    return false;
  target = end == std::string::npos ? std::string("/") : url.substr(end);
  target = target.substr(0, target.find('#'));
  if (target.empty() || target[0] == '?')
    target.insert(0, "/");
  return target.find_first_of(" \t\r\n") == std::string::npos;
}

// libcurl sends plain http:// requests through a proxy when one of these is set (it ignores
// HTTP_PROXY in capitals for http://). The own client does not speak to proxies.
bool proxy_configured() {
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && v[0] != '\0')
      return true;
  }
  return false;
}

// The header lines as libcurl gets them (curl_slist strings) to request header fields.
std::string header_fields(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (line == "Expect:")
      continue; // libcurl's "no Expect header"; the own client never sends one
    if (!line.empty() && line.back() == ';' && line.find(':') == std::string::npos)
      out += line.substr(0, line.size() - 1) + ":"; // libcurl's "Name;": an empty value
    else
      out += line;
    out += "\r\n";
  }
  return out;
}

constexpr auto kWaitSlice = std::chrono::milliseconds(100);

} // namespace

CURLcode HttpTransport::Impl::builtin_connect(const std::string& url,
                                              std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  drop_connection();
  auto remaining = duration_cast<milliseconds>(deadline - steady_clock::now());
  if (remaining.count() <= 0)
    return CURLE_OPERATION_TIMEDOUT;
  const CurlApi& C = *api;
  CURL* c = C.easy_init();
  if (c == nullptr)
    return CURLE_FAILED_INIT;
  connector = c;
  connector_owner = getpid();
  C.easy_setopt(c, CURLOPT_URL, url.c_str());
  C.easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
  C.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  C.easy_setopt(c, CURLOPT_PROXY, ""); // chosen only without a proxy (proxy_configured)
  C.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  C.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Impl::on_progress);
  C.easy_setopt(c, CURLOPT_XFERINFODATA, this);
  C.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  C.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  C.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(remaining.count()));
  C.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
  CURLcode rc = C.easy_perform(c);
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (rc == CURLE_OK)
    rc = C.easy_getinfo(c, CURLINFO_ACTIVESOCKET, &socket);
  if (rc == CURLE_OK && socket == CURL_SOCKET_BAD)
    rc = CURLE_COULDNT_CONNECT;
  if (rc != CURLE_OK) {
    drop_connection();
    return rc;
  }
  fd = socket;
  fresh = true;
  return CURLE_OK;
}

// Waits until the socket is ready for `events`, in slices, so that a shutdown deadline set
// meanwhile (begin_shutdown, another thread) is seen within one.
CURLcode HttpTransport::Impl::wait_socket(const HttpTransport& t, short events,
                                          std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  for (;;) {
    const auto shutdown = t.shutdown_deadline();
    const auto limit = std::min(deadline, shutdown);
    const auto now = steady_clock::now();
    if (now >= limit) {
      own_error = true;
      std::snprintf(errbuf, sizeof errbuf, "%s",
                    shutdown <= deadline ? "aborted at the shutdown deadline"
                                         : "timed out waiting for the collector");
      return shutdown <= deadline ? CURLE_ABORTED_BY_CALLBACK : CURLE_OPERATION_TIMEDOUT;
    }
    auto slice = std::min<steady_clock::duration>(limit - now, kWaitSlice);
    auto ms = duration_cast<milliseconds>(slice).count() + 1;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(ms));
    if (n > 0)
      return CURLE_OK; // ready, or an error the next call reports
    if (n < 0 && errno != EINTR) {
      own_error = true;
      std::snprintf(errbuf, sizeof errbuf, "poll: %s", std::strerror(errno));
      return CURLE_RECV_ERROR;
    }
  }
}

CURLcode HttpTransport::Impl::write_request(const HttpTransport& t,
                                            std::chrono::steady_clock::time_point deadline) {
  pieces.clear();
  pieces.push_back({head.data(), head.size()});
  for (const BodySegment& seg : body_segments)
    if (seg.size != 0)
      pieces.push_back({const_cast<std::uint8_t*>(seg.data), seg.size});
  constexpr std::size_t kMaxIov = 64; // per call; the loop sends the rest
  std::size_t next = 0;               // first piece not (wholly) sent
  while (next < pieces.size()) {
    msghdr msg{};
    msg.msg_iov = &pieces[next];
    msg.msg_iovlen = std::min(kMaxIov, pieces.size() - next);
    ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (CURLcode rc = wait_socket(t, POLLOUT, deadline); rc != CURLE_OK)
          return rc;
        continue;
      }
      own_error = true;
      std::snprintf(errbuf, sizeof errbuf, "send: %s", std::strerror(errno));
      return CURLE_SEND_ERROR;
    }
    // Drop what went out: whole pieces, then the start of a partly sent one.
    auto left = static_cast<std::size_t>(sent);
    while (next < pieces.size() && left >= pieces[next].iov_len)
      left -= pieces[next++].iov_len;
    if (left > 0) {
      pieces[next].iov_base = static_cast<char*>(pieces[next].iov_base) + left;
      pieces[next].iov_len -= left;
    }
  }
  return CURLE_OK;
}

CURLcode HttpTransport::Impl::read_response(const HttpTransport& t,
                                            std::chrono::steady_clock::time_point deadline,
                                            long& status) {
  HttpResponseReader reader(kMaxResponseBody);
  char buffer[16 * 1024];
  bool extra = false; // bytes after the response: the connection is not reused
  // The answer cannot be there yet: wait first (one system call fewer per request).
  if (CURLcode rc = wait_socket(t, POLLIN, deadline); rc != CURLE_OK)
    return rc;
  for (;;) {
    ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (got > 0) {
      std::size_t used = reader.feed(buffer, static_cast<std::size_t>(got));
      extra = used < static_cast<std::size_t>(got);
      if (reader.state() == HttpResponseReader::State::Done ||
          reader.state() == HttpResponseReader::State::Error)
        break;
      continue;
    }
    if (got == 0) {
      reader.end_of_stream();
      break;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (CURLcode rc = wait_socket(t, POLLIN, deadline); rc != CURLE_OK)
        return rc;
      continue;
    }
    own_error = true;
    std::snprintf(errbuf, sizeof errbuf, "receive: %s", std::strerror(errno));
    return reader.got_bytes() ? CURLE_RECV_ERROR : CURLE_GOT_NOTHING;
  }
  if (reader.state() != HttpResponseReader::State::Done) {
    own_error = true;
    std::snprintf(errbuf, sizeof errbuf, "%s", reader.error().c_str());
    if (!reader.got_bytes())
      return CURLE_GOT_NOTHING;
    // A response cut short is transient; one that is not HTTP is not.
    return reader.error().rfind("connection closed", 0) == 0 ? CURLE_PARTIAL_FILE
                                                             : CURLE_WEIRD_SERVER_REPLY;
  }
  status = reader.status();
  body = reader.body();
  content_type = reader.content_type();
  retry_after = reader.retry_after();
  if (!reader.keep_alive() || extra)
    drop_connection();
  return CURLE_OK;
}

CURLcode HttpTransport::Impl::builtin_perform(const HttpTransport& t, const std::string& url,
                                              bool gzipped, std::size_t body_size,
                                              std::chrono::steady_clock::time_point deadline,
                                              long& status) {
  own_error = false;
  if (connector != nullptr && connector_owner != getpid())
    drop_connection(); // inherited across fork(): the parent's connection, left to it
  head = request_line;
  head += gzipped ? fields_gzip : fields_plain;
  head += "Content-Length: " + std::to_string(body_size) + "\r\n\r\n";
  // A kept-alive connection may have been closed by the server since its last response; the
  // request then goes once more on a new connection when nothing of a response came back
  // (libcurl does the same). The server may have seen it: a duplicate is possible, a loss not.
  for (int round = 0;; ++round) {
    if (fd >= 0) {
      pollfd p{fd, POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 0) != 0) // readable before a request: closed (or stray bytes)
        drop_connection();
    }
    if (fd < 0) {
      if (CURLcode rc = builtin_connect(url, deadline); rc != CURLE_OK)
        return rc;
    }
    const bool reused = !fresh;
    fresh = false;
    CURLcode rc = write_request(t, deadline);
    if (rc == CURLE_OK) {
      rc = read_response(t, deadline, status);
    } else if (rc == CURLE_SEND_ERROR) {
      // A collector may answer before it has read the whole body (413 Payload Too Large) and
      // close: that answer, not the broken send, is the outcome (no retry of a 4xx).
      std::string send_error = errbuf;
      if (read_response(t, std::min(deadline, std::chrono::steady_clock::now() + kWaitSlice),
                        status) == CURLE_OK)
        rc = CURLE_OK;
      else
        std::snprintf(errbuf, sizeof errbuf, "%s", send_error.c_str());
    }
    if (rc == CURLE_OK)
      return rc;
    drop_connection();
    if (round == 0 && reused && (rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING))
      continue;
    return rc;
  }
}

HttpTransport::HttpTransport(HttpTransportOptions options)
    : options_(std::move(options)), display_url_(make_display_url(options_.url)), impl_(new Impl),
      rng_(static_cast<std::minstd_rand::result_type>(
          std::chrono::steady_clock::now().time_since_epoch().count() ^ getpid())) {
  impl_->owner_transport = this;
}

void HttpTransport::begin_shutdown(std::chrono::steady_clock::time_point deadline) noexcept {
  auto ticks = deadline.time_since_epoch().count();
  auto current = shutdown_deadline_.load(std::memory_order_relaxed);
  while (ticks < current &&
         !shutdown_deadline_.compare_exchange_weak(current, ticks, std::memory_order_acq_rel)) {
  }
  // Taking the mutex orders this with a sender about to sleep: it sees the new deadline or
  // gets the notification.
  std::lock_guard<std::mutex> lock(sleep_mutex_);
  sleep_cv_.notify_all();
}

bool HttpTransport::shutting_down() const noexcept {
  return shutdown_deadline_.load(std::memory_order_acquire) !=
         std::chrono::steady_clock::duration::max().count();
}

std::chrono::steady_clock::time_point HttpTransport::shutdown_deadline() const noexcept {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(shutdown_deadline_.load(std::memory_order_acquire)));
}

HttpTransport::~HttpTransport() = default;

std::unique_ptr<HttpTransport> HttpTransport::create(HttpTransportOptions options,
                                                     std::string& error) {
  const std::string& url = options.url;
  bool https = url.compare(0, 8, "https://") == 0;
  if (!https && url.compare(0, 7, "http://") != 0) {
    error = "endpoint must start with http:// or https://";
    return nullptr;
  }
  std::unique_ptr<HttpTransport> t(new HttpTransport(std::move(options)));
  // Build both header lists once; values go into curl's lists and are never logged.
  auto build = [&](bool gzip) {
    std::vector<std::string> list;
    auto add = [&](std::string line) { list.push_back(std::move(line)); };
    add("Content-Type: " + t->options_.content_type);
    if (gzip)
      add(t->options_.grpc ? "grpc-encoding: gzip" : "Content-Encoding: gzip");
    if (t->options_.grpc) {
      add("te: trailers");
      add("grpc-accept-encoding: identity");
    }
    add("Expect:"); // no 100-continue round trip for large bodies
    for (const auto& h : t->options_.headers) {
      // "Name:" alone would make curl remove a header; "Name;" sends it empty.
      add(h.second.empty() ? h.first + ";" : h.first + ": " + h.second);
    }
    return list;
  };
  // CR, LF or NUL in a header would let a configured value inject other headers (or cut the
  // request): such headers are dropped. Only the name is logged.
  auto& headers = t->options_.headers;
  for (auto it = headers.begin(); it != headers.end();) {
    auto bad = [](const std::string& s) {
      return s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
    };
    if (bad(it->first) || bad(it->second) || it->first.empty() ||
        it->first.find(':') != std::string::npos) {
      std::string name = bad(it->first) ? std::string("(unprintable name)") : it->first;
      AUTOSPAN_LOG(Warn, "ignoring OTLP header '%s': invalid name or value", name.c_str());
      it = headers.erase(it);
    } else {
      ++it;
    }
  }
  t->impl_->lines_plain = build(false);
  t->impl_->lines_gzip = build(true);
  std::string host, target;
  Impl& im = *t->impl_;
  im.builtin = t->options_.builtin_http && !t->options_.grpc &&
               split_plain_url(t->options_.url, host, target) && !proxy_configured();
  if (im.builtin) {
    // A configured header of the same name replaces the client's own (as with libcurl): one
    // Host header, whichever it is.
    auto configured = [&](std::string_view name) {
      return std::any_of(t->options_.headers.begin(), t->options_.headers.end(),
                         [&](const auto& h) { return header_name_equals(h.first, name); });
    };
    im.request_line = "POST " + target + " HTTP/1.1\r\n";
    if (!configured("Host"))
      im.request_line += "Host: " + host + "\r\n";
    if (!configured("User-Agent"))
      im.request_line += "User-Agent: autospan/" AUTOSPAN_VERSION_STRING "\r\n";
    if (!configured("Accept"))
      im.request_line += "Accept: */*\r\n";
    im.fields_plain = header_fields(im.lines_plain);
    im.fields_gzip = header_fields(im.lines_gzip);
  }
  return t;
}

bool HttpTransport::ensure_handle() noexcept {
  Impl& im = *impl_;
  pid_t self = getpid();
  if (im.curl != nullptr && im.owner != self)
    im.curl = nullptr; // inherited across fork(): see ~Impl
  if (im.curl != nullptr)
    return true;
  if (im.unusable)
    return false;
  if (im.api == nullptr) {
    const CurlApi* api = curl_api(); // logs why when it cannot load
    if (api == nullptr) {
      im.unusable = true;
      return false;
    }
    if (options_.grpc && !supports_http2(*api)) {
      AUTOSPAN_LOG(Error,
                   "OTLP/gRPC export to %s is off: libcurl.so.4 has no HTTP/2; spans are "
                   "dropped",
                   display_url_.c_str());
      im.unusable = true;
      return false;
    }
    try {
      auto make = [api](const std::vector<std::string>& lines) {
        curl_slist* list = nullptr;
        for (const auto& line : lines)
          if (curl_slist* next = api->slist_append(list, line.c_str()))
            list = next;
        return list;
      };
      im.headers_plain = make(im.lines_plain);
      im.headers_gzip = make(im.lines_gzip);
    } catch (...) {
      return false;
    }
    im.api = api;
  }
  const CurlApi& C = *im.api;
  CURL* c = C.easy_init();
  if (c == nullptr)
    return false;
  im.curl = c;
  im.owner = self;
  C.easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  C.easy_setopt(c, CURLOPT_NOSIGNAL, 1L); // no SIGALRM-based DNS timeouts in a host process
  C.easy_setopt(c, CURLOPT_POST, 1L);
  C.easy_setopt(c, CURLOPT_ERRORBUFFER, im.errbuf);
  C.easy_setopt(c, CURLOPT_USERAGENT, "autospan/" AUTOSPAN_VERSION_STRING);
  C.easy_setopt(c, CURLOPT_WRITEFUNCTION, &Impl::on_body);
  C.easy_setopt(c, CURLOPT_WRITEDATA, &im);
  C.easy_setopt(c, CURLOPT_HEADERFUNCTION, &Impl::on_header);
  C.easy_setopt(c, CURLOPT_HEADERDATA, &im);
  C.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Impl::on_progress);
  C.easy_setopt(c, CURLOPT_XFERINFODATA, &im);
  C.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  C.easy_setopt(c, CURLOPT_READFUNCTION, &Impl::on_read);
  C.easy_setopt(c, CURLOPT_READDATA, &im);
  C.easy_setopt(c, CURLOPT_SEEKFUNCTION, &Impl::on_seek);
  C.easy_setopt(c, CURLOPT_SEEKDATA, &im);
  C.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  // A default batch (512 auto spans) is about 120 kB: through libcurl's default 64 kB upload
  // buffer that is two or three send() calls, each waking the receiver (on loopback the sender
  // pays the receive path too). One buffer for a whole default batch saved about 40 ns per span
  // in the export benchmark; its pages are touched only as far as bodies reach. (libcurl before
  // 7.62 ignores the option.)
  C.easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
  C.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // The library loaded may be older than the headers built against.
  const curl_version_info_data* info = C.version_info(CURLVERSION_NOW);
  unsigned version = info != nullptr ? info->version_num : 0;
  if (version >= 0x075500)
    C.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  else
    C.easy_setopt(c, static_cast<CURLoption>(181) /* CURLOPT_PROTOCOLS, deprecated */,
                  static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  C.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  C.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty())
    C.easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.client_cert_file.empty())
    C.easy_setopt(c, CURLOPT_SSLCERT, options_.client_cert_file.c_str());
  if (!options_.client_key_file.empty())
    C.easy_setopt(c, CURLOPT_SSLKEY, options_.client_key_file.c_str());
  if (options_.grpc) {
    bool https = options_.url.compare(0, 8, "https://") == 0;
    C.easy_setopt(
        c, CURLOPT_HTTP_VERSION,
        static_cast<long>(https ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
    // libcurl before 8.0 (Debian 12 has 7.88) fails the second POST on a reused HTTP/2
    // connection with CURLE_HTTP2 before sending anything: one connection per export there.
    if (version < 0x080000)
      C.easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
  } else {
    C.easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  }
  return true;
}

void HttpTransport::close() noexcept {
  Impl& im = *impl_;
  if (im.curl != nullptr && im.owner == getpid())
    im.api->easy_cleanup(im.curl);
  im.curl = nullptr;
  if (im.api != nullptr)
    im.drop_connection();
}

std::string HttpTransport::redacted(std::string text) const {
  redact(text);
  return text;
}

void HttpTransport::redact(std::string& text) const {
  for (const auto& h : options_.headers) {
    const std::string& v = h.second;
    if (v.size() < 3)
      continue;
    for (std::size_t at = text.find(v); at != std::string::npos; at = text.find(v, at + 10))
      text.replace(at, v.size(), "[REDACTED]");
  }
}

SendResult HttpTransport::send(const std::uint8_t* data, std::size_t size,
                               std::chrono::steady_clock::time_point deadline) noexcept {
  BodySegment one{data, size};
  return send(&one, 1, deadline);
}

SendResult HttpTransport::send(const BodySegment* segments, std::size_t count,
                               std::chrono::steady_clock::time_point deadline) noexcept {
  using namespace std::chrono;
  SendResult result;
  try {
    Impl& im = *impl_;
    if (!ensure_handle()) {
      // A missing libcurl has been reported once (curl_api); each failed batch is counted.
      if (!im.unusable)
        AUTOSPAN_LOG(Warn, "export to %s failed: cannot create a libcurl handle",
                     display_url_.c_str());
      return result;
    }
    const CurlApi& C = *im.api;
    CURL* c = im.curl;
    std::size_t size = 0;
    for (std::size_t i = 0; i < count; ++i)
      size += segments[i].size;
    im.body_segments.clear();
    curl_slist* headers = im.headers_plain;
    bool compressed = false;
    if (options_.gzip) {
      const std::uint8_t* input = count == 1 ? segments[0].data : nullptr;
      if (count > 1) {
        im.joined.clear();
        for (std::size_t i = 0; i < count; ++i)
          im.joined.insert(im.joined.end(), segments[i].data, segments[i].data + segments[i].size);
        input = im.joined.data();
      }
      compressed = im.gzip.compress(input, size, im.compressed);
    }
    if (options_.grpc) {
      // Length-prefixed message: compressed flag, then the length as 4 bytes big-endian.
      auto n = static_cast<std::uint32_t>(compressed ? im.compressed.size() : size);
      im.grpc_prefix[0] = compressed ? 1 : 0;
      im.grpc_prefix[1] = static_cast<std::uint8_t>(n >> 24);
      im.grpc_prefix[2] = static_cast<std::uint8_t>(n >> 16);
      im.grpc_prefix[3] = static_cast<std::uint8_t>(n >> 8);
      im.grpc_prefix[4] = static_cast<std::uint8_t>(n);
      im.body_segments.push_back({im.grpc_prefix, 5});
    }
    if (compressed) {
      headers = im.headers_gzip;
      im.body_segments.push_back({im.compressed.data(), im.compressed.size()});
    } else {
      im.body_segments.insert(im.body_segments.end(), segments, segments + count);
    }
    std::size_t body_size = 0;
    for (const auto& seg : im.body_segments)
      body_size += seg.size;
    C.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    // POST with the body from on_read (no CURLOPT_POSTFIELDS).
    C.easy_setopt(c, CURLOPT_POST, 1L);
    C.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_size));

    const RetryPolicy& policy = options_.retry;
    duration<double, std::milli> backoff = policy.initial_backoff;
    std::string last_error;
    for (int attempt = 1;; ++attempt) {
      deadline = std::min(deadline, shutdown_deadline());
      auto remaining = duration_cast<milliseconds>(deadline - steady_clock::now());
      if (remaining.count() <= 0) {
        result.result = ExportResult::RetryExhausted;
        if (last_error.empty())
          last_error = "export timeout reached before the first attempt";
        break;
      }
      im.reset_response();
      im.errbuf[0] = '\0';
      im.read_segment = 0;
      im.read_offset = 0;
      long status = 0;
      CURLcode rc = CURLE_OK;
      if (im.builtin) {
        result.builtin_client = true;
        rc = im.builtin_perform(*this, options_.url, compressed, body_size, deadline, status);
      } else {
        C.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
        C.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(remaining.count()));
        rc = C.easy_perform(c);
        C.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      }
      result.attempts = attempt;
      result.http_status = status;
      result.content_type = im.content_type;
      result.body = im.body;
      result.grpc_status = -1;
      if (!im.grpc_status.empty()) {
        try {
          result.grpc_status = std::stoi(im.grpc_status);
        } catch (...) {
          result.grpc_status = 2; // UNKNOWN
        }
      }

      bool retry = false;
      if (rc != CURLE_OK) {
        // While the process exits, an unreachable collector gets one attempt: retrying a
        // refused connection only delays the exit.
        retry = retryable_curl(rc) && !shutting_down();
        if (rc == CURLE_ABORTED_BY_CALLBACK) {
          // Our progress callback: the shutdown deadline passed during the request.
          rc = CURLE_OPERATION_TIMEDOUT;
          std::snprintf(im.errbuf, sizeof im.errbuf, "aborted at the shutdown deadline");
        }
        if (result.builtin_client && im.own_error)
          last_error = im.errbuf; // the own client's; connecting is libcurl's (below)
        else
          last_error = std::string("curl error ") + std::to_string(rc) + ": " +
                       (im.errbuf[0] != '\0' ? im.errbuf : C.easy_strerror(rc));
      } else if (status < 200 || status > 299) {
        retry = retryable_http(status);
        last_error = "HTTP " + std::to_string(status);
        if (!im.body.empty() && !options_.grpc)
          last_error += ": " + excerpt(redacted(im.body));
      } else if (options_.grpc && result.grpc_status != 0) {
        retry = result.grpc_status >= 0 && retryable_grpc(result.grpc_status);
        last_error = result.grpc_status < 0
                         ? std::string("no grpc-status in the response")
                         : "grpc-status " + std::to_string(result.grpc_status) + ": " +
                               excerpt(redacted(percent_decode(im.grpc_message)));
      } else {
        result.result = ExportResult::Success;
        if (im.failure_streak > 0)
          AUTOSPAN_LOG(Info, "export to %s works again after %d failed batches",
                       display_url_.c_str(), im.failure_streak);
        im.failure_streak = 0;
        return result;
      }
      redact(last_error);
      if (!retry) {
        result.result = ExportResult::Failure;
        break;
      }
      result.result = ExportResult::RetryExhausted;
      if (policy.max_attempts > 0 && attempt >= policy.max_attempts)
        break;
      long long wait_ms = parse_retry_after(C, im.retry_after);
      if (wait_ms < 0) {
        double factor = 1.0;
        if (policy.jitter > 0) {
          std::uniform_real_distribution<double> dist(1.0 - policy.jitter, 1.0 + policy.jitter);
          factor = dist(rng_);
        }
        wait_ms = static_cast<long long>(backoff.count() * factor);
        backoff =
            std::min<duration<double, std::milli>>(backoff * policy.multiplier, policy.max_backoff);
      }
      deadline = std::min(deadline, shutdown_deadline());
      auto now = steady_clock::now();
      if (now + milliseconds(wait_ms) >= deadline) {
        last_error +=
            " (next retry in " + std::to_string(wait_ms) + " ms would pass the export timeout)";
        break;
      }
      AUTOSPAN_LOG(Debug, "export to %s: attempt %d failed (%s), retrying in %lld ms",
                   display_url_.c_str(), attempt, last_error.c_str(), wait_ms);
      {
        // Interruptible: begin_shutdown() ends the wait.
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        auto until = now + milliseconds(wait_ms);
        sleep_cv_.wait_until(lock, until, [&] { return shutdown_deadline() < until; });
      }
    }
    ++im.failure_streak;
    auto now = steady_clock::now();
    if (im.failure_streak == 1 || now - im.last_warn >= kWarnInterval) {
      im.last_warn = now;
      AUTOSPAN_LOG(Warn, "export to %s failed after %d attempt%s: %s%s", display_url_.c_str(),
                   result.attempts, result.attempts == 1 ? "" : "s", last_error.c_str(),
                   im.failure_streak > 1 ? " (repeated failures; next report in 60 s)" : "");
    } else {
      AUTOSPAN_LOG(Debug, "export to %s failed after %d attempts: %s", display_url_.c_str(),
                   result.attempts, last_error.c_str());
    }
  } catch (...) {
    result.result = ExportResult::Failure;
  }
  return result;
}

} // namespace autospan::internal
