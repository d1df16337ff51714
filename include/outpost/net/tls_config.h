// TLS files named in a daemon's config file, read and checked where they are written, so a
// missing or mismatched file is reported at its line by `--check` instead of failing after
// the listeners are up.
#pragma once
#include <string>
#include <string_view>

#include "outpost/core/config.h"
#include "outpost/net/tls.h"

namespace outpost::net {

// The `tls: { cert, key }` block (both required), paths resolved from the config file.
// Unreadable files are reported at their key; a certificate that does not parse or does
// not match the key, at `tls`.
TlsFiles config_tls_files(const ConfigNode& tls);

// An optional CA bundle (e.g. `upstream.ca`): "" when absent, else the resolved path;
// a file that holds no certificate is reported at its key.
std::string config_ca_file(const ConfigNode& node, std::string_view key);

}  // namespace outpost::net
