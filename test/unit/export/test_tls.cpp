// TLS: verification on by default, a custom CA, hostname checks and client certificates, against
// a loopback HTTPS server using certificates made with the openssl CLI at test time.
#include "export/exporters.h"
#include "support.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace autospan::test;
using namespace std::chrono;

namespace {

struct Pki {
  std::string ca, server_cert, server_key, wrong_host_cert, wrong_host_key, client_cert, client_key;
};

void openssl(const std::string& args) {
  std::string out;
  int rc = run(std::string(AUTOSPAN_TEST_OPENSSL) + " " + args + " 2>&1", out);
  INFO("openssl " << args << "\n" << out);
  REQUIRE(rc == 0);
}

// A CA, a server certificate for 127.0.0.1, one for another host name, and a client certificate.
const Pki& pki() {
  static const Pki p = [] {
    Pki k;
    std::string dir = temp_path("pki");
    std::string out;
    REQUIRE(run("mkdir -p " + dir, out) == 0);
    k.ca = dir + "/ca.pem";
    std::string ca_key = dir + "/ca.key";
    openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=autospan-test-ca -keyout " +
            ca_key + " -out " + k.ca);
    auto issue = [&](const std::string& name, const std::string& cn, const std::string& ext) {
      std::string key = dir + "/" + name + ".key", csr = dir + "/" + name + ".csr",
                  cert = dir + "/" + name + ".pem", extfile = dir + "/" + name + ".ext";
      write_file(extfile, ext + "\n");
      openssl("req -newkey rsa:2048 -nodes -subj /CN=" + cn + " -keyout " + key + " -out " + csr);
      openssl("x509 -req -days 2 -in " + csr + " -CA " + k.ca + " -CAkey " + ca_key +
              " -CAcreateserial -extfile " + extfile + " -out " + cert);
      return std::make_pair(cert, key);
    };
    auto server = issue("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    k.server_cert = server.first;
    k.server_key = server.second;
    auto wrong = issue("wrong", "elsewhere.example", "subjectAltName=DNS:elsewhere.example");
    k.wrong_host_cert = wrong.first;
    k.wrong_host_key = wrong.second;
    auto client = issue("client", "autospan-client", "extendedKeyUsage=clientAuth");
    k.client_cert = client.first;
    k.client_key = client.second;
    return k;
  }();
  return p;
}

ExportResult export_once(const OtlpOptions& options, milliseconds timeout = seconds(5)) {
  auto e = make_otlp_exporter(options);
  REQUIRE(e);
  Batch b = typical_batch(2);
  return e->export_batch(b.view(), timeout);
}

} // namespace

TEST_CASE("tls: verified with certificate_file, rejected without it", "[tls]") {
  const Pki& k = pki();
  TestServer server(TlsConfig{k.server_cert, k.server_key, ""});
  OtlpOptions options;
  options.endpoint = server.url();

  // Verification is on by default: the system store does not know our CA. Not retried.
  {
    StderrCapture capture;
    auto start = steady_clock::now();
    CHECK(export_once(options) == ExportResult::Failure);
    CHECK(steady_clock::now() - start < seconds(2));
    CHECK(capture.text().find("curl error 60") != std::string::npos); // peer verification
  }
  CHECK(server.requests().empty());
  // The server notices the aborted handshake shortly after the client gave up.
  for (int i = 0; i < 200 && server.failed_handshakes() == 0; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  CHECK(server.failed_handshakes() >= 1);

  options.certificate_file = k.ca;
  CHECK(export_once(options) == ExportResult::Success);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].header("Content-Type") == "application/x-protobuf");
}

TEST_CASE("tls: the host name must match the certificate", "[tls]") {
  const Pki& k = pki();
  TestServer server(TlsConfig{k.wrong_host_cert, k.wrong_host_key, ""});
  OtlpOptions options;
  options.endpoint = server.url();
  options.certificate_file = k.ca; // trusted CA, but the certificate names another host
  StderrCapture capture;
  CHECK(export_once(options) == ExportResult::Failure);
  std::string log = capture.text();
  INFO(log);
  CHECK(log.find("curl error 60") != std::string::npos);
  CHECK(server.requests().empty());
}

TEST_CASE("tls: client certificates (mTLS)", "[tls]") {
  const Pki& k = pki();
  TestServer server(TlsConfig{k.server_cert, k.server_key, k.ca});
  OtlpOptions options;
  options.endpoint = server.url();
  options.certificate_file = k.ca;
  {
    // With TLS 1.3 the server's refusal arrives after the client's handshake finished, so the
    // client may see it as a transient receive error and retry until the timeout.
    StderrCapture capture;
    CHECK(export_once(options, milliseconds(1500)) != ExportResult::Success);
  }
  CHECK(server.requests().empty());

  options.client_certificate_file = k.client_cert;
  options.client_key_file = k.client_key;
  CHECK(export_once(options) == ExportResult::Success);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].client_cert_subject.find("CN=autospan-client") != std::string::npos);
}
