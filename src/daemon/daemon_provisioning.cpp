#include "daemon_provisioning.h"

#include "outpost/net/tls.h"

#include <fmt/format.h>

#include "outpost/core/config.h"
#include "outpost/core/config_checks.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/encoding.h"
#include "outpost/core/file_io.h"
#include "outpost/net/tls.h"

namespace outpost::daemon {
namespace {

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

void read_connection_string(const ConfigNode& node, Provisioning& p) {
  const auto cs = parse_connection_string(node.as_string());
  // The parser's errors name the part that is wrong, never the key's value.
  if (!cs) node.fail(cs.error());
  if (!cs->device_id) node.fail("needs a DeviceId");
  if (cs->module_id) node.fail("is a module's: give the edge device's connection string");
  if (!cs->shared_access_key) node.fail("needs a SharedAccessKey (for x509, use authentication: {method: x509})");
  if (!base64_decode(*cs->shared_access_key)) node.fail("SharedAccessKey is not base64");
  p.method = DeviceAuth::sas;
  p.iothub_hostname = cs->host_name;
  p.device_id = *cs->device_id;
  p.device_key = *cs->shared_access_key;
}

// device_id_pk: a file holding the base64 key (IoT Edge 1.5's {uri: file://...}), or the
// key itself as {value: ...}.
std::string read_device_key(const ConfigNode& node) {
  std::string key;
  if (node.is_map()) {
    node.expect_only({"value", "uri"});
    if (node.has("value")) key = node.string("value");
    else key = read_key_file(node.child("uri"));
  } else {
    key = read_key_file(node);
  }
  key = trimmed(key);
  if (key.empty() || !base64_decode(key)) node.fail("the device key is not base64");
  return key;
}

void read_authentication(const ConfigNode& auth, Provisioning& p) {
  const auto method = auth.string("method");
  if (method == "sas") {
    auth.expect_only({"method", "iothub_hostname", "device_id", "device_id_pk"});
    p.method = DeviceAuth::sas;
    auth.attempt([&] { p.device_key = read_device_key(auth.child("device_id_pk")); });
    if (!auth.has("device_id_pk")) auth.report("missing required key 'device_id_pk'");
  } else if (method == "x509") {
    auth.expect_only({"method", "iothub_hostname", "device_id", "identity_cert", "identity_pk"});
    p.method = DeviceAuth::x509;
    const auto file = [&](const char* key, std::string& out) {
      auth.attempt([&] {
        out = resolve_config_path(auth.file(), strip_file_uri(auth.string(key)));
        if (auto ok = check_readable_file(out); !ok) auth.child(key).fail(ok.error());
      });
    };
    file("identity_cert", p.identity_cert);
    file("identity_pk", p.identity_pk);
    // The pair must load and match, as the TLS handshake with the cloud will need them.
    if (!p.identity_cert.empty() && !p.identity_pk.empty())
      if (auto ok = net::check_tls_files({p.identity_cert, p.identity_pk}); !ok) auth.child("identity_pk").report(ok.error());
  } else {
    auth.child("method").fail(fmt::format("expected sas or x509, got '{}'", method));
  }
  auth.attempt([&] { p.iothub_hostname = auth.string("iothub_hostname"); });
  auth.attempt([&] { p.device_id = auth.string("device_id"); });
}

}  // namespace

std::string strip_file_uri(const std::string& path) {
  constexpr std::string_view scheme = "file://";
  return path.rfind(scheme, 0) == 0 ? path.substr(scheme.size()) : path;
}

std::string read_key_file(const ConfigNode& node) {
  const auto path = resolve_config_path(node.file(), strip_file_uri(node.as_string()));
  auto content = read_whole_file(path);
  if (!content) node.fail(content.error());
  return std::move(*content);
}

Provisioning read_provisioning(const ConfigNode& node, const std::string& default_device_id) {
  Provisioning p;
  if (!node.defined()) node.fail("is required (source: manual with a device connection string, or source: local)");
  const auto source = node.string("source");
  if (source == "local") {
    node.expect_only({"source", "device_id", "iothub_hostname"});
    p.source = ProvisioningSource::local;
    p.device_id = node.string_or("device_id", default_device_id);
    // Tokens still name a hub: modules sign for this name, the hub checks it.
    p.iothub_hostname = node.string_or("iothub_hostname", default_device_id);
    return p;
  }
  if (source != "manual")
    node.child("source").fail(fmt::format("'{}' is not supported: expected manual or local", source));
  node.expect_only({"source", "device_connection_string", "authentication", "dynamic_reprovisioning",
                    "always_reprovision_on_startup"});
  p.source = ProvisioningSource::manual;
  const auto cs = node.child("device_connection_string");
  const auto auth = node.child("authentication");
  if (cs.defined() == auth.defined())
    node.fail("give exactly one of device_connection_string and authentication");
  if (cs.defined()) read_connection_string(cs, p);
  else read_authentication(auth, p);
  node.attempt([&] { (void)node.bool_or("dynamic_reprovisioning", false); });
  node.attempt([&] { (void)node.bool_or("always_reprovision_on_startup", false); });
  return p;
}

}  // namespace outpost::daemon
