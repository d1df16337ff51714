// The workload API driven in process (no sockets): IoT Edge's routes, shapes and errors, and
// the rule that a module acts only as itself (by the caller's PID and by the socket it used).
#include "workload_api.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"
#include "support/api_request.h"
#include "support/process.h"

namespace outpost::daemon {
namespace {

using nlohmann::json;

constexpr const char* kVersion = "?api-version=2018-06-28";

class WorkloadApiTest : public ::testing::Test {
 protected:
  WorkloadApiTest()
      : dir_(outpost::testing::make_temp_dir("outpost-workload")),
        keys_(*KeyStore::open(dir_ + "/keys")),
        ca_(*EdgeCa::load_or_generate(dir_ + "/ca", "Outpost edge CA", 90)),
        api_(WorkloadSettings{"hub.example.net", "edge-1", ca_.certificate_pem(), ""}, keys_, ca_,
             [this](const std::string& name) -> std::optional<ModuleIdentity> {
               if (name == "filter") return ModuleIdentity{"filter", "gen-7", "filter"};
               if (name == "edgeHub") return ModuleIdentity{"$edgeHub", "gen-1", "edgeHub"};
               return std::nullopt;
             },
             [this](const std::string& name, std::int64_t pid, std::function<void(bool)> done) {
               ++verifications_;
               loop_.post([this, name, pid, done] { done(pids_[name].count(pid) > 0); });  // answers later, as Docker does
             }) {}
  ~WorkloadApiTest() override { std::filesystem::remove_all(dir_); }

  net::HttpResponse call(const std::string& method, const std::string& target, const json& body = nullptr,
                         std::int64_t pid = 100, const std::string& socket_module = "") {
    auto r = outpost::testing::api_request(method, target, body, pid);
    std::optional<net::HttpResponse> got;
    api_.handle(std::move(r), net::HttpResponder::to_callback(loop_, [&](net::HttpResponse x) { got = std::move(x); }),
                socket_module);
    while (!got && loop_.poll() > 0) {
    }
    EXPECT_TRUE(got) << method << " " << target << ": no response";
    return got.value_or(net::HttpResponse{});
  }
  static json body_of(const net::HttpResponse& r) { return json::parse(r.body); }

