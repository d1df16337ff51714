// Runs the real outpost-cloud binary for integration tests: writes cloud.yaml (plain MQTT
// and HTTP on loopback, port 0) into a temp dir, starts it, waits for its ready file, and
// offers the service API with the iothubowner policy and SAS tokens for identities.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "outpost/iothub/identity.h"
#include "outpost/http_client/http_client.h"
#include "support/process.h"

namespace outpost::testing {

class CloudProcess {
 public:
  static constexpr const char* kHostname = "cloud.test";
  explicit CloudProcess(std::string extra_yaml = "");
  ~CloudProcess();

  void start();  // asserts that it comes up (bounded wait)
  void stop();
  std::uint16_t mqtt_port() const { return ports_.value("mqtt", 0); }
  std::uint16_t http_port() const { return ports_.value("http", 0); }
  const std::string& dir() const { return dir_; }
  std::string log() const;

  // A service API call as iothubowner; the body is JSON (or raw text when a string).
  struct Response {
    long status = 0;
    nlohmann::json body;
    std::string text;
  };
  Response api(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
               net::Headers headers = {}) const;
  std::string owner_token() const;
  const std::string& owner_key() const { return owner_key_; }

  // The primary key of a registered device or module (read through the API).
  std::string key_of(const iothub::Identity& identity) const;
  std::string username(const iothub::Identity& identity, std::optional<std::string> auth_chain = std::nullopt) const;
  std::string token(const iothub::Identity& identity, const std::string& key) const;

 private:
  std::string dir_;
  std::string owner_key_;
  std::unique_ptr<Process> process_;
  nlohmann::json ports_;
};

}  // namespace outpost::testing
