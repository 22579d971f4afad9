// A scripted HTTP/1.1 server on 127.0.0.1 for transport tests: each request gets the next
// scripted reply (status, headers, body, delay) or a fault (reset, close, black hole).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace autospan::test {

struct Request {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::steady_clock::time_point received;
  int connection = 0;              // which accepted connection carried it (1-based)
  std::string client_cert_subject; // TLS with a client certificate only
  std::string header(const std::string& name) const; // case-insensitive; "" if absent
};

struct Reply {
  enum class Action { Respond, Reset, Close, BlackHole };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int delay_ms = 0;
  Action action = Action::Respond;

  static Reply status_only(int code) {
    Reply r;
    r.status = code;
    return r;
  }
  static Reply fault(Action a) {
    Reply r;
    r.action = a;
    return r;
  }
};

// HTTPS: the server's certificate and key (PEM); with client_ca_file, a client certificate
// signed by that CA is required (mTLS).
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};

class TestServer {
public:
  TestServer();
  explicit TestServer(const TlsConfig& tls);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  // TLS handshakes that failed (e.g. the client rejected our certificate).
  int failed_handshakes() const { return failed_handshakes_.load(); }
  std::string url(const std::string& path = "/v1/traces") const;
  // Replies for the next requests, in order; afterwards `fallback` (200, empty body).
  void script(std::vector<Reply> replies);
  void set_fallback(Reply reply);
  std::vector<Request> requests() const;
  int connections() const { return connections_.load(); }

private:
  void start();
  void accept_loop();
  void serve(int fd, int connection);
  Reply next_reply();

  void* tls_ctx_ = nullptr; // SSL_CTX*
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> failed_handshakes_{0};
  mutable std::mutex mu_;
  std::vector<Reply> script_;
  std::size_t next_ = 0;
  Reply fallback_;
  std::vector<Request> requests_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// A port on 127.0.0.1 where nothing listens (bound, then closed).
int unused_port();

} // namespace autospan::test
