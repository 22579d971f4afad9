// The own HTTP/1.1 client: the response reader on its own (every framing a server may use, fed
// in pieces of every size), and the transport against raw loopback servers that answer in those
// framings and close kept-alive connections under it.
#include "export/http_response.h"
#include "export/http_transport.h"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace autospan::internal;
using namespace std::chrono;
using State = HttpResponseReader::State;

namespace {

// Feeds `text` in pieces of `piece` bytes; returns the bytes used.
std::size_t feed_in_pieces(HttpResponseReader& r, const std::string& text, std::size_t piece) {
  std::size_t used = 0;
  for (std::size_t at = 0; at < text.size(); at += piece) {
    std::size_t n = std::min(piece, text.size() - at);
    std::size_t u = r.feed(text.data() + at, n);
    used += u;
    if (u < n || r.state() == State::Done || r.state() == State::Error)
      break;
  }
  return used;
}

} // namespace

TEST_CASE("http response: Content-Length, chunked and close-delimited bodies, in any pieces",
          "[http_response]") {
  struct Case {
    const char* what;
    std::string text;
    bool needs_close; // the body ends with the connection
    std::string body;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {"Content-Length",
       "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 5\r\n\r\nhello",
       false, "hello", true},
      {"chunked, with an extension and trailers",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\n"
       "X-Trailer: 1\r\n\r\n",
       false, "hello", true},
      {"interim 100 Continue, then the response",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, "ok",
       true},
      {"no length: the body ends with the connection",
       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", true, "until close",
       false},
      {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
       false, "", false},
      {"HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false, "x",
       false},
      {"HTTP/1.0 with keep-alive",
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", false, "x", true},
      {"bare LF line ends", "HTTP/1.1 204 No Content\n\n", false, "", true},
  };
  for (const Case& c : cases)
    for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, c.text.size()}) {
      INFO(c.what << ", pieces of " << piece);
      HttpResponseReader r(1024);
      CHECK(feed_in_pieces(r, c.text, piece) == c.text.size());
      if (c.needs_close) {
        CHECK(r.state() == State::Body);
        r.end_of_stream();
      }
      REQUIRE(r.state() == State::Done);
      CHECK(r.status() == (c.text.find(" 204 ") != std::string::npos ? 204 : 200));
      CHECK(r.body() == c.body);
      CHECK(r.keep_alive() == c.keep_alive);
    }
}

TEST_CASE("http response: the headers the exporter acts on", "[http_response]") {
  HttpResponseReader r(1024);
  std::string text = "HTTP/1.1 503 Service Unavailable\r\ncontent-type:  application/json \r\n"
                     "RETRY-AFTER: 7\r\nContent-Length: 2\r\n\r\n{}";
  CHECK(r.feed(text.data(), text.size()) == text.size());
  REQUIRE(r.done());
  CHECK(r.status() == 503);
  CHECK(r.content_type() == "application/json");
  CHECK(r.retry_after() == "7");
  CHECK(r.body() == "{}");
}

TEST_CASE("http response: the kept body is bounded, the rest is read", "[http_response]") {
  HttpResponseReader r(4);
  std::string text = "HTTP/1.1 400 Bad Request\r\nContent-Length: 10\r\n\r\n0123456789";
  CHECK(feed_in_pieces(r, text, 3) == text.size());
  REQUIRE(r.done());
  CHECK(r.body() == "0123");
  CHECK(r.keep_alive());
}

TEST_CASE("http response: bytes after the response are left unread", "[http_response]") {
  HttpResponseReader r(64);
  std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
  CHECK(r.feed(text.data(), text.size()) == text.size() - 5);
  CHECK(r.done());
}

