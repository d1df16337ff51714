// IoT Hub's errors, in the two shapes its clients parse, for every server that speaks IoT
// Hub (the cloud's service API, the edge hub's management API, both MQTT endpoints):
//  - the service REST API's: an HTTP status, the `iothub-errorcode` header and
//    {"Message":"ErrorCode:{code};{message}","ExceptionMessage":"Tracking ID:..."}; the
//    azure-iothub SDKs read the code out of "Message" (DeviceNotFoundError, ...);
//  - the numeric {"errorCode":400004,"message":...} of twin responses over MQTT: the device
//    SDKs ignore the status in the topic and take a body with "errorCode" as the error.
#pragma once
#include <string>
#include <string_view>

#include "outpost/core/clock.h"
#include "outpost/iothub/identity.h"

namespace outpost::iothub {

struct ServiceError {
  int status = 500;     // HTTP status
  std::string code;     // IoT Hub's ErrorCode name, e.g. "DeviceNotFound"
  std::string message;  // human-readable, names what is wrong
};

inline constexpr std::string_view kErrorCodeHeader = "iothub-errorcode";

// The REST body of `error`, with a fresh tracking id and the clock's time.
std::string service_error_body(const ServiceError& error, const Clock& clock = SystemClock::instance());
// {"errorCode":code,"message":message}
std::string numeric_error_body(int code, std::string_view message);

// The errors IoT Hub answers most, by name (ErrorCode names as IoT Hub spells them).
ServiceError bad_request(std::string message);   // 400 ArgumentInvalid
ServiceError unauthorized(std::string message);  // 401 IotHubUnauthorizedAccess
ServiceError device_not_found(const std::string& device_id);
ServiceError module_not_found(const std::string& device_id, const std::string& module_id);
ServiceError identity_not_found(const Identity& identity);  // DeviceNotFound or ModuleNotFound
ServiceError precondition_failed(std::string message);  // 412

}  // namespace outpost::iothub
