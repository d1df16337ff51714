// ServiceApi: the device-scope API edgeHub calls (as its own $edgeHub identity) to learn
// the identities it may authenticate while offline (NestedDeviceScopeApiClient):
//
//   POST /devices/{edge}/modules/$edgeHub/devicesAndModulesInTargetDeviceScope?api-version=2020-06-30-preview
//     Authorization: SharedAccessSignature sr={host}%2Fdevices%2F{edge}%2Fmodules%2F%24edgeHub&sig=..&se=..
//     {"pageSize": 100, "continuationLink": null, "authChain": "{target edge};...;{edge}"}
//   -> {"devices": [device...], "modules": [module...], "continuationLink": "<opaque>" | null}
//
//   POST /devices/{edge}/modules/$edgeHub/getDeviceAndModuleOnBehalfOf?api-version=2020-06-30-preview
//     {"targetDeviceId": "...", "targetModuleId": "..."?, "authChain": "...;{edge}"}
//   -> the same shape, holding that one device (and module)
//
// Devices and modules are IoT Hub's documents, keys included. The target edge's scope is the
// edge itself, its modules, and every device (leaf or child edge) whose parent it is, with
// their modules.
#include <charconv>

#include <fmt/format.h>

#include "api_util.h"
#include "cloud.h"
#include "ids.h"
#include "model_json.h"
#include "service_api.h"

namespace outpost::cloud {

using nlohmann::json;

namespace {

std::vector<std::string> split_chain(const std::string& chain) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto at = chain.find(';', start);
    out.push_back(chain.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

}  // namespace

void ServiceApi::device_scope(const net::HttpRequest& request, const std::string& edge_id, const std::string& operation,
                              Reply& reply) {
  auto& storage = cloud_.storage();
  const auto lookup = cloud_.endpoint().lookup();
  const auto token = request.header("Authorization");
  if (!token) return reply(error_response(unauthorized("missing Authorization (a SAS token of {edge}/$edgeHub)")));
  if (auto refused = verify_edge_hub_token(*token, edge_id, cloud_.settings().hostname, lookup,
                                           cloud_.clock().unix_seconds()))
    return reply(error_response(unauthorized(*refused)));
  const auto body = json_body(request);
  if (!body) return reply(error_response(body.error()));
  if (!body->is_object() || !body->contains("authChain") || !(*body)["authChain"].is_string())
    return reply(error_response(bad_request("the body must carry \"authChain\": \"{target};...;{edge}\"")));
  const auto chain = split_chain((*body)["authChain"].get<std::string>());
  if (chain.empty() || chain.back() != edge_id)
    return reply(error_response(unauthorized(fmt::format("authChain must end with the calling edge '{}'", edge_id))));

  // Is `device_id` the caller or below it (parent links, at most a few levels)?
  const auto in_callers_scope = [&](const std::string& device_id) {
    std::string current = device_id;
    for (int depth = 0; depth < 8; ++depth) {
      if (current == edge_id) return true;
      const auto device = storage.get_device(current);
      if (!device) return false;
      const auto parent = cloud_.registry().parent_of(*device);
      if (!parent) return false;
      current = *parent;
    }
    return false;
  };

  json devices = json::array(), modules = json::array();
  if (operation == "getDeviceAndModuleOnBehalfOf") {
    const auto target = body->value("targetDeviceId", std::string());
    if (target.empty()) return reply(error_response(bad_request("targetDeviceId is required")));
    if (!in_callers_scope(target))
      return reply(error_response(unauthorized(fmt::format("'{}' is not in the scope of edge '{}'", target, edge_id))));
    const auto device = storage.get_device(target);
    if (!device) return reply(error_response(device_not_found(target)));
    devices.push_back(device_json(*device));
    const auto module_id = body->contains("targetModuleId") && (*body)["targetModuleId"].is_string()
                               ? (*body)["targetModuleId"].get<std::string>()
                               : std::string();
    if (!module_id.empty()) {
      const auto module = storage.get_module(target, module_id);
      if (!module) return reply(error_response(module_not_found(target, module_id)));
      modules.push_back(module_json(*module));
    }
    reply(json_response(200, json{{"devices", devices}, {"modules", modules}, {"continuationLink", nullptr}}));
    return;
  }

  // devicesAndModulesInTargetDeviceScope: the target is the first device of the chain.
  const auto& target = chain.front();
  if (target.find('/') != std::string::npos || !in_callers_scope(target))
    return reply(error_response(unauthorized(fmt::format("'{}' is not an edge device in the scope of '{}'", target, edge_id))));
  const auto target_device = storage.get_device(target);
  if (!target_device || !target_device->iot_edge)
    return reply(error_response(bad_request(fmt::format("'{}' is not an edge device", target))));
  std::vector<DeviceRecord> in_scope{*target_device};
  for (auto& d : storage.list_devices())
    if (d.device_id != target && cloud_.registry().parent_of(d) == target) in_scope.push_back(std::move(d));
  std::vector<json> items;  // devices first, then modules: one list to page through
  std::size_t device_count = in_scope.size();
  for (const auto& d : in_scope) items.push_back(device_json(d));
  for (const auto& d : in_scope)
    for (const auto& m : storage.list_modules(d.device_id)) items.push_back(module_json(m));

  std::size_t page = 1000, offset = 0;
  if (body->contains("pageSize") && (*body)["pageSize"].is_number_integer() && (*body)["pageSize"].get<std::int64_t>() > 0)
    page = std::min<std::size_t>(static_cast<std::size_t>((*body)["pageSize"].get<std::int64_t>()), 1000);
  if (body->contains("continuationLink") && (*body)["continuationLink"].is_string()) {
    const auto& link = (*body)["continuationLink"].get_ref<const std::string&>();
    const auto digits = link.rfind("offset=", 0) == 0 ? link.substr(7) : std::string();
    if (digits.empty() || std::from_chars(digits.data(), digits.data() + digits.size(), offset).ec != std::errc{})
      return reply(error_response(bad_request("continuationLink is not one this hub issued")));
  }
  for (std::size_t i = offset; i < items.size() && i < offset + page; ++i)
    (i < device_count ? devices : modules).push_back(std::move(items[i]));
  const json link = offset + page < items.size() ? json("offset=" + std::to_string(offset + page)) : json(nullptr);
  reply(json_response(200, json{{"devices", devices}, {"modules", modules}, {"continuationLink", link}}));
}

}  // namespace outpost::cloud
