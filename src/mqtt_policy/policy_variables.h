// The {{iot:…}} variables of authorization policies (authorization_policy.h): which exist,
// checking a template, and replacing them with one client's values.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/mqtt_policy/authorization_policy.h"

namespace outpost::mqtt_policy {

// Every "{{" must open a known variable closed by "}}": names the first one that does not.
Status check_variables(std::string_view text);

// `text` with its variables replaced by `who`'s values (a placeholder when `who` is null, to
// check the shape). nullopt when `wildcard_free` and a value holds '+' or '#': a client id must
// not turn "clients/{{iot:client_id}}" into "clients/#".
std::optional<std::string> substitute(std::string_view text, const Requester* who, std::string_view this_device_id,
                                      bool wildcard_free);

}  // namespace outpost::mqtt_policy
