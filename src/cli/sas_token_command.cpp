// outpost sas-token: like `az iot hub generate-sas-token`, offline.
#include <iostream>

#include "commands.h"
#include "options.h"
#include "outpost/core/clock.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/sas_token.h"

namespace outpost::cli {

int sas_token_command(const std::vector<std::string>& args) {
  try {
    const Options opts(args, {"connection-string", "hub", "device", "module", "key", "policy", "ttl"},
                       {"help"});
    if (opts.has("help")) {
      std::cout << "usage: outpost sas-token (--connection-string CS | --hub HOST "
                   "[--device D [--module M]] [--policy NAME] --key BASE64) [--ttl SECONDS]\n";
      return 0;
    }
    std::string hub, key, resource;
    std::optional<std::string> policy;
    if (const auto cs_text = opts.get("connection-string")) {
      auto cs = parse_connection_string(*cs_text);
      if (!cs) throw UsageError(cs.error());
      if (!cs->shared_access_key) throw UsageError("the connection string has no SharedAccessKey");
      hub = cs->host_name;
      key = *cs->shared_access_key;
      policy = cs->shared_access_key_name;
      resource = cs->device_id ? device_resource_uri(hub, *cs->device_id, cs->module_id) : hub;
    } else {
      hub = opts.require("hub");
      key = opts.require("key");
      policy = opts.get("policy");
      const auto device = opts.get("device");
      if (opts.has("module") && !device) throw UsageError("--module needs --device");
      resource = device ? device_resource_uri(hub, *device, opts.get("module")) : hub;
    }
    const long ttl = std::stol(opts.get("ttl").value_or("3600"));
    auto token = build_sas_token(resource, key, SystemClock::instance().unix_seconds() + ttl,
                                 policy ? std::optional<std::string_view>(*policy) : std::nullopt);
    if (!token) throw UsageError(token.error());
    std::cout << *token << "\n";
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "outpost sas-token: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "outpost sas-token: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace outpost::cli
