// config.yaml's `provisioning` block: who this device is and how it proves it. Secrets read
// here (a connection string's key, a device_id_pk file) never appear in an error message.
#pragma once
#include <string>

#include "daemon_config.h"

namespace outpost::daemon {

// `default_device_id` names the device in `source: local` when device_id is not given.
Provisioning read_provisioning(const ConfigNode& provisioning, const std::string& default_device_id);

// The content of the file `node` names (a path or file:// URI, relative to the config file).
std::string read_key_file(const ConfigNode& node);

// "file:///etc/x.pem" -> "/etc/x.pem"; anything else unchanged (IoT Edge writes both).
std::string strip_file_uri(const std::string& path);

}  // namespace outpost::daemon
