#include "test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace autospan::test {
namespace {

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("bind failed");
  return fd;
}

int port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

} // namespace

std::string Request::header(const std::string& name) const {
  for (const auto& h : headers)
    if (iequals(h.first, name))
      return h.second;
  return "";
}

int unused_port() {
  int fd = listen_on(0);
  int port = port_of(fd);
  close(fd);
  return port;
}

TestServer::TestServer(const TlsConfig& tls) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("test server: cannot load certificate or key");
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error("test server: cannot load client CA");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  tls_ctx_ = ctx;
  start();
}

TestServer::TestServer() {
  start();
}

void TestServer::start() {
  signal(SIGPIPE, SIG_IGN); // writes to a client that went away
  listen_fd_ = listen_on(0);
  if (listen(listen_fd_, 16) != 0)
    throw std::runtime_error("listen failed");
  port_ = port_of(listen_fd_);
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  acceptor_ = std::thread([this] { accept_loop(); });
}

TestServer::~TestServer() {
  char c = 0;
  (void)!write(stop_pipe_[1], &c, 1);
  acceptor_.join();
  for (auto& t : workers_)
    t.join();
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
  if (tls_ctx_ != nullptr)
    SSL_CTX_free(static_cast<SSL_CTX*>(tls_ctx_));
}

std::string TestServer::url(const std::string& path) const {
  return std::string(tls_ctx_ != nullptr ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_) + path;
}

void TestServer::script(std::vector<Reply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  script_ = std::move(replies);
  next_ = 0;
}

void TestServer::set_fallback(Reply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  fallback_ = std::move(reply);
}

std::vector<Request> TestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

Reply TestServer::next_reply() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_ < script_.size())
    return script_[next_++];
  return fallback_;
}

void TestServer::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0)
      continue;
    if (fds[1].revents != 0)
      return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    int n = ++connections_;
    workers_.emplace_back([this, fd, n] { serve(fd, n); });
  }
}

void TestServer::serve(int fd, int connection) {
  SSL* ssl = nullptr;
  std::string subject;
  if (tls_ctx_ != nullptr) {
    ssl = SSL_new(static_cast<SSL_CTX*>(tls_ctx_));
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ++failed_handshakes_;
      ERR_clear_error();
      SSL_free(ssl);
      close(fd);
      return;
    }
    if (X509* peer = SSL_get1_peer_certificate(ssl)) {
      char buf[256];
      X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
      subject = buf;
      X509_free(peer);
    }
  }
  auto finish = [&] {
    if (ssl != nullptr)
      SSL_free(ssl);
    close(fd);
  };
  std::string in;
  // Waits for data (or the stop signal); false when the peer closed or we are stopping.
  auto fill = [&]() {
    if (ssl == nullptr || SSL_pending(ssl) == 0) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) <= 0 || fds[1].revents != 0)
        return false;
    }
    char buf[65536];
    ssize_t n = ssl != nullptr ? SSL_read(ssl, buf, sizeof buf) : read(fd, buf, sizeof buf);
    if (n <= 0)
      return false;
    in.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  for (;;) {
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) {
        finish();
        return;
      }
    Request req;
    req.connection = connection;
    req.client_cert_subject = subject;
    std::string head = in.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    std::size_t sp1 = request_line.find(' ');
    std::size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      if (end == std::string::npos)
        end = head.size();
      std::string line = head.substr(pos, end - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers.emplace_back(line.substr(0, colon),
                                 v == std::string::npos ? "" : line.substr(v));
      }
      pos = end + 2;
    }
    std::size_t length = 0;
    if (!req.header("Content-Length").empty())
      length = std::stoul(req.header("Content-Length"));
    in.erase(0, head_end + 4);
    while (in.size() < length)
      if (!fill()) {
        finish();
        return;
      }
    req.body = in.substr(0, length);
    in.erase(0, length);
    req.received = std::chrono::steady_clock::now();
    Reply reply = next_reply();
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    if (reply.delay_ms > 0) {
      pollfd p{stop_pipe_[0], POLLIN, 0};
      poll(&p, 1, reply.delay_ms);
    }
    switch (reply.action) {
    case Reply::Action::Reset: {
      linger l{1, 0}; // RST instead of FIN
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      finish();
      return;
    }
    case Reply::Action::Close:
      finish();
      return;
    case Reply::Action::BlackHole:
      while (fill()) {
      }
      finish();
      return;
    case Reply::Action::Respond:
      break;
    }
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n";
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    for (const auto& h : reply.headers)
      out += h.first + ": " + h.second + "\r\n";
    out += "\r\n" + reply.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ssl != nullptr
                      ? SSL_write(ssl, out.data() + sent, static_cast<int>(out.size() - sent))
                      : send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        finish();
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }
}

} // namespace autospan::test
