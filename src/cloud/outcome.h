// The outcome of a cloud operation: the house's Result, with an error that already knows its HTTP
// status and IoT Hub error code, so every layer (registry, twins, deployments) can fail
// with the exact answer the service API sends.
#pragma once

#include "outpost/core/result.h"
#include "outpost/iothub/errors.h"

namespace outpost::cloud {

// An HTTP status, IoT Hub's ErrorCode name ("DeviceNotFound") and a message naming what is wrong.
using CloudError = iothub::ServiceError;

template <typename T>
using Outcome = Result<T, CloudError>;

// The errors IoT Hub answers most, by name (iothub/errors.h, shared with the edge hub).
using iothub::bad_request;
using iothub::device_not_found;
using iothub::module_not_found;
using iothub::precondition_failed;
using iothub::unauthorized;

}  // namespace outpost::cloud
