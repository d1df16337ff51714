// The agent's `$edgeAgent` module twin in the cloud, through the SDK (token signed by the
// workload API): the whole desired properties at start and after every reconnection, each
// desired patch merged when its $version is the next one (else the whole twin read again,
// as IoT Edge's agent does), and reported properties sent as patches of what changed.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "outpost/client/module_client.h"

namespace outpost::agent {

class TwinLink {
 public:
  using DesiredHandler = std::function<void(const nlohmann::json& desired)>;

  // `client` is opened by the link (and reopened for ever); `on_desired` gets the whole desired
  // properties each time they change, on the client's callback thread.
  TwinLink(client::ModuleClient client, DesiredHandler on_desired);

  // Connects, reads the twin; retries for ever with the SDK's backoff. Returns once the first
  // twin was read or `stop` says so.
  void start(const std::function<bool()>& stop);
  // Sends what changed since the last report (nothing when nothing did); false if it failed
  // (the next report sends the difference again).
  bool report(const nlohmann::json& reported);
  // After the connection came back: desired patches may have been missed, read it all again
  // (as IoT Edge's agent does on reconnect). Runs on the SDK's callback thread.
  void reconnected();
  // The SDK's view of the connection (its onConnectionStatus), so a report that would only
  // wait for a cloud that is away can be left out when the agent is stopping.
  void set_connected(bool connected) { connected_ = connected; }
  bool connected() const { return connected_; }
  // For the agent's direct methods (register before start()).
  client::ModuleClient& client() { return client_; }

 private:
  void read_whole_twin();
  void on_patch(const std::string& patch_json);

  client::ModuleClient client_;
  DesiredHandler on_desired_;
  std::mutex mutex_;
  nlohmann::json desired_ = nlohmann::json::object();
  nlohmann::json last_reported_ = nlohmann::json::object();
  bool have_twin_ = false;  // read at least once: reports may go out
  std::atomic<bool> connected_{false};
};

}  // namespace outpost::agent
