#include "outpost/client/client_error.h"

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

}  // namespace outpost::client
