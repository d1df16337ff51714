// A module's connection to its edge hub (or to IoT Hub directly): telemetry and outputs,
// inputs, its twin, direct methods both ways.
//
//   auto client = outpost::client::ModuleClient::fromEnvironment();   // inside IoT Edge / Outpost
//   client.onInputMessage("input1", [&](const Message& m) { client.sendOutputEvent("output1", m); });
//   client.open();
//
// Threads: handlers (inputs, desired properties, methods, connection status) run on the
// client's own callback thread, one at a time, in the order things arrived; a handler may
// call any method of its client. Every method may be called from any thread.
// Errors: every failure throws ClientError (client_error.h).
// After open() the client reconnects on its own, for ever, until close() or destruction;
// sends wait (up to operationTimeout) while it does.
#pragma once
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "outpost/client/client_error.h"
#include "outpost/client/client_options.h"
#include "outpost/client/export.h"
#include "outpost/client/message.h"
#include "outpost/client/methods.h"

namespace outpost::client {

namespace detail {
class ClientCore;
}

class OUTPOST_CLIENT_API ModuleClient {
 public:
  // Inside IoT Edge or Outpost: IOTEDGE_WORKLOADURI, _DEVICEID, _MODULEID, _IOTHUBHOSTNAME,
  // _AUTHSCHEME (sasToken), _MODULEGENERATIONID and, optionally, _GATEWAYHOSTNAME. Tokens are
  // signed by the workload API; its trust bundle is the only TLS trust store. With
  // EdgeHubConnectionString (or IotHubConnectionString) set, that is used instead, with
  // EdgeModuleCACertificateFile as the CA, as the official SDKs do.
  static ModuleClient fromEnvironment(ClientOptions options = {});
  // "HostName=…;DeviceId=…;ModuleId=…;SharedAccessKey=…[;GatewayHostName=…]"
  static ModuleClient fromConnectionString(const std::string& connectionString, ClientOptions options = {});

  ModuleClient(ModuleClient&&) noexcept;
  ModuleClient& operator=(ModuleClient&&) noexcept;
  ~ModuleClient();  // closes

  // Connects (blocking) and subscribes to what handlers were registered. Throws on the first
  // failure (auth_refused, transport, timeout); afterwards the client reconnects on its own.
  void open();
  void close();

  // QoS 1: returns once the hub acknowledged the message (at least once delivery).
  void sendEvent(const Message& message);
  void sendOutputEvent(const std::string& outputName, const Message& message);
  // Up to ClientOptions::maxInFlight are in flight at once; the future is ready at the ack.
  std::future<void> sendEventAsync(Message message);
  std::future<void> sendOutputEventAsync(const std::string& outputName, Message message);

  // Messages routed to `inputName` (routes: INTO BrokeredEndpoint("/modules/<m>/inputs/<input>")).
  void onInputMessage(const std::string& inputName, std::function<void(const Message&)> handler);

  // The twin as JSON text: {"desired": {...}, "reported": {...}}.
  std::string getTwin();
  // A JSON object merged into the reported properties (null deletes a key).
  void updateReportedProperties(const std::string& patchJson);
  // Each desired-properties patch, as JSON text (with its "$version").
  void onDesiredPropertiesUpdate(std::function<void(const std::string& patchJson)> handler);

  void onMethod(const std::string& methodName, MethodHandler handler);
  // A direct method on a module (or, with moduleId "", on a device) through the edge hub's
  // module API (HTTPS on the gateway). Returns the target's own status and payload (JSON
  // text); throws ClientError(rejected) with the hub's status when it refuses (404: the
  // target is not connected), (timeout) on 504.
  MethodResult invokeMethod(const std::string& deviceId, const std::string& moduleId, const std::string& methodName,
                            const std::string& payloadJson = "null",
                            std::chrono::seconds responseTimeout = std::chrono::seconds(30));

  const std::string& deviceId() const;
  const std::string& moduleId() const;

 private:
  explicit ModuleClient(std::unique_ptr<detail::ClientCore> core);
  std::unique_ptr<detail::ClientCore> core_;
};

}  // namespace outpost::client
