#include "outpost/iothub/errors.h"

#include <nlohmann/json.hpp>

#include "outpost/core/crypto.h"

namespace outpost::iothub {

namespace {
// Messages may quote what a client sent (a path, an id): bytes that are not UTF-8 are
// replaced, never a throw while answering.
constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
}  // namespace

std::string service_error_body(const ServiceError& error, const Clock& clock) {
  return nlohmann::json{{"Message", "ErrorCode:" + error.code + ";" + error.message},
                        {"ExceptionMessage",
                         "Tracking ID:" + random_hex_id(16) + "-G:0-TimeStamp:" + format_iso8601(clock.now())}}
      .dump(-1, ' ', false, kReplace);
}

std::string numeric_error_body(int code, std::string_view message) {
  return nlohmann::json{{"errorCode", code}, {"message", message}}.dump(-1, ' ', false, kReplace);
}

ServiceError bad_request(std::string message) { return {400, "ArgumentInvalid", std::move(message)}; }
ServiceError unauthorized(std::string message) { return {401, "IotHubUnauthorizedAccess", std::move(message)}; }
ServiceError device_not_found(const std::string& device_id) {
  return {404, "DeviceNotFound", "Device '" + device_id + "' was not found"};
}
ServiceError module_not_found(const std::string& device_id, const std::string& module_id) {
  return {404, "ModuleNotFound", "Module '" + module_id + "' was not found on device '" + device_id + "'"};
}
ServiceError identity_not_found(const Identity& identity) {
  return identity.module_id ? module_not_found(identity.device_id, *identity.module_id)
                            : device_not_found(identity.device_id);
}
ServiceError precondition_failed(std::string message) { return {412, "PreconditionFailed", std::move(message)}; }

}  // namespace outpost::iothub
