// The workload API client against the real workload API (outpostd's WorkloadApi, served on a
// unix socket in this process): each call's request shape is what the server takes, and its
// errors carry the server's words.
#include "outpost/workload_client/workload_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/http_fetch.h"
#include "outpost/net/http_server.h"
#include "support/process.h"
#include "workload_api.h"

namespace outpost::workload {
namespace {

class WorkloadClientTest : public ::testing::Test {
 protected:
  WorkloadClientTest()
      : dir_(testing::make_temp_dir("outpost-workload-client")),
        keys_(*daemon::KeyStore::open(dir_ + "/keys")),
        ca_(*daemon::EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA", 90)),
        api_(daemon::WorkloadSettings{"hub.example.net", "edge-1", ca_.certificate_pem(), ""}, keys_, ca_,
             [](const std::string& name) -> std::optional<daemon::ModuleIdentity> {
               if (name == "filter") return daemon::ModuleIdentity{"filter", "gen-7", "filter"};
               return std::nullopt;
             },
             // Only this process is "filter": the API checks callers by PID, as for real modules.
             [](const std::string&, std::int64_t pid, std::function<void(bool)> done) { done(pid == ::getpid()); }),
        server_(loop_, [this](net::HttpRequest&& request, net::HttpResponder responder) {
          api_.handle(std::move(request), std::move(responder), "");
        }) {
    EXPECT_TRUE(server_.listen_unix(dir_ + "/workload.sock", std::filesystem::perms::owner_all));
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~WorkloadClientTest() override {
    loop_.post([this] { server_.stop(); });
    loop_.stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  WorkloadClient client(const std::string& module = "filter", const std::string& generation = "gen-7") const {
    auto endpoint = parse_workload_uri("unix://" + dir_ + "/workload.sock");
    EXPECT_TRUE(endpoint) << endpoint.error();
    WorkloadClientSettings settings{*endpoint, module, generation};
    settings.transport = &net::fetch;
    return WorkloadClient(settings);
  }

  std::string dir_;
  net::EventLoop loop_;
  daemon::KeyStore keys_;
  daemon::EdgeCa ca_;
  daemon::WorkloadApi api_;
  net::HttpServer server_;
  std::thread thread_;
};

TEST_F(WorkloadClientTest, SignsWithTheModulesKey) {
  const std::string data = "hub.example.net%2Fdevices%2Fedge-1%2Fmodules%2Ffilter\n1900000000";
  const auto digest = client().sign(data);
  ASSERT_TRUE(digest) << digest.error();
  const auto key = base64_decode(keys_.module_key("filter", "gen-7", daemon::KeySlot::primary));
  EXPECT_EQ(*digest, base64_encode(hmac_sha256(*key, data)));
}

TEST_F(WorkloadClientTest, EncryptsAndDecryptsUnderTheModulesKey) {
  const auto sealed = client().encrypt("secret settings", "0123456789ab");
  ASSERT_TRUE(sealed) << sealed.error();
  EXPECT_NE(*sealed, "secret settings");
  const auto opened = client().decrypt(*sealed, "0123456789ab");
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ(*opened, "secret settings");
  const auto wrong_iv = client().decrypt(*sealed, "another-iv--");
  EXPECT_FALSE(wrong_iv);
}

TEST_F(WorkloadClientTest, GetsCertificatesAndTheTrustBundle) {
  const auto server = client().server_certificate("filter.local", 1900000000);
  ASSERT_TRUE(server) << server.error();
  EXPECT_NE(server->certificate_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(server->private_key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_FALSE(server->expiration.empty());
  const auto identity = client().identity_certificate(1900000000);
  ASSERT_TRUE(identity) << identity.error();
  EXPECT_NE(identity->certificate_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  const auto bundle = client().trust_bundle();
  ASSERT_TRUE(bundle) << bundle.error();
  EXPECT_EQ(*bundle, ca_.certificate_pem());
}

TEST_F(WorkloadClientTest, ErrorsCarryTheApisWordsAndKind) {
  const auto unknown = client("nobody", "gen-1").sign("x");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("404"), std::string::npos) << unknown.error();
  EXPECT_NE(unknown.error().find("nobody"), std::string::npos) << unknown.error();
  auto old = client();
  WorkloadClientSettings settings = old.settings();
  settings.api_version = "1999-01-01";
  const auto bad_version = WorkloadClient(settings).sign("x");
  ASSERT_FALSE(bad_version);
  EXPECT_NE(bad_version.error().find("invalid api-version"), std::string::npos) << bad_version.error();
  EXPECT_EQ(bad_version.error_kind(), ErrorKind::invalid_input);

  settings.endpoint.unix_socket = dir_ + "/nothing-here.sock";
  const auto unreachable = WorkloadClient(settings).trust_bundle();
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error_kind(), ErrorKind::unavailable) << unreachable.error();
}

TEST(WorkloadUri, TakesUnixAndHttpAndNamesWhatIsWrong) {
  const auto unix_uri = parse_workload_uri("unix:///var/run/iotedge/workload.sock");
  ASSERT_TRUE(unix_uri);
  EXPECT_EQ(unix_uri->unix_socket, "/var/run/iotedge/workload.sock");
  EXPECT_EQ(unix_uri->base_url, "http://localhost");
  const auto http_uri = parse_workload_uri("http://127.0.0.1:15581/");
  ASSERT_TRUE(http_uri);
  EXPECT_EQ(http_uri->base_url, "http://127.0.0.1:15581");
  EXPECT_TRUE(http_uri->unix_socket.empty());
  const auto relative = parse_workload_uri("unix://run/workload.sock");
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().find("absolute path"), std::string::npos) << relative.error();
  EXPECT_FALSE(parse_workload_uri("https://host:1"));
  EXPECT_FALSE(parse_workload_uri(""));
}

}  // namespace
}  // namespace outpost::workload
