// Every failure the SDK reports is a ClientError carrying a code a program can act on.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

#include "outpost/client/export.h"

namespace outpost::client {

enum class ErrorCode {
  invalid_argument,  // a bad connection string, environment, topic name, message or JSON text
  auth_refused,      // the hub refused the credentials (CONNACK 4/5, HTTP 401)
  not_connected,     // the client is not open, or was closed while the call waited
  timeout,           // no answer within ClientOptions::operationTimeout
  transport,         // the network or TLS failed (refused connection, unknown host, bad certificate)
  rejected,          // the hub answered with an error (a twin patch it refused, a method on a missing module)
  workload,          // the workload API (IOTEDGE_WORKLOADURI) failed or refused
};

OUTPOST_CLIENT_API std::string_view to_string(ErrorCode code);

class OUTPOST_CLIENT_API ClientError : public std::runtime_error {
 public:
  ClientError(ErrorCode code, const std::string& message, int status = 0)
      : std::runtime_error(message), code_(code), status_(status) {}
  ErrorCode code() const noexcept { return code_; }
  // The hub's status where it gave one (a twin response's, a method's HTTP status), else 0.
  int status() const noexcept { return status_; }

 private:
  ErrorCode code_;
  int status_;
};

}  // namespace outpost::client
