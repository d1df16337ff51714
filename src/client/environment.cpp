#include "environment.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "outpost/client/client_error.h"
#include "outpost/core/encoding.h"
#include "outpost/net/http_fetch.h"
#include "outpost/workload_client/workload_client.h"

namespace outpost::client::detail {
namespace {

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string required(const char* name) {
  auto value = variable(name);
  if (value.empty()) throw ClientError(ErrorCode::invalid_argument, fmt::format("the environment has no {}", name));
  return value;
}

}  // namespace

Credentials credentials_from_environment(ClientOptions& options) {
  // Connection-string mode first, as the official SDKs choose it.
  auto connection_string = variable("EdgeHubConnectionString");
  if (connection_string.empty()) connection_string = variable("IotHubConnectionString");
  if (!connection_string.empty()) {
    if (const auto ca = variable("EdgeModuleCACertificateFile"); !ca.empty()) options.caFile = ca;
    return credentials_from_connection_string(connection_string, options, true);
  }

  auto endpoint = workload::parse_workload_uri(required("IOTEDGE_WORKLOADURI"));
  if (!endpoint) throw ClientError(ErrorCode::invalid_argument, endpoint.error());
  Credentials credentials;
  credentials.device_id = required("IOTEDGE_DEVICEID");
  credentials.module_id = required("IOTEDGE_MODULEID");
  credentials.iothub_host = required("IOTEDGE_IOTHUBHOSTNAME");
  const auto scheme = required("IOTEDGE_AUTHSCHEME");
  if (!iequals(scheme, "sasToken"))
    throw ClientError(ErrorCode::invalid_argument, fmt::format("IOTEDGE_AUTHSCHEME is '{}'; only sasToken is supported", scheme));
  const auto generation = required("IOTEDGE_MODULEGENERATIONID");
  credentials.gateway_host = variable("IOTEDGE_GATEWAYHOSTNAME");
  if (credentials.gateway_host.empty()) credentials.gateway_host = credentials.iothub_host;
  credentials.mqtt_port = options.mqttPort;
  if (const auto colon = credentials.gateway_host.rfind(':'); colon != std::string::npos) {
    const auto port = std::atoi(credentials.gateway_host.c_str() + colon + 1);
    if (port <= 0 || port > 65535) throw ClientError(ErrorCode::invalid_argument, "IOTEDGE_GATEWAYHOSTNAME has a bad port");
    credentials.mqtt_port = static_cast<std::uint16_t>(port);
    credentials.gateway_host.resize(colon);
  }

  workload::WorkloadClientSettings settings;
  settings.endpoint = std::move(*endpoint);
  settings.module_id = credentials.module_id;
  settings.generation_id = generation;
  settings.api_version = "2018-06-28";  // what the official SDKs send: every IoT Edge accepts it
  settings.transport = &net::fetch;
  auto workload = std::make_shared<workload::WorkloadClient>(std::move(settings));
  // The trust bundle is the only trust store, as with the official SDKs.
  auto bundle = workload->trust_bundle();
  if (!bundle) throw ClientError(ErrorCode::workload, bundle.error());
  credentials.owned_ca = std::make_shared<TemporaryFile>(*bundle);
  credentials.ca_file = credentials.owned_ca->path();
  credentials.sign = [workload](const std::string& data) {
    auto digest = workload->sign(data);
    if (!digest) throw ClientError(ErrorCode::workload, digest.error());
    return *digest;
  };
  return credentials;
}

}  // namespace outpost::client::detail