  std::string dir_;
  net::EventLoop loop_;
  KeyStore keys_;
  EdgeCa ca_;
  std::map<std::string, std::set<std::int64_t>> pids_{{"filter", {100, 101}}, {"edgeHub", {200}}};
  int verifications_ = 0;
  WorkloadApi api_;
};

TEST_F(WorkloadApiTest, SignGivesTheHmacWithTheModulesPrimaryKey) {
  const std::string data = "hub.example.net%2Fdevices%2Fedge-1%2Fmodules%2Ffilter\n1900000000";
  const auto r = call("POST", std::string("/modules/filter/genid/gen-7/sign") + kVersion,
                      {{"keyId", "primary"}, {"algo", "HMACSHA256"}, {"data", base64_encode(data)}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto key = base64_decode(keys_.module_key("filter", "gen-7", KeySlot::primary));
  EXPECT_EQ(body_of(r)["digest"], base64_encode(hmac_sha256(*key, data)));
  EXPECT_EQ(verifications_, 1) << "the caller's PID was checked";
}

TEST_F(WorkloadApiTest, SystemModulesAreNamedWithoutTheirDollarInUrls) {
  // The server hands the path over percent-decoded: %24edgeHub arrives as $edgeHub.
  const auto decoded = call("POST", std::string("/modules/$edgeHub/genid/gen-1/sign") + kVersion,
                            {{"data", base64_encode("x")}}, 200);
  ASSERT_EQ(decoded.status, 200) << decoded.body;
  const auto key = base64_decode(keys_.module_key("$edgeHub", "gen-1", KeySlot::primary));
  EXPECT_EQ(body_of(decoded)["digest"], base64_encode(hmac_sha256(*key, "x")));
}

TEST_F(WorkloadApiTest, AModuleCannotSignAsAnother) {
  const auto r = call("POST", std::string("/modules/edgeHub/genid/gen-1/sign") + kVersion,
                      {{"data", base64_encode("x")}}, /*pid of filter*/ 100);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(body_of(r), json({{"message", "forbidden"}}));
  const auto unknown_pid = call("POST", std::string("/modules/filter/genid/gen-7/sign") + kVersion,
                                {{"data", base64_encode("x")}}, 999);
  EXPECT_EQ(unknown_pid.status, 403) << "a process that is no module's";
}

TEST_F(WorkloadApiTest, AModulesOwnSocketServesOnlyThatModule) {
  // filter's process asks on filter's socket as filter: fine. Via edgeHub's socket it is
  // refused before its PID is even looked up.
  EXPECT_EQ(call("POST", std::string("/modules/filter/genid/g/sign") + kVersion, {{"data", "eA=="}}, 100, "filter").status,
            200);
  const auto before = verifications_;
  EXPECT_EQ(call("POST", std::string("/modules/filter/genid/g/sign") + kVersion, {{"data", "eA=="}}, 100, "$edgeHub").status,
            403);
  EXPECT_EQ(verifications_, before);
}

TEST_F(WorkloadApiTest, ApiVersionIsRequiredAndChecked) {
  auto r = call("GET", "/trust-bundle");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["message"], "api-version not specified");
  r = call("GET", "/trust-bundle?api-version=1999-01-01");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["message"], "invalid api-version \"1999-01-01\"");
  EXPECT_EQ(call("GET", "/trust-bundle?api-version=2022-08-03").status, 200);
}

TEST_F(WorkloadApiTest, BadRequestsGetTheDocumentedErrors) {
  EXPECT_EQ(call("GET", std::string("/nothing/here") + kVersion).status, 404);
  EXPECT_EQ(call("GET", std::string("/modules/filter/genid/g/sign") + kVersion).status, 400) << "method not allowed";
  EXPECT_EQ(call("POST", std::string("/modules/filter/genid/g/sign") + kVersion, std::string("{not json")).status, 400);
  EXPECT_EQ(call("POST", std::string("/modules/filter/genid/g/sign") + kVersion, json{{"data", "%%%"}}).status, 400);
  EXPECT_EQ(call("POST", std::string("/modules/filter/genid/g/sign") + kVersion, json::object()).status, 400);
  std::string deep(100000, '[');
  EXPECT_EQ(call("POST", std::string("/modules/filter/genid/g/sign") + kVersion, deep).status, 400)
      << "a document nested 100,000 deep is refused, not parsed into a stack overflow";
  const auto not_utf8 = call("POST", std::string("/modules/\xbe\xef/genid/g/sign") + kVersion, json{{"data", "eA=="}});
  EXPECT_EQ(not_utf8.status, 404) << "a name that is not UTF-8 is answered, not thrown on (found by fuzz_daemon_api)";
  pids_["ghost"] = {300};
  const auto r = call("POST", std::string("/modules/ghost/genid/g/sign") + kVersion, {{"data", "eA=="}}, 300);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body_of(r)["message"], "module 'ghost' has no identity");
}

TEST_F(WorkloadApiTest, EncryptedDataOpensOnlyForTheSameModuleAndGeneration) {
  const auto iv = base64_encode("0123456789ab");
  const auto sealed = call("POST", std::string("/modules/filter/genid/gen-7/encrypt") + kVersion,
                           {{"plaintext", base64_encode("the module's secret")}, {"initializationVector", iv}});
  ASSERT_EQ(sealed.status, 200) << sealed.body;
  const auto ciphertext = body_of(sealed)["ciphertext"];
  const auto opened = call("POST", std::string("/modules/filter/genid/gen-7/decrypt") + kVersion,
                           {{"ciphertext", ciphertext}, {"initializationVector", iv}});
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(base64_decode(body_of(opened)["plaintext"].get<std::string>()), "the module's secret");
  const auto other_generation = call("POST", std::string("/modules/filter/genid/gen-8/decrypt") + kVersion,
                                     {{"ciphertext", ciphertext}, {"initializationVector", iv}});
  EXPECT_EQ(other_generation.status, 400);
  const auto other_module = call("POST", std::string("/modules/edgeHub/genid/gen-7/decrypt") + kVersion,
                                 {{"ciphertext", ciphertext}, {"initializationVector", iv}}, 200);
  EXPECT_EQ(other_module.status, 400);
}

TEST_F(WorkloadApiTest, ServerAndIdentityCertificatesComeFromTheEdgeCa) {
  const auto server = call("POST", std::string("/modules/edgeHub/genid/gen-1/certificate/server") + kVersion,
                           {{"commonName", "edgegw"}, {"expiration", "2030-01-01T00:00:00Z"}}, 200);
  ASSERT_EQ(server.status, 201) << server.body;
  const auto b = body_of(server);
  EXPECT_EQ(b["privateKey"]["type"], "key");
  EXPECT_NE(b["privateKey"]["bytes"].get<std::string>().find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(b["certificate"].get<std::string>().find(ca_.certificate_pem()), std::string::npos) << "leaf, then chain";
  EXPECT_EQ(b["expiration"].get<std::string>().size(), 20u) << b["expiration"];

  const auto identity = call("POST", std::string("/modules/filter/certificate/identity") + kVersion, nullptr, 100);
  EXPECT_EQ(identity.status, 201) << identity.body;
  EXPECT_EQ(call("POST", std::string("/modules/edgeHub/genid/g/certificate/server") + kVersion, {{"x", 1}}, 200).status,
            400)
      << "commonName is required";
}

TEST_F(WorkloadApiTest, ModulesAreListedAsTheManagementApiListsThem) {
  EXPECT_EQ(call("GET", std::string("/modules") + kVersion).status, 404) << "no list wired: not found";
  api_.set_module_list([](std::function<void(net::HttpResponse)> reply) {
    reply(net::HttpResponse::json(200, R"({"modules":[]})"));
  });
  const auto r = call("GET", std::string("/modules") + kVersion, nullptr, 999);
  EXPECT_EQ(r.status, 200) << "any caller: no PID check, as IoT Edge";
  EXPECT_EQ(r.body, R"({"modules":[]})");
}

TEST_F(WorkloadApiTest, TheTrustBundleIsTheEdgeCa) {
  const auto r = call("GET", std::string("/trust-bundle") + kVersion);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r)["certificate"], ca_.certificate_pem());
  const auto manifest = call("GET", std::string("/manifest-trust-bundle") + kVersion);
  ASSERT_EQ(manifest.status, 200);
  EXPECT_EQ(body_of(manifest)["certificate"], "");
  EXPECT_EQ(verifications_, 0) << "the bundles are public: no PID check";
}

}  // namespace
}  // namespace outpost::daemon
