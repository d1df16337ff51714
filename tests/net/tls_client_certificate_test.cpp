// A TLS listener that asks for client certificates hands the application what the client
// presented (thumbprints as IoT Hub computes them, the common name, the chain), and lets a
// client without one in; net::fetch presents one when told to.
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "outpost/core/file_io.h"
#include "outpost/net/http_fetch.h"
#include "outpost/net/http_server.h"
#include "outpost/net/tls.h"
#include "support/test_certificates.h"

namespace outpost::net {
namespace {

class TlsClientCertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = (std::filesystem::temp_directory_path() / ("outpost-tls-client-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir);
    server_cert = testing::write_self_signed_certificate(dir, "server");
    ca = testing::write_ca_certificate(dir, "ca", "Device CA");
    client = testing::write_client_certificate(dir, "client", "device-1", ca);
  }
  void TearDown() override {
    if (server) loop.post([this] { server->stop(); });
    loop.stop();
    if (thread.joinable()) thread.join();
    std::filesystem::remove_all(dir);
  }
  void serve(TlsServerOptions options) {
    auto tls = TlsServerContext::create({server_cert.cert_file, server_cert.key_file}, options);
    ASSERT_TRUE(tls) << tls.error();
    server = std::make_unique<HttpServer>(loop, [this](HttpRequest&& request, HttpResponder responder) {
      {
        std::lock_guard lock(mutex);
        seen = request.client_certificate;
      }
      responder.send(HttpResponse::text(200, "ok\n"));
    });
    auto port = server->listen("127.0.0.1:0", *tls);
    ASSERT_TRUE(port) << port.error();
    url = "https://127.0.0.1:" + std::to_string(*port) + "/";
    thread = std::thread([this] { loop.run(); });
    // Running before anything may stop it: a stop() ahead of run() would be lost.
    std::promise<void> running;
    loop.post([&running] { running.set_value(); });
    running.get_future().wait();
  }
  HttpClientOptions options(bool with_certificate) const {
    HttpClientOptions o;
    o.ca_file = server_cert.cert_file;
    o.timeout = std::chrono::seconds(10);
    if (with_certificate) {
      o.client_cert_file = client.cert_file;
      o.client_key_file = client.key_file;
    }
    return o;
  }
  std::shared_ptr<const ClientCertificate> last_seen() {
    std::lock_guard lock(mutex);
    return seen;
  }

  std::string dir;
  testing::TestCertificate server_cert, ca, client;
  EventLoop loop;
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::string url;
  std::mutex mutex;
  std::shared_ptr<const ClientCertificate> seen;
};

TEST_F(TlsClientCertificateTest, TheHandlerSeesThePresentedCertificate) {
  serve({.request_client_certificates = true});
  auto reply = fetch("GET", url, {}, {}, options(true));
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
  const auto seen_now = last_seen();
  ASSERT_NE(seen_now, nullptr);
  const auto expected = describe_certificate_pem(*read_whole_file(client.cert_file));
  ASSERT_TRUE(expected) << expected.error();
  EXPECT_EQ(seen_now->sha1_thumbprint, expected->sha1_thumbprint);
  EXPECT_EQ(seen_now->sha1_thumbprint.size(), 40u);
  EXPECT_EQ(seen_now->sha256_thumbprint.size(), 64u);
  EXPECT_EQ(seen_now->subject_common_name, "device-1");
  EXPECT_NE(seen_now->chain_pem.find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST_F(TlsClientCertificateTest, AClientWithoutACertificateStillConnects) {
  serve({.request_client_certificates = true});
  auto reply = fetch("GET", url, {}, {}, options(false));
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(last_seen(), nullptr);
}

TEST_F(TlsClientCertificateTest, AListenerThatDoesNotAskSeesNone) {
  serve({});
  auto reply = fetch("GET", url, {}, {}, options(true));
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(last_seen(), nullptr);
}

TEST(DescribeCertificatePem, ExplainsWhatIsNotACertificate) {
  EXPECT_EQ(describe_certificate_pem("hello").error(), "no PEM certificate found");
}

TEST_F(TlsClientCertificateTest, AMissingClientKeyIsNamed) {
  serve({.request_client_certificates = true});
  auto o = options(true);
  o.client_key_file = dir + "/absent.key";
  auto reply = fetch("GET", url, {}, {}, o);
  ASSERT_FALSE(reply);
  EXPECT_NE(reply.error().find("client key '" + dir + "/absent.key'"), std::string::npos) << reply.error();
}

}  // namespace
}  // namespace outpost::net
