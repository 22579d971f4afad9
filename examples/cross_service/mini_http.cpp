#include "mini_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace mini_http {
namespace {

constexpr std::size_t kMaxHead = 64 * 1024;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  std::size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

void set_timeouts(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail("send");
    off += static_cast<std::size_t>(n);
  }
}

// Reads until the end of the header block; returns the head, leaves any body bytes in `rest`.
std::string read_head(int fd, std::string& rest) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    std::size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      rest = buf.substr(end + 4);
      return buf.substr(0, end + 2);
    }
    if (buf.size() > kMaxHead)
      throw std::runtime_error("HTTP header block too large");
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail("recv");
    if (n == 0)
      throw std::runtime_error("connection closed before the end of the headers");
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

// "Name: value" lines after the first line of `head`.
Headers parse_headers(const std::string& head, std::string& first_line) {
  Headers headers;
  std::size_t pos = head.find("\r\n");
  first_line = head.substr(0, pos);
  while (pos != std::string::npos && pos + 2 < head.size()) {
    std::size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next - pos - 2);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos)
      headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    pos = next;
  }
  return headers;
}

const char* reason(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 500:
    return "Internal Server Error";
  default:
    return "Status";
  }
}

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

} // namespace

bool parse_url(const std::string& text, Url& url) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0)
    return false;
  std::string rest = text.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  url.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = authority.rfind(':');
  url.host = authority.substr(0, colon);
  url.port = 80;
  if (colon != std::string::npos) {
    std::string port = authority.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
      return false;
    url.port = std::stoi(port);
  }
  if (url.host == "localhost")
    url.host = "127.0.0.1";
  in_addr addr{};
  return inet_pton(AF_INET, url.host.c_str(), &addr) == 1 && url.port > 0 && url.port < 65536;
}

Response get(const Url& url, const Headers& headers, int timeout_ms) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0)
    fail("socket");
  set_timeouts(fd.get(), timeout_ms);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(url.port));
  inet_pton(AF_INET, url.host.c_str(), &addr.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    fail("connect to " + url.host + ":" + std::to_string(url.port));

  std::string request = "GET " + url.path + " HTTP/1.1\r\nHost: " + url.host + ":" +
                        std::to_string(url.port) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  write_all(fd.get(), request + "\r\n");

  std::string body;
  std::string first_line;
  Response response;
  response.headers = parse_headers(read_head(fd.get(), body), first_line);
  // "HTTP/1.1 200 OK"
  std::size_t sp = first_line.find(' ');
  if (first_line.compare(0, 5, "HTTP/") != 0 || sp == std::string::npos)
    throw std::runtime_error("not an HTTP response: " + first_line);
  response.status = std::atoi(first_line.c_str() + sp + 1);
  char chunk[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail("recv");
    if (n == 0)
      break;
    body.append(chunk, static_cast<std::size_t>(n));
  }
  auto length = response.headers.find("content-length");
  if (length != response.headers.end())
    body.resize(std::min(body.size(), static_cast<std::size_t>(std::stoul(length->second))));
  response.body = std::move(body);
  return response;
}

Server::Server(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    fail("socket");
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    ::close(fd_);
    fail("bind/listen on 127.0.0.1:" + std::to_string(port));
  }
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

Server::~Server() {
  ::close(fd_);
}

void Server::serve_one(const std::function<Response(const Request&)>& handler) {
  int client = -1;
  do
    client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  while (client < 0 && errno == EINTR);
  if (client < 0)
    fail("accept");
  Fd conn(client);
  set_timeouts(conn.get(), 5000);

  Response response;
  try {
    std::string rest;
    std::string first_line;
    Request request;
    request.headers = parse_headers(read_head(conn.get(), rest), first_line);
    std::size_t sp1 = first_line.find(' ');
    std::size_t sp2 = first_line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos)
      throw std::runtime_error("bad request line");
    request.method = first_line.substr(0, sp1);
    request.target = first_line.substr(sp1 + 1, sp2 - sp1 - 1);
    response = handler(request);
  } catch (const std::exception& e) {
    response = Response{400, {{"content-type", "text/plain"}}, std::string(e.what()) + "\n"};
  }
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) +
                     "\r\nContent-Length: " + std::to_string(response.body.size()) +
                     "\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers)
    head += name + ": " + value + "\r\n";
  try {
    write_all(conn.get(), head + "\r\n" + response.body);
  } catch (const std::exception&) {
    // The client went away; nothing to tell it.
  }
}

} // namespace mini_http
