// Whether a host name is an IP address literal (IPv4 dotted or IPv6): certificates carry such
// a name as an IP SAN, not a DNS one, and an IoT hub named by one has no "name" label.
#pragma once
#include <string>

namespace outpost {

bool is_ip_address(const std::string& text);

}  // namespace outpost
