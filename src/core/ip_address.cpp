#include "outpost/core/ip_address.h"

#include <arpa/inet.h>

namespace outpost {

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

}  // namespace outpost
