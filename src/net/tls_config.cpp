#include "outpost/net/tls_config.h"

#include <utility>

#include "outpost/core/config_checks.h"

namespace outpost::net {

TlsFiles config_tls_files(const ConfigNode& tls) {
  TlsFiles files;
  tls.attempt([&] { files.cert_file = resolve_config_path(tls.file(), tls.string("cert")); });
  tls.attempt([&] { files.key_file = resolve_config_path(tls.file(), tls.string("key")); });
  bool readable = !files.cert_file.empty() && !files.key_file.empty();
  for (const auto& [key, path] : {std::pair{"cert", files.cert_file}, std::pair{"key", files.key_file}}) {
    if (path.empty()) continue;
    if (auto ok = check_readable_file(path); !ok) {
      tls.child(key).report(ok.error());
      readable = false;
    }
  }
  if (readable)
    if (auto ok = check_tls_files(files); !ok) tls.report(ok.error());
  return files;
}

std::string config_ca_file(const ConfigNode& node, std::string_view key) {
  const auto value = node.optional_string(key);
  if (!value) return "";
  auto path = resolve_config_path(node.file(), *value);
  if (auto ok = check_ca_file(path); !ok) node.child(key).report(ok.error());
  return path;
}

}  // namespace outpost::net
