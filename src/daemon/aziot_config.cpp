#include "aziot_config.h"

#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace outpost::daemon {
namespace {

// Keys of IoT Edge 1.5 that have no meaning for outpostd: accepted, listed, and otherwise ignored.
constexpr const char* kIgnored[] = {"prefer_module_identity_cache",
                                    "auto_reprovisioning_mode", "cloud_timeout_sec", "cloud_retries",
                                    "image_garbage_collection", "iotedge_max_requests", "aziot_keys", "tpm",
                                    "cert_issuance", "aziot_max_requests"};

class Mapper {
 public:
  explicit Mapper(std::string file) : file_(std::move(file)) {}

  std::string where(const toml::node& node) const {
    const auto& at = node.source().begin;
    return fmt::format("{}:{}:{}", file_, at.line, at.column);
  }
  void problem(const toml::node& node, const std::string& key, const std::string& message) {
    problems_.push_back(fmt::format("{}: {}: {}", where(node), key, message));
  }

  // A TOML value as a YAML node (scalars as text, as config.yaml holds them).
  YAML::Node yaml(const toml::node& node) {
    YAML::Node out;
    if (const auto* table = node.as_table()) {
      out = YAML::Node(YAML::NodeType::Map);
      for (const auto& [key, value] : *table) out[std::string(key.str())] = yaml(value);
    } else if (const auto* array = node.as_array()) {
      out = YAML::Node(YAML::NodeType::Sequence);
      for (const auto& item : *array) out.push_back(yaml(item));
    } else if (const auto* s = node.as_string()) {
      out = s->get();
    } else if (const auto* i = node.as_integer()) {
      out = std::to_string(i->get());
    } else if (const auto* b = node.as_boolean()) {
      out = b->get() ? "true" : "false";
    } else if (const auto* f = node.as_floating_point()) {
      out = fmt::format("{}", f->get());
    } else {
      std::ostringstream text;  // dates and times: as TOML writes them
      node.visit([&](const auto& value) { text << value; });
      out = text.str();
    }
    return out;
  }

  // Copies table[from] (when present) to out[to...].
  void copy(const toml::table& table, const char* from, YAML::Node out, const char* to) {
    if (const auto* node = table.get(from)) out[to] = yaml(*node);
  }

  void expect_only(const toml::table& table, const std::string& prefix, std::initializer_list<const char*> allowed) {
    for (const auto& [key, value] : table) {
      bool known = false;
      for (const auto* a : allowed) known = known || key.str() == a;
      if (!known) problem(value, prefix + std::string(key.str()), "unknown key (not an IoT Edge 1.5 key outpostd reads)");
    }
  }

  std::vector<std::string> problems_;
  std::vector<std::string> ignored_;

 private:
  std::string file_;
};

void map_provisioning(Mapper& m, const toml::table& p, YAML::Node out) {
  m.expect_only(p, "provisioning.", {"source", "connection_string", "iothub_hostname", "device_id", "authentication",
                                     "global_endpoint", "id_scope", "attestation", "dynamic_reprovisioning"});
  m.copy(p, "source", out, "source");
  m.copy(p, "connection_string", out, "device_connection_string");
  if (const auto* auth = p.get_as<toml::table>("authentication")) {
    auto a = m.yaml(*auth);
    m.copy(p, "iothub_hostname", a, "iothub_hostname");
    m.copy(p, "device_id", a, "device_id");
    out["authentication"] = a;
  } else {
    m.copy(p, "iothub_hostname", out, "iothub_hostname");
    m.copy(p, "device_id", out, "device_id");
  }
}

}  // namespace

AziotConversion convert_aziot_toml(std::string_view text, const std::string& file_name) {
  toml::table doc;
  try {
    doc = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw ConfigError(fmt::format("{}:{}:{}: {}", file_name, at.line, at.column, e.description()));
  }
  Mapper m(file_name);
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& [key, value] : doc) {
    const std::string k(key.str());
    bool ignored = false;
    for (const auto* i : kIgnored) ignored = ignored || k == i;
    if (ignored) {
      m.ignored_.push_back(k);
    } else if (k == "hostname" || k == "homedir" || k == "runtime" || k == "log_level" || k == "images" ||
               k == "agent" || k == "connect" || k == "watchdog" || k == "allow_elevated_docker_permissions") {
      out[k] = m.yaml(value);  // the same key, the same meaning (runtime, log_level, images: Outpost's own)
    } else if (k == "listen" && value.is_table()) {
      const auto& listen = *value.as_table();
      m.expect_only(listen, "listen.", {"workload_uri", "management_uri", "min_tls_version"});
      m.copy(listen, "workload_uri", out["listen"], "workload_uri");
      m.copy(listen, "management_uri", out["listen"], "management_uri");
      if (listen.get("min_tls_version")) m.ignored_.push_back("listen.min_tls_version");  // no TCP listener here
    } else if (k == "trust_bundle_cert") {
      out["certificates"]["trusted_ca_certs"] = m.yaml(value);
    } else if (k == "provisioning" && value.is_table()) {
      YAML::Node p(YAML::NodeType::Map);
      map_provisioning(m, *value.as_table(), p);
      out["provisioning"] = p;
    } else if (k == "edge_ca" && value.is_table()) {
      const auto& ca = *value.as_table();
      m.expect_only(ca, "edge_ca.", {"cert", "pk", "auto_generated_edge_ca_expiry_days", "method", "auto_renew"});
      if (const auto* method = ca.get("method")) m.problem(*method, "edge_ca.method", "EST and local CA issuance are not supported: give cert and pk, or neither");
      if (ca.get("auto_renew")) m.ignored_.push_back("edge_ca.auto_renew");
      m.copy(ca, "cert", out["certificates"], "device_ca_cert");
      m.copy(ca, "pk", out["certificates"], "device_ca_pk");
      m.copy(ca, "auto_generated_edge_ca_expiry_days", out["certificates"], "auto_generated_ca_lifetime_days");
    } else if (k == "moby_runtime" && value.is_table()) {
      const auto& moby = *value.as_table();
      m.expect_only(moby, "moby_runtime.", {"uri", "network", "content_trust"});
      m.copy(moby, "uri", out["moby_runtime"], "uri");
      m.copy(moby, "network", out["moby_runtime"], "network");
    } else if (k == "parent_hostname") {
      m.problem(value, k, "nested edge devices (a parent) are not supported yet");
    } else {
      m.problem(value, k, "unknown key (not an IoT Edge 1.5 key outpostd reads)");
    }
  }
  if (!m.problems_.empty()) throw ConfigError(m.problems_);
  // Nodes built here carry no position: problems found by the config.yaml reader name the
  // file and the key, without a line.
  return {ConfigNode(out, file_name, ""), m.ignored_, out};
}

}  // namespace outpost::daemon
