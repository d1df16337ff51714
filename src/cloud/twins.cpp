#include "twins.h"

#include <fmt/format.h>

#include "ids.h"
#include "outpost/core/twin.h"

namespace outpost::cloud {

using nlohmann::json;

namespace {

std::string describe(const iothub::Identity& identity) {
  return identity.module_id ? fmt::format("module '{}/{}'", identity.device_id, *identity.module_id)
                            : fmt::format("device '{}'", identity.device_id);
}

CloudError missing(const iothub::Identity& identity) {
  return identity.module_id ? module_not_found(identity.device_id, *identity.module_id)
                            : device_not_found(identity.device_id);
}

void bump(TwinRecord& twin) {
  ++twin.version;
  twin.etag = version_etag(twin.version);
}

}  // namespace

json merge_diff(const json& from, const json& to) {
  json patch = json::object();
  if (from.is_object())
    for (const auto& [key, value] : from.items())
      if (!to.contains(key)) patch[key] = nullptr;
  for (const auto& [key, value] : to.items()) {
    if (!from.is_object() || !from.contains(key)) {
      patch[key] = value;
    } else if (from[key] != value) {
      patch[key] = from[key].is_object() && value.is_object() ? merge_diff(from[key], value) : value;
    }
  }
  return patch;
}

Outcome<TwinRecord> TwinService::get(const iothub::Identity& identity) const {
  auto twin = storage_.get_twin(identity);
  if (!twin) return missing(identity);
  return std::move(*twin);
}

Outcome<TwinRecord> TwinService::modify(const iothub::Identity& identity, const std::optional<std::string>& if_match,
                                        const std::function<Outcome<TwinChange>(TwinRecord&)>& mutate) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto twin = storage_.get_twin(identity);
    if (!twin) return missing(identity);
    if (if_match) {
      const auto wanted = unquote_etag(*if_match);
      if (wanted != "*" && wanted != twin->etag)
        return precondition_failed(
            fmt::format("the twin of {} has etag \"{}\", not {}", describe(identity), twin->etag, *if_match));
    }
    const auto old_etag = twin->etag;
    auto change = mutate(*twin);
    if (!change) return change.error();
    if (!change->desired_patch && !change->tags_changed && !change->reported_changed) return std::move(*twin);
    const auto result = storage_.update_twin(*twin, old_etag);
    if (result == DbResult::etag_mismatch) {
      if (if_match && unquote_etag(*if_match) != "*")
        return precondition_failed("the twin of " + describe(identity) + " changed meanwhile; read it again");
      continue;
    }
    if (result == DbResult::not_found) return missing(identity);
    change->identity = identity;
    for (const auto& o : observers_) o(*change);
    return std::move(*twin);
  }
  return CloudError{409, "TwinVersionConflict", "the twin of " + describe(identity) + " keeps changing; try again"};
}

Outcome<TwinRecord> TwinService::update_from_service(const iothub::Identity& identity, const json& body, bool replace,
                                                     const std::optional<std::string>& if_match) {
  if (!body.is_object()) return bad_request("the body must be a JSON twin: {\"tags\":{...},\"properties\":{\"desired\":{...}}}");
  const json* tags = body.contains("tags") && !body["tags"].is_null() ? &body["tags"] : nullptr;
  const json* desired = nullptr;
  if (body.contains("properties") && !body["properties"].is_null()) {
    const auto& props = body["properties"];
    if (!props.is_object()) return bad_request("properties must be an object");
    // properties.reported is ignored: only the device writes it (the SDK's Twin object may echo it back).
    if (props.contains("desired") && !props["desired"].is_null()) desired = &props["desired"];
  }
  if (tags && !tags->is_object()) return bad_request("tags must be an object");
  if (desired && !desired->is_object()) return bad_request("properties.desired must be an object");
  return modify(identity, if_match, [&](TwinRecord& twin) -> Outcome<TwinChange> {
    TwinChange change;
    if (tags || replace) {
      json next = replace ? (tags ? *tags : json::object()) : twin.tags;
      if (!replace) merge_patch(next, *tags);
      if (auto s = validate_twin_properties(next, "tags"); !s) return bad_request(s.error());
      if (next != twin.tags) {
        twin.tags = std::move(next);
        change.tags_changed = true;
      }
    }
    if (desired || replace) {
      const json before = twin.properties.desired();
      json wanted = desired ? *desired : json::object();
      wanted.erase("$metadata");
      Status s = replace ? twin.properties.replace_desired(wanted) : twin.properties.apply_desired_patch(wanted);
      if (!s) return bad_request(s.error());
      json after = twin.properties.desired();
      json before_plain = before, after_plain = after;
      before_plain.erase("$version");
      after_plain.erase("$version");
      if (before_plain != after_plain) {
        json patch = merge_diff(before_plain, after_plain);
        patch["$version"] = twin.properties.desired_version();
        change.desired_patch = std::move(patch);
      } else {
        // Nothing changed: keep the version where it was.
        twin.properties = TwinProperties(json{{"desired", before}, {"reported", twin.properties.reported()}});
      }
    }
    if (change.tags_changed || change.desired_patch) bump(twin);
    return change;
  });
}

