#include "outpost/client/module_client.h"

#include "client_core.h"
#include "environment.h"
#include "method_invoker.h"

namespace outpost::client {

ModuleClient ModuleClient::fromEnvironment(ClientOptions options) {
  auto credentials = detail::credentials_from_environment(options);
  return ModuleClient(std::make_unique<detail::ClientCore>(std::move(credentials), std::move(options)));
}

ModuleClient ModuleClient::fromConnectionString(const std::string& connectionString, ClientOptions options) {
  auto credentials = detail::credentials_from_connection_string(connectionString, options, true);
  return ModuleClient(std::make_unique<detail::ClientCore>(std::move(credentials), std::move(options)));
}

ModuleClient::ModuleClient(std::unique_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
ModuleClient::ModuleClient(ModuleClient&&) noexcept = default;
ModuleClient& ModuleClient::operator=(ModuleClient&&) noexcept = default;
ModuleClient::~ModuleClient() = default;

void ModuleClient::open() { core_->open(); }
void ModuleClient::close() { core_->close(); }

void ModuleClient::sendEvent(const Message& message) { core_->send(message, "").get(); }
void ModuleClient::sendOutputEvent(const std::string& outputName, const Message& message) {
  if (outputName.empty()) throw ClientError(ErrorCode::invalid_argument, "an output needs a name");
  core_->send(message, outputName).get();
}
std::future<void> ModuleClient::sendEventAsync(Message message) { return core_->send(std::move(message), ""); }
std::future<void> ModuleClient::sendOutputEventAsync(const std::string& outputName, Message message) {
  if (outputName.empty()) throw ClientError(ErrorCode::invalid_argument, "an output needs a name");
  return core_->send(std::move(message), outputName);
}

void ModuleClient::onInputMessage(const std::string& inputName, std::function<void(const Message&)> handler) {
  core_->on_input(inputName, std::move(handler));
}

std::string ModuleClient::getTwin() { return core_->get_twin(); }
void ModuleClient::updateReportedProperties(const std::string& patchJson) { core_->update_reported(patchJson); }
void ModuleClient::onDesiredPropertiesUpdate(std::function<void(const std::string&)> handler) {
  core_->on_desired(std::move(handler));
}
void ModuleClient::onMethod(const std::string& methodName, MethodHandler handler) {
  core_->on_method(methodName, std::move(handler));
}

MethodResult ModuleClient::invokeMethod(const std::string& deviceId, const std::string& moduleId,
                                        const std::string& methodName, const std::string& payloadJson,
                                        std::chrono::seconds responseTimeout) {
  return detail::invoke_method(core_->credentials(), core_->options(), deviceId, moduleId, methodName, payloadJson,
                               responseTimeout);
}

const std::string& ModuleClient::deviceId() const { return core_->credentials().device_id; }
const std::string& ModuleClient::moduleId() const { return core_->credentials().module_id; }

}  // namespace outpost::client
