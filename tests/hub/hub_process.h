// Runs the real outpost-hub binary for integration tests: writes hub.yaml, identities and
// routes into a temp dir, starts the hub, waits for its ready file, restarts or kills it.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace outpost::testing {

struct HubIdentity {
  std::string device_id;
  std::string module_id;  // empty: a leaf device
  std::string key;        // base64
  std::string id() const { return module_id.empty() ? device_id : device_id + "/" + module_id; }
};

class HubProcess {
 public:
  static constexpr const char* kHostname = "myhub.local";
  static constexpr const char* kDeviceId = "edge1";

  // `mqtt_port` 0: any free port, new at each start; else that port at every start.
  HubProcess(std::vector<HubIdentity> identities, nlohmann::json routes, std::string extra_yaml = "",
             std::int64_t ttl_secs = 7200, std::uint16_t mqtt_port = 0, std::uint64_t max_bytes = 0);
  ~HubProcess();

  // Another listener ("mqtts", "wss", "https", "amqp") at `address` ("127.0.0.1:0"; a fixed
  // port stays the same across restarts); TLS listeners need `tls:` in extra_yaml. Before start().
  void add_listener(const std::string& name, const std::string& address);
  // Another device id than kDeviceId (a child hub beside its parent). Before start().
  void set_device_id(std::string device_id);
  void start();  // asserts that the hub comes up (bounded wait)
  void stop();   // SIGTERM and wait
  void kill();   // SIGKILL
  void reload();  // SIGHUP: re-read routes and identities
  bool running() { return process_ && process_->running(); }

  std::uint16_t mqtt_port() const { return ports_.value("mqtt", 0); }
  std::uint16_t port(const std::string& listener) const { return ports_.value(listener, 0); }
  std::uint16_t metrics_port() const { return ports_.value("metrics", 0); }
  const std::string& dir() const { return dir_; }
  std::string log() const;
  std::string metrics() const;  // GET /metrics
  // The value of one series (labels as a substring of the label set), or -1.
  double metric(const std::string& name, const std::string& label_substring = "") const;

  // MQTT user name and SAS password for an identity.
  std::string username(const HubIdentity& id) const;
  std::string password(const HubIdentity& id) const;
  void write_routes(const nlohmann::json& routes, std::int64_t ttl_secs = 7200);

 private:
  void write_config();

  std::string dir_;
  std::string extra_yaml_;
  std::string device_id_ = kDeviceId;
  std::uint16_t mqtt_port_;
  std::uint64_t max_bytes_;
  std::map<std::string, std::string> extra_listeners_;
  std::unique_ptr<Process> process_;
  nlohmann::json ports_;
};

std::string random_key();
// A port that was free a moment ago (bind to 0, read it, close).
std::uint16_t free_port();

}  // namespace outpost::testing
