#include "outpost/net/http_client_types.h"

#include "outpost/core/encoding.h"

namespace outpost::net {

std::string HttpClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

}  // namespace outpost::net
