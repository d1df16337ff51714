// The paths of IoT Hub's service REST API that more than one server serves (the cloud's
// service API, the edge hub's management API): what a request acts on, for token scopes,
// and which identity a /twins path names.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "outpost/iothub/identity.h"

namespace outpost::iothub {

// /twins/{d}[/modules/{m}][/{operation}]
struct TwinsPath {
  Identity identity;
  std::optional<std::string> operation;  // "methods"; nullopt for the twin itself
};
// nullopt when `path_segments` is not such a path (or has more segments).
std::optional<TwinsPath> parse_twins_path(const std::vector<std::string>& path_segments);

// What a request on `path_segments` acts on, below the host: /twins/{d}[/modules/{m}][/...]
// act on devices/{d}[/modules/{m}], /devices/query on devices (the whole registry); other
// paths name themselves (devices, devices/{d}/messages/devicebound, configurations/{id}).
std::string service_resource(const std::vector<std::string>& path_segments);

}  // namespace outpost::iothub