TEST_CASE("http response: malformed and incomplete responses are errors", "[http_response]") {
  struct Case {
    const char* what;
    std::string text;
    bool then_close;
    bool got_bytes;
  };
  const std::vector<Case> cases = {
      {"not HTTP", "SSH-2.0-OpenSSH\r\n", false, true},
      {"HTTP/2 preface answer", "HTTP/2 200\r\n\r\n", false, true},
      {"status not three digits", "HTTP/1.1 20 OK\r\n\r\n", false, true},
      {"header without a colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", false, true},
      {"Content-Length not a number", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false, true},
      {"two different Content-Lengths",
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, true},
      {"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
       true},
      {"chunk without its CRLF",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX\r\n", false, true},
      {"protocol switch", "HTTP/1.1 101 Switching Protocols\r\n\r\n", false, true},
      {"closed in the head", "HTTP/1.1 200 OK\r\nContent-Le", true, true},
      {"closed in the body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", true, true},
      {"closed in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true,
       true},
      {"closed before anything", "", true, false},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    HttpResponseReader r(64);
    r.feed(c.text.data(), c.text.size());
    if (c.then_close)
      r.end_of_stream();
    CHECK(r.state() == State::Error);
    CHECK_FALSE(r.error().empty());
    CHECK_FALSE(r.keep_alive());
    CHECK(r.got_bytes() == c.got_bytes);
  }
  HttpResponseReader huge(64);
  std::string head = "HTTP/1.1 200 OK\r\n";
  while (head.size() < std::size_t{70} * 1024)
    head += "X-Padding: 0123456789012345678901234567890123456789\r\n";
  huge.feed(head.data(), head.size());
  CHECK(huge.state() == State::Error);
}

namespace {

// A loopback server that hands each accepted connection to `handler`, one at a time.
class RawServer {
public:
  explicit RawServer(std::function<void(int fd, int connection)> handler)
      : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    REQUIRE(listen(fd_, 8) == 0);
    thread_ = std::thread([this] {
      for (int n = 1;; ++n) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0)
          return;
        connections_.store(n);
        handler_(c, n);
        close(c);
      }
    });
  }
  ~RawServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/traces"; }
  int connections() const { return connections_.load(); }

  // Reads one request (head and Content-Length body); false when the connection ended first.
  static bool read_request(int fd, std::string& body) {
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos, need = 0;
    for (;;) {
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          std::size_t at = in.find("Content-Length: ");
          need = head_end + 4 + (at < head_end ? std::stoul(in.substr(at + 16)) : 0);
        }
      }
      if (head_end != std::string::npos && in.size() >= need) {
        body = in.substr(head_end + 4, need - head_end - 4);
        return true;
      }
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0)
        return false;
      in.append(buf, static_cast<std::size_t>(n));
    }
  }
  static void write_all(int fd, const std::string& text) {
    std::size_t at = 0;
    while (at < text.size()) {
      ssize_t n = write(fd, text.data() + at, text.size() - at);
      if (n <= 0)
        return;
      at += static_cast<std::size_t>(n);
    }
  }

private:
  std::function<void(int, int)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::unique_ptr<HttpTransport> plain_transport(const std::string& url) {
  HttpTransportOptions o;
  o.url = url;
  o.content_type = "application/x-protobuf";
  o.retry.initial_backoff = milliseconds(20);
  o.retry.max_backoff = milliseconds(50);
  std::string error;
  auto t = HttpTransport::create(std::move(o), error);
  REQUIRE(t);
  return t;
}

SendResult post(HttpTransport& t, const std::string& body) {
  return t.send(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                steady_clock::now() + seconds(10));
}

} // namespace

TEST_CASE("http client: chunked answers after 100 Continue, on one kept-alive connection",
          "[http_response]") {
  std::atomic<int> requests{0};
  RawServer server([&](int fd, int) {
    std::string body;
    while (RawServer::read_request(fd, body)) {
      ++requests;
      RawServer::write_all(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                               "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n" +
                                   std::string(body.size() < 16 ? "1" : "2") + "\r\n" +
                                   body.substr(0, body.size() < 16 ? 1 : 2) + "\r\n0\r\n\r\n");
    }
  });
  auto t = plain_transport(server.url());
  for (int i = 0; i < 3; ++i) {
    SendResult r = post(*t, "payload " + std::to_string(i));
    CHECK(r.builtin_client);
    CHECK(r.result == ExportResult::Success);
    CHECK(r.attempts == 1);
    CHECK(r.body == "p");
    CHECK(r.content_type == "text/plain");
  }
  CHECK(requests.load() == 3);
  CHECK(server.connections() == 1);
}

