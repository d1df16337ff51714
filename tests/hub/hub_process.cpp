#include "hub/hub_process.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include <boost/asio/ip/tcp.hpp>
#include <regex>
#include <thread>

#include "outpost/core/clock.h"
#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"
#include "outpost/http_client/http_client.h"

namespace outpost::testing {

std::string random_key() { return base64_encode(random_bytes(32)); }

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

HubProcess::HubProcess(std::vector<HubIdentity> identities, nlohmann::json routes, std::string extra_yaml,
                       std::int64_t ttl_secs, std::uint16_t mqtt_port, std::uint64_t max_bytes)
    : dir_(make_temp_dir("outpost-hub-it")), extra_yaml_(std::move(extra_yaml)), mqtt_port_(mqtt_port), max_bytes_(max_bytes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& id : identities) {
    nlohmann::json e{{"deviceId", id.device_id}, {"primaryKey", id.key}};
    if (!id.module_id.empty()) e["moduleId"] = id.module_id;
    list.push_back(e);
  }
  write_file(dir_ + "/identities.json", list.dump(2));
  write_routes(routes, ttl_secs);
  write_config();
}

void HubProcess::set_device_id(std::string device_id) {
  device_id_ = std::move(device_id);
  write_config();
}

void HubProcess::add_listener(const std::string& name, const std::string& address) {
  extra_listeners_[name] = address;
  write_config();
}

void HubProcess::write_config() {
  std::string listen = "mqtt: \"127.0.0.1:" + std::to_string(mqtt_port_) + "\", metrics: \"127.0.0.1:0\"";
  for (const auto& [name, address] : extra_listeners_) listen += ", " + name + ": \"" + address + "\"";
  write_file(dir_ + "/hub.yaml", std::string("hostname: ") + kHostname + "\ndevice_id: " + device_id_ +
                                     "\nlisten: { " + listen + " }\n"
                                     "storage: { folder: store, max_bytes: " + std::to_string(max_bytes_) +
                                     " }\nidentities: identities.json\n"
                                     "desired: edgehub.json\nlog_level: debug\n" +
                                     extra_yaml_);
}

void HubProcess::write_routes(const nlohmann::json& routes, std::int64_t ttl_secs) {
  write_file(dir_ + "/edgehub.json",
             nlohmann::json{{"schemaVersion", "1.1"},
                            {"routes", routes},
                            {"storeAndForwardConfiguration", {{"timeToLiveSecs", ttl_secs}}}}
                 .dump(2));
}

HubProcess::~HubProcess() {
  if (process_) process_->kill_hard();
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir_);
  else std::fprintf(stderr, "hub test dir kept for inspection: %s\n", dir_.c_str());
}

void HubProcess::start() {
  const auto ready = dir_ + "/ready.json";
  std::filesystem::remove(ready);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{built_binary("outpost-hub"), "--config", dir_ + "/hub.yaml", "--ready-file", ready},
      dir_ + "/hub.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::filesystem::exists(ready)) {
    ASSERT_TRUE(process_->running()) << "outpost-hub exited at start:\n" << log();
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "outpost-hub did not come up:\n" << log();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling interval
  }
  ports_ = nlohmann::json::parse(read_file(ready));
}

void HubProcess::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  const auto status = process_->wait(std::chrono::seconds(20));
  EXPECT_TRUE(status.has_value()) << "outpost-hub did not stop on SIGTERM";
  if (!status) process_->kill_hard();
}

void HubProcess::reload() {
  if (process_) process_->signal(SIGHUP);
}

void HubProcess::kill() {
  if (process_) process_->kill_hard();
}

std::string HubProcess::log() const { return read_file(dir_ + "/hub.log"); }

std::string HubProcess::metrics() const {
  auto r = net::http_request("GET", "http://127.0.0.1:" + std::to_string(metrics_port()) + "/metrics");
  return r ? r->body : "";
}

double HubProcess::metric(const std::string& name, const std::string& label_substring) const {
  const auto text = metrics();
  std::istringstream in(text);
  std::string line;
  double total = -1;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    if (!label_substring.empty() && line.find(label_substring) == std::string::npos) continue;
    const auto value = std::stod(line.substr(line.rfind(' ') + 1));
    total = total < 0 ? value : total + value;
  }
  return total;
}

std::string HubProcess::username(const HubIdentity& id) const {
  return iothub::format_mqtt_username(
      kHostname, {id.device_id, id.module_id.empty() ? std::nullopt : std::optional(id.module_id)},
      iothub::kApiVersion);
}

std::string HubProcess::password(const HubIdentity& id) const {
  auto token = build_sas_token(
      device_resource_uri(kHostname, id.device_id,
                          id.module_id.empty() ? std::nullopt : std::optional<std::string_view>(id.module_id)),
      id.key, SystemClock::instance().unix_seconds() + 3600);
  return token ? *token : "";
}

}  // namespace outpost::testing
