#include "outpost/core/result.h"

namespace outpost {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return "invalid input";
    case ErrorKind::not_found: return "not found";
    case ErrorKind::storage_full: return "storage full";
    case ErrorKind::storage_corrupt: return "storage corrupt";
    case ErrorKind::io: return "I/O failure";
    case ErrorKind::unavailable: return "unavailable";
  }
  return "unknown";
}

}  // namespace outpost