Outcome<TwinRecord> TwinService::patch_reported(const iothub::Identity& identity, const json& patch) {
  if (!patch.is_object()) return bad_request("a reported-properties patch must be a JSON object");
  return modify(identity, std::nullopt, [&](TwinRecord& twin) -> Outcome<TwinChange> {
    if (auto s = twin.properties.apply_reported_patch(patch); !s) return bad_request(s.error());
    bump(twin);
    TwinChange change;
    change.reported_changed = true;
    return change;
  });
}

Outcome<TwinRecord> TwinService::replace_desired(const iothub::Identity& identity, const json& desired) {
  if (!desired.is_object()) return bad_request("desired properties must be a JSON object");
  return modify(identity, std::nullopt, [&](TwinRecord& twin) -> Outcome<TwinChange> {
    TwinChange change;
    json before = twin.properties.desired();
    before.erase("$version");
    json wanted = desired;
    wanted.erase("$version");
    wanted.erase("$metadata");
    if (before == wanted) return change;
    if (auto s = twin.properties.replace_desired(wanted); !s) return bad_request(s.error());
    json patch = merge_diff(before, wanted);
    patch["$version"] = twin.properties.desired_version();
    change.desired_patch = std::move(patch);
    bump(twin);
    return change;
  });
}

json twin_document(const TwinRecord& twin, const DeviceRecord& device, const ModuleRecord* module, bool connected) {
  const Authentication& auth = module ? module->authentication : device.authentication;
  json doc{{"deviceId", device.device_id}};
  if (module) doc["moduleId"] = module->module_id;
  doc["etag"] = twin.etag;
  doc["deviceEtag"] = module ? module->etag : device.etag;
  doc["status"] = device.enabled ? "enabled" : "disabled";
  doc["statusUpdateTime"] = device.status_updated_time.empty() ? "0001-01-01T00:00:00Z" : device.status_updated_time;
  doc["connectionState"] = connected ? "Connected" : "Disconnected";
  doc["lastActivityTime"] = "0001-01-01T00:00:00Z";
  doc["cloudToDeviceMessageCount"] = 0;
  doc["authenticationType"] = auth_type_name(auth.type);
  doc["x509Thumbprint"] = {
      {"primaryThumbprint", auth.primary_thumbprint.empty() ? json(nullptr) : json(auth.primary_thumbprint)},
      {"secondaryThumbprint", auth.secondary_thumbprint.empty() ? json(nullptr) : json(auth.secondary_thumbprint)}};
  doc["modelId"] = twin.model_id;
  doc["version"] = twin.version;
  if (!module) {
    doc["capabilities"] = {{"iotEdge", device.iot_edge}};
    if (!device.device_scope.empty()) doc["deviceScope"] = device.device_scope;
    doc["parentScopes"] = device.parent_scopes;
  }
  doc["tags"] = twin.tags;
  doc["properties"] = twin.properties.to_json();
  return doc;
}

}  // namespace outpost::cloud
