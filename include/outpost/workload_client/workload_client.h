// A client of IoT Edge's workload API (what outpostd and aziot-edged serve to modules on
// IOTEDGE_WORKLOADURI): signing with the module's key, encryption under it, server and
// identity certificates from the edge CA, and the trust bundle. Used by the SDK
// (ModuleClient::fromEnvironment), the agent and the hub. Blocking calls through the HTTP
// client its user picks (`transport`: libcurl's net::http_request in the SDK, Beast's
// net::fetch in the hub, which stays clear of libcurl's dependency tree); safe to use from
// one thread at a time per object (it keeps no connection between calls).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/net/http_client_types.h"

namespace outpost::workload {

// Where the API is: "unix:///abs/path.sock" or "http://host:port".
struct WorkloadEndpoint {
  std::string unix_socket;  // set for unix://
  std::string base_url;     // "http://localhost" for a unix socket, else the URI without a trailing '/'
};

// Errors name the URI and what is wrong with it (relative unix path, unknown scheme).
Result<WorkloadEndpoint> parse_workload_uri(std::string_view uri);

struct IssuedCertificate {
  std::string certificate_pem;  // the leaf first, then its chain
  std::string private_key_pem;
  std::string expiration;  // RFC 3339, as the API answers
};

// net::http_request (libcurl) and net::fetch (Beast) both have this shape.
using HttpTransport = Result<net::HttpClientResponse> (*)(std::string_view method, const std::string& url,
                                                          const net::Headers& headers, std::string_view body,
                                                          const net::HttpClientOptions& options);

struct WorkloadClientSettings {
  WorkloadEndpoint endpoint;
  std::string module_id;      // as the module is named ("$edgeHub" and "edgeHub" both work)
  std::string generation_id;  // IOTEDGE_MODULEGENERATIONID
  // 2019-01-30 is what IoT Edge's own agent and hub send; every outpostd route takes it.
  std::string api_version = "2019-01-30";
  std::chrono::milliseconds timeout{10000};
  HttpTransport transport = nullptr;  // required: net::http_request or net::fetch
};

class WorkloadClient {
 public:
  explicit WorkloadClient(WorkloadClientSettings settings);

  // HMAC-SHA256 of `data` under the module's key (`key_id` "primary" or "secondary"): the
  // base64 digest. For SAS tokens: data = "<url-encoded resource>\n<expiry>".
  Result<std::string> sign(std::string_view data, std::string_view key_id = "primary") const;
  // Under a key only this module and generation can use; both take and return raw bytes.
  Result<std::string> encrypt(std::string_view plaintext, std::string_view initialization_vector) const;
  Result<std::string> decrypt(std::string_view ciphertext, std::string_view initialization_vector) const;
  // A TLS server certificate for `common_name` (a host name or an IP address).
  Result<IssuedCertificate> server_certificate(std::string_view common_name, std::int64_t expiry_unix) const;
  // A client certificate naming this module (azureiot://<hub>/devices/<d>/modules/<m>).
  Result<IssuedCertificate> identity_certificate(std::int64_t expiry_unix) const;
  // The CAs modules trust: the edge CA and the operator's trusted CAs, PEM.
  Result<std::string> trust_bundle() const;
  // The trust bundle followed by the system's CAs (kSystemCaBundle, when there): what a system
  // module trusts the cloud and upload URLs with, as IoT Edge's add the bundle to their store.
  Result<std::string> trust_bundle_and_system_cas() const;
  static constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
  Result<std::string> manifest_trust_bundle() const;

  const WorkloadClientSettings& settings() const { return settings_; }

 private:
  struct Reply;
  Result<Reply> call(std::string_view method, const std::string& path, const std::string& body) const;
  std::string module_path() const;

  WorkloadClientSettings settings_;
};

}  // namespace outpost::workload
