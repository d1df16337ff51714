#include "outpost/client/device_client.h"

#include "client_core.h"

namespace outpost::client {

DeviceClient DeviceClient::fromConnectionString(const std::string& connectionString, ClientOptions options) {
  auto credentials = detail::credentials_from_connection_string(connectionString, options, false);
  return DeviceClient(std::make_unique<detail::ClientCore>(std::move(credentials), std::move(options)));
}

DeviceClient::DeviceClient(std::unique_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
DeviceClient::DeviceClient(DeviceClient&&) noexcept = default;
DeviceClient& DeviceClient::operator=(DeviceClient&&) noexcept = default;
DeviceClient::~DeviceClient() = default;

void DeviceClient::open() { core_->open(); }
void DeviceClient::close() { core_->close(); }

void DeviceClient::sendEvent(const Message& message) { core_->send(message, "").get(); }
std::future<void> DeviceClient::sendEventAsync(Message message) { return core_->send(std::move(message), ""); }

void DeviceClient::onC2dMessage(std::function<void(const Message&)> handler) { core_->on_c2d(std::move(handler)); }

std::string DeviceClient::getTwin() { return core_->get_twin(); }
void DeviceClient::updateReportedProperties(const std::string& patchJson) { core_->update_reported(patchJson); }
void DeviceClient::onDesiredPropertiesUpdate(std::function<void(const std::string&)> handler) {
  core_->on_desired(std::move(handler));
}
void DeviceClient::onMethod(const std::string& methodName, MethodHandler handler) {
  core_->on_method(methodName, std::move(handler));
}

const std::string& DeviceClient::deviceId() const { return core_->credentials().device_id; }

}  // namespace outpost::client
