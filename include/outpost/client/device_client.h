// A device's connection to IoT Hub or to an edge gateway (GatewayHostName): telemetry,
// cloud-to-device messages, its twin, direct methods. SAS keys or X.509 certificates.
// Threads, errors and reconnection as ModuleClient (module_client.h).
#pragma once
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

class OUTPOST_CLIENT_API DeviceClient {
 public:
  // "HostName=…;DeviceId=…;SharedAccessKey=…[;GatewayHostName=…]", or with "x509=true" and
  // ClientOptions::certificateFile / privateKeyFile.
  static DeviceClient fromConnectionString(const std::string& connectionString, ClientOptions options = {});

  DeviceClient(DeviceClient&&) noexcept;
  DeviceClient& operator=(DeviceClient&&) noexcept;
  ~DeviceClient();

  void open();
  void close();

  void sendEvent(const Message& message);
  std::future<void> sendEventAsync(Message message);

  // Cloud-to-device messages.
  void onC2dMessage(std::function<void(const Message&)> handler);

  std::string getTwin();
  void updateReportedProperties(const std::string& patchJson);
  void onDesiredPropertiesUpdate(std::function<void(const std::string& patchJson)> handler);
  void onMethod(const std::string& methodName, MethodHandler handler);

  const std::string& deviceId() const;

 private:
  explicit DeviceClient(std::unique_ptr<detail::ClientCore> core);
  std::unique_ptr<detail::ClientCore> core_;
};

}  // namespace outpost::client
