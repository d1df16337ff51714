// What a client may be told beyond its connection string or environment. Every field has a
// default that matches the official Azure IoT SDKs' behaviour.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "outpost/client/export.h"

namespace outpost::client {

enum class ConnectionStatus { connected, disconnected, closed };

enum class ConnectionReason {
  ok,                   // first connection, or back after a failure
  token_renewal,        // reconnected with a fresh SAS token (as the official SDKs do)
  communication_error,  // the connection broke; the client reconnects on its own
  auth_refused,         // the hub refused the credentials; the client keeps trying
  closed_by_client,     // close() was called
};

OUTPOST_CLIENT_API std::string_view to_string(ConnectionStatus status);
OUTPOST_CLIENT_API std::string_view to_string(ConnectionReason reason);
// The SDK's version ("0.1.0"): what the library a program runs with says of itself.
OUTPOST_CLIENT_API const char* version();

struct ClientOptions {
  // PEM file of the CAs to trust for TLS instead of the system's. fromEnvironment() uses the
  // workload API's trust bundle and ignores this.
  std::string caFile;
  // X.509 client authentication (a device connection string with x509=true): PEM files.
  std::string certificateFile;
  std::string privateKeyFile;

  // MQTT over TLS port; a GatewayHostName of the form host:port overrides it.
  std::uint16_t mqttPort = 8883;
  // The gateway's HTTPS port for ModuleClient::invokeMethod (edgeHub serves it on 443).
  std::uint16_t httpsPort = 443;

  // Lifetime of the SAS tokens the client makes; it reconnects with a fresh one at 3/4 of it.
  std::chrono::seconds tokenLifetime{3600};
  std::chrono::seconds keepAlive{180};
  // How long open(), a send, a twin operation or a subscription may wait, connection included.
  std::chrono::milliseconds operationTimeout{60000};
  // Reconnection: exponential from the first to the last, each delay jittered to 50..100 %.
  std::chrono::milliseconds firstRetryDelay{1000};
  std::chrono::milliseconds maxRetryDelay{60000};
  // Messages published and not yet acknowledged (QoS 1) at once.
  std::size_t maxInFlight = 64;
  // Messages accepted but not yet acknowledged, in all; beyond it send*Async() throw
  // ClientError(timeout) after operationTimeout, so memory stays bounded while offline.
  std::size_t maxQueued = 10000;
  // Appended to the DeviceClientType the hub sees (e.g. "my-module/1.0").
  std::string productInfo;

  // Called on the client's callback thread when the connection comes and goes.
  std::function<void(ConnectionStatus, ConnectionReason, const std::string& detail)> onConnectionStatus;
};

}  // namespace outpost::client
