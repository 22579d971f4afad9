// A minimal OTLP/HTTP trace receiver for the export benchmark: accepts POSTs on kept-alive
// connections, answers 200 with an empty ExportTraceServiceResponse, and counts requests, bytes
// and spans (by walking the protobuf just deep enough to count ResourceSpans.ScopeSpans.spans).
// It does no other work, so that it keeps up with any exporter on loopback and its own cost
// stays out of the way (it runs in its own process: its CPU is not charged to the producer).
//
//   autospan_bench_sink [--port=N]
//
// Prints `port=N` once listening. When stdin reaches EOF it prints
// `requests=R bytes=B spans=S unparsed=U` and exits (the benchmark runner closes the pipe).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

std::atomic<std::uint64_t> g_requests{0};
std::atomic<std::uint64_t> g_bytes{0};
std::atomic<std::uint64_t> g_spans{0};
std::atomic<std::uint64_t> g_unparsed{0}; // bodies that are not http/protobuf (not counted)

// --- protobuf walking --------------------------------------------------------------------------
struct Reader {
  const unsigned char* p;
  const unsigned char* end;

  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      unsigned char b = *p++;
      v |= std::uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80u))
        return true;
    }
    return false;
  }
  // Visits each field; for length-delimited ones `on_len(field, sub)` may descend.
  template <class F> bool fields(F&& on_len) {
    while (p < end) {
      std::uint64_t key;
      if (!varint(key))
        return false;
      std::uint64_t field = key >> 3, v = 0;
      switch (key & 7u) {
      case 0:
        if (!varint(v))
          return false;
        break;
      case 1:
        if (end - p < 8)
          return false;
        p += 8;
        break;
      case 5:
        if (end - p < 4)
          return false;
        p += 4;
        break;
      case 2: {
        if (!varint(v) || v > static_cast<std::uint64_t>(end - p))
          return false;
        Reader sub{p, p + v};
        if (!on_len(field, sub))
          return false;
        p += v;
        break;
      }
      default:
        return false;
      }
    }
    return true;
  }
};

// ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{2: Span}}}. -1 when malformed.
long count_spans(const std::string& body) {
  long spans = 0;
  Reader top{reinterpret_cast<const unsigned char*>(body.data()),
             reinterpret_cast<const unsigned char*>(body.data()) + body.size()};
  bool ok = top.fields([&](std::uint64_t f, Reader& rs) {
    if (f != 1)
      return true;
    return rs.fields([&](std::uint64_t g, Reader& ss) {
      if (g != 2)
        return true;
      return ss.fields([&](std::uint64_t h, Reader&) {
        spans += h == 2;
        return true;
      });
    });
  });
  return ok ? spans : -1;
}

// --- HTTP/1.1 ---------------------------------------------------------------------------------
bool send_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Case-insensitive header lookup in the header block (without the request line).
std::string header(const std::string& head, const char* name) {
  std::size_t n = std::strlen(name);
  for (std::size_t pos = head.find("\r\n"); pos != std::string::npos;
       pos = head.find("\r\n", pos + 2)) {
    std::size_t line = pos + 2;
    if (head.size() - line > n && strncasecmp(head.c_str() + line, name, n) == 0 &&
        head[line + n] == ':') {
      std::size_t v = line + n + 1, e = head.find("\r\n", v);
      while (v < e && head[v] == ' ')
        ++v;
      return head.substr(v, e == std::string::npos ? std::string::npos : e - v);
    }
  }
  return {};
}

void serve(int fd) {
  std::string buf;
  char chunk[65536];
  for (;;) {
    std::size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0) {
        ::close(fd);
        return;
      }
      buf.append(chunk, static_cast<std::size_t>(r));
    }
    std::string head = buf.substr(0, head_end + 2);
    buf.erase(0, head_end + 4);
    std::string length = header(head, "Content-Length");
    if (length.empty()) {
      static const char kNoLength[] =
          "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      send_all(fd, kNoLength, sizeof kNoLength - 1);
      ::close(fd);
      return;
    }
    std::size_t want = std::strtoull(length.c_str(), nullptr, 10);
    if (strcasecmp(header(head, "Expect").c_str(), "100-continue") == 0) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      send_all(fd, kContinue, sizeof kContinue - 1);
    }
    while (buf.size() < want) {
      ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0) {
        ::close(fd);
        return;
      }
      buf.append(chunk, static_cast<std::size_t>(r));
    }
    std::string body = buf.substr(0, want);
    buf.erase(0, want);
    g_requests.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(want, std::memory_order_relaxed);
    long spans = header(head, "Content-Type").find("protobuf") != std::string::npos &&
                         header(head, "Content-Encoding").empty()
                     ? count_spans(body)
                     : -1;
    if (spans >= 0)
      g_spans.fetch_add(static_cast<std::uint64_t>(spans), std::memory_order_relaxed);
    else
      g_unparsed.fetch_add(1, std::memory_order_relaxed);
    static const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
                              "Content-Length: 0\r\n\r\n";
    if (!send_all(fd, kOk, sizeof kOk - 1)) {
      ::close(fd);
      return;
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--port=", 7) == 0) {
      port = std::atoi(argv[i] + 7);
    } else {
      std::fprintf(stderr, "usage: %s [--port=N]\n", argv[0]);
      return 2;
    }
  }
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 64) != 0) {
    std::perror("autospan_bench_sink: bind/listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("port=%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  pollfd fds[2] = {{lfd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[1].revents) {
      char c;
      ssize_t r = ::read(STDIN_FILENO, &c, 1);
      if (r <= 0)
        break;
    }
    if (fds[0].revents & POLLIN) {
      int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (cfd < 0)
        continue;
      ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::thread(serve, cfd).detach();
    }
  }
  std::printf("requests=%llu bytes=%llu spans=%llu unparsed=%llu\n",
              static_cast<unsigned long long>(g_requests.load()),
              static_cast<unsigned long long>(g_bytes.load()),
              static_cast<unsigned long long>(g_spans.load()),
              static_cast<unsigned long long>(g_unparsed.load()));
  std::fflush(stdout);
  // Connection threads may still be blocked in recv: leave without joining them.
  std::_Exit(0);
}
