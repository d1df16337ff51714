// The outcome of a cloud operation: a value, or an error that already knows its HTTP
// status and IoT Hub error code, so every layer (registry, twins, deployments) can fail
// with the exact answer the service API sends.
#pragma once
#include <string>
#include <utility>
#include <variant>

#include "outpost/iothub/errors.h"

namespace outpost::cloud {

// An HTTP status, IoT Hub's ErrorCode name ("DeviceNotFound") and a message naming what is wrong.
using CloudError = iothub::ServiceError;

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

// The errors IoT Hub answers most, by name (iothub/errors.h, shared with the edge hub).
using iothub::bad_request;
using iothub::device_not_found;
using iothub::module_not_found;
using iothub::precondition_failed;
using iothub::unauthorized;

}  // namespace outpost::cloud