TEST_CASE("http client: a server that closes kept-alive connections loses no request",
          "[http_response]") {
  std::atomic<int> answered{0}, dropped{0};
  SECTION("closed after each response, without saying so") {
    RawServer server([&](int fd, int) {
      std::string body;
      if (RawServer::read_request(fd, body)) {
        RawServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        ++answered;
      }
    });
    auto t = plain_transport(server.url());
    for (int i = 0; i < 4; ++i) {
      SendResult r = post(*t, "x");
      CHECK(r.result == ExportResult::Success);
      CHECK(r.attempts == 1);
      // Give the close time to arrive: the client must see it before sending.
      std::this_thread::sleep_for(milliseconds(20));
    }
    CHECK(answered.load() == 4);
    CHECK(server.connections() == 4);
  }
  SECTION("closed when the next request arrives, without an answer") {
    RawServer server([&](int fd, int) {
      std::string body;
      if (!RawServer::read_request(fd, body))
        return;
      RawServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      ++answered;
      if (RawServer::read_request(fd, body))
        ++dropped; // read, then the connection is closed unanswered
    });
    auto t = plain_transport(server.url());
    for (int i = 0; i < 3; ++i) {
      SendResult r = post(*t, "x");
      CHECK(r.result == ExportResult::Success);
      CHECK(r.attempts == 1); // sent again on a new connection, not a retry
    }
    CHECK(answered.load() == 3);
    CHECK(dropped.load() == 2);
  }
  SECTION("the body ends with the connection") {
    RawServer server([&](int fd, int) {
      std::string body;
      if (RawServer::read_request(fd, body)) {
        RawServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbye");
        ++answered;
      }
    });
    auto t = plain_transport(server.url());
    for (int i = 0; i < 2; ++i) {
      SendResult r = post(*t, "x");
      CHECK(r.result == ExportResult::Success);
      CHECK(r.body == "bye");
    }
    CHECK(answered.load() == 2);
    CHECK(server.connections() == 2);
  }
}

TEST_CASE("http client: an answer sent before the body was read is the outcome",
          "[http_response]") {
  std::atomic<int> requests{0};
  RawServer server([&](int fd, int) {
    // Read the head only, refuse, and close with the body unread.
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0)
        return;
      in.append(buf, static_cast<std::size_t>(n));
    }
    ++requests;
    RawServer::write_all(fd, "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n"
                             "Content-Length: 8\r\n\r\ntoo big!");
    shutdown(fd, SHUT_WR);
    std::this_thread::sleep_for(milliseconds(50));
  });
  auto t = plain_transport(server.url());
  SendResult r = post(*t, std::string(std::size_t{64} << 20, 'x')); // more than the socket buffers
  CHECK(r.builtin_client);
  CHECK(r.http_status == 413);
  CHECK(r.result == ExportResult::Failure); // a 4xx: no retry
  CHECK(r.attempts == 1);
  CHECK(r.body == "too big!");
  CHECK(requests.load() == 1);
}

TEST_CASE("http client: a reply that is not HTTP fails the batch without a retry",
          "[http_response]") {
  std::atomic<int> requests{0};
  RawServer server([&](int fd, int) {
    std::string body;
    while (RawServer::read_request(fd, body)) {
      ++requests;
      RawServer::write_all(fd, "SSH-2.0-OpenSSH_9.2\r\n");
    }
  });
  auto t = plain_transport(server.url());
  SendResult r = post(*t, "x");
  CHECK(r.builtin_client);
  CHECK(r.result == ExportResult::Failure);
  CHECK(r.attempts == 1);
  CHECK(requests.load() == 1);
}

TEST_CASE("http client: libcurl carries what the own client does not", "[http_response]") {
  RawServer server([&](int fd, int) {
    std::string body;
    while (RawServer::read_request(fd, body))
      RawServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  });
  SECTION("switched off") {
    HttpTransportOptions o;
    o.url = server.url();
    o.content_type = "application/x-protobuf";
    o.builtin_http = false;
    std::string error;
    auto t = HttpTransport::create(std::move(o), error);
    REQUIRE(t);
    SendResult r = post(*t, "x");
    CHECK(r.result == ExportResult::Success);
    CHECK_FALSE(r.builtin_client);
  }
  SECTION("a proxy configured when the transport is made") {
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    auto t = plain_transport(server.url());
    unsetenv("http_proxy"); // libcurl reads it per request: this one goes direct
    SendResult r = post(*t, "x");
    CHECK(r.result == ExportResult::Success);
    CHECK_FALSE(r.builtin_client);
  }
  SECTION("user info in the URL") {
    std::string url = server.url();
    url.insert(7, "user:pw@");
    auto t = plain_transport(url);
    SendResult r = post(*t, "x");
    CHECK(r.result == ExportResult::Success);
    CHECK_FALSE(r.builtin_client);
  }
}
