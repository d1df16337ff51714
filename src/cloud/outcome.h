// The outcome of a cloud operation: a value, or an error that already knows its HTTP
// status and IoT Hub error code, so every layer (registry, twins, deployments) can fail
// with the exact answer the service API sends.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace outpost::cloud {

struct CloudError {
  int status = 500;     // HTTP status
  std::string code;     // IoT Hub's ErrorCode name, e.g. "DeviceNotFound"
  std::string message;  // human-readable, names what is wrong
};

template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}
  Outcome(CloudError error) : state_(std::move(error)) {}
  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const CloudError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, CloudError> state_;
};

template <>
class [[nodiscard]] Outcome<void> {
 public:
  Outcome() = default;
  Outcome(CloudError error) : error_(std::move(error)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const CloudError& error() const { return error_; }

 private:
  CloudError error_;
  bool failed_ = false;
};

// The errors IoT Hub answers most, by name (ErrorCode names as IoT Hub spells them).
inline CloudError bad_request(std::string message) { return {400, "ArgumentInvalid", std::move(message)}; }
inline CloudError unauthorized(std::string message) { return {401, "IotHubUnauthorizedAccess", std::move(message)}; }
inline CloudError device_not_found(const std::string& id) {
  return {404, "DeviceNotFound", "Device '" + id + "' was not found"};
}
inline CloudError module_not_found(const std::string& device, const std::string& module) {
  return {404, "ModuleNotFound", "Module '" + module + "' was not found on device '" + device + "'"};
}
inline CloudError precondition_failed(std::string message) {
  return {412, "PreconditionFailed", std::move(message)};
}

}  // namespace outpost::cloud
