// What an HTTP client call takes and answers, shared by net::fetch() (Beast, in net) and the
// libcurl client (http_client), so a caller can switch between them.
#pragma once
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace outpost::net {

struct HttpClientOptions {
  std::string ca_file;  // PEM bundle to trust; empty = the system's
  std::chrono::milliseconds timeout{30000};
  std::string unix_socket;  // talk HTTP over this unix socket instead of TCP
  // X.509 client authentication (HTTPS): PEM certificate (chain) and key files.
  std::string client_cert_file;
  std::string client_key_file;
};

struct HttpClientResponse {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

}  // namespace outpost::net
