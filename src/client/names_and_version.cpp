// The names of the SDK's enums (for logs) and its version.
#include "outpost/client/client_error.h"
#include "outpost/client/client_options.h"

namespace outpost::client {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::auth_refused: return "auth_refused";
    case ErrorCode::not_connected: return "not_connected";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::transport: return "transport";
    case ErrorCode::rejected: return "rejected";
    case ErrorCode::workload: return "workload";
  }
  return "unknown";
}

std::string_view to_string(ConnectionStatus status) {
  switch (status) {
    case ConnectionStatus::connected: return "connected";
    case ConnectionStatus::disconnected: return "disconnected";
    case ConnectionStatus::closed: return "closed";
  }
  return "unknown";
}

std::string_view to_string(ConnectionReason reason) {
  switch (reason) {
    case ConnectionReason::ok: return "ok";
    case ConnectionReason::token_renewal: return "token_renewal";
    case ConnectionReason::communication_error: return "communication_error";
    case ConnectionReason::auth_refused: return "auth_refused";
    case ConnectionReason::closed_by_client: return "closed_by_client";
  }
  return "unknown";
}

const char* version() { return OUTPOST_CLIENT_VERSION; }

}  // namespace outpost::client
