#include "cloud/cloud_process.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include "outpost/core/clock.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"
#include "support/mqtt_test_client.h"

namespace outpost::testing {

CloudProcess::CloudProcess(std::string extra_yaml) : dir_(make_temp_dir("outpost-cloud-it")) {
  write_file(dir_ + "/cloud.yaml", std::string("hostname: ") + kHostname +
                                       "\nlisten: { mqtt: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\n"
                                       "storage: { folder: store }\nlog_level: debug\n" +
                                       extra_yaml);
  const auto printed = run_command({built_binary("outpost-cloud"), "--config", dir_ + "/cloud.yaml",
                                    "--print-connection-string", "iothubowner"},
                                   std::chrono::seconds(20));
  EXPECT_EQ(printed.status, 0) << printed.output;
  auto cs = parse_connection_string(printed.output.substr(0, printed.output.find('\n')));
  EXPECT_TRUE(cs.ok()) << printed.output;
  if (cs) owner_key_ = cs->shared_access_key.value_or("");
}

CloudProcess::~CloudProcess() {
  if (process_) process_->kill_hard();
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir_);
  else std::fprintf(stderr, "cloud test dir kept for inspection: %s\n", dir_.c_str());
}

void CloudProcess::start() {
  const auto ready = dir_ + "/ready.json";
  std::filesystem::remove(ready);
  process_ = std::make_unique<Process>(std::vector<std::string>{built_binary("outpost-cloud"), "--config",
                                                                dir_ + "/cloud.yaml", "--ready-file", ready},
                                       dir_ + "/cloud.log");
  const bool up = wait_until([&] { return std::filesystem::exists(ready) || !process_->running(); },
                             std::chrono::seconds(20));
  ASSERT_TRUE(up && process_->running()) << "outpost-cloud did not come up:\n" << log();
  ports_ = nlohmann::json::parse(read_file(ready));
}

void CloudProcess::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  EXPECT_TRUE(process_->wait(std::chrono::seconds(10)).has_value()) << "outpost-cloud did not stop";
  process_.reset();
}

std::string CloudProcess::log() const { return read_file(dir_ + "/cloud.log"); }

std::string CloudProcess::owner_token() const {
  return *build_sas_token(kHostname, owner_key_, SystemClock::instance().unix_seconds() + 3600,
                          std::string_view("iothubowner"));
}

CloudProcess::Response CloudProcess::api(const std::string& method, const std::string& path,
                                         const nlohmann::json& body, net::Headers headers) const {
  headers.emplace_back("Authorization", owner_token());
  headers.emplace_back("Content-Type", "application/json");
  const std::string text = body.is_null() ? "" : body.is_string() ? body.get<std::string>() : body.dump();
  auto r = net::http_request(method, "http://127.0.0.1:" + std::to_string(http_port()) + path, headers, text);
  Response out;
  if (!r) {
    ADD_FAILURE() << method << " " << path << ": " << r.error();
    return out;
  }
  out.status = r->status;
  out.text = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

std::string CloudProcess::key_of(const iothub::Identity& identity) const {
  const auto path = identity.module_id ? "/devices/" + identity.device_id + "/modules/" + *identity.module_id
                                       : "/devices/" + identity.device_id;
  const auto r = api("GET", path);
  EXPECT_EQ(r.status, 200) << r.text;
  return r.body["authentication"]["symmetricKey"]["primaryKey"].get<std::string>();
}

std::string CloudProcess::username(const iothub::Identity& identity, std::optional<std::string> auth_chain) const {
  return iothub::format_mqtt_username(kHostname, identity, "2021-04-12",
                                      auth_chain ? std::optional<std::string_view>(*auth_chain) : std::nullopt);
}

std::string CloudProcess::token(const iothub::Identity& identity, const std::string& key) const {
  return *build_sas_token(device_resource_uri(kHostname, identity.device_id, identity.module_id), key,
                          SystemClock::instance().unix_seconds() + 3600);
}

}  // namespace outpost::testing
