#include "deployments.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ids.h"
#include "model_json.h"
#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/twin.h"

namespace outpost::cloud {

using nlohmann::json;

namespace {

constexpr std::string_view kDesiredKey = "properties.desired";

std::vector<std::string> split_dots(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    out.emplace_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

// Newer first among equals: IoT Hub lets the most recently created deployment win a tie.
bool outranks(const ConfigurationRecord& a, const ConfigurationRecord& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  return a.created_time > b.created_time;
}

}  // namespace

Result<ModulesContent> parse_modules_content(const json& modules_content) {
  if (!modules_content.is_object() || modules_content.empty())
    return make_error("content.modulesContent must be a non-empty object of module ids");
  ModulesContent out;
  for (const auto& [module, entries] : modules_content.items()) {
    if (auto s = validate_identity_id(module, "module id"); !s) return make_error("modulesContent: " + s.error());
    if (!entries.is_object() || entries.empty())
      return make_error(fmt::format("modulesContent.{}: must be an object with \"properties.desired\"", module));
    for (const auto& [key, value] : entries.items()) {
      if (key == kDesiredKey) {
        if (!value.is_object())
          return make_error(fmt::format("modulesContent.{}.properties.desired: must be an object", module));
        if (auto s = validate_twin_properties(value, fmt::format("modulesContent.{}.properties.desired", module)); !s)
          return s.failure();
        out.full[module] = value;
        continue;
      }
      if (key.rfind(std::string(kDesiredKey) + ".", 0) != 0)
        return make_error(fmt::format("modulesContent.{}: key '{}' is neither \"properties.desired\" nor "
                                      "\"properties.desired.<path>\"",
                                      module, key));
      auto path = split_dots(std::string_view(key).substr(kDesiredKey.size() + 1));
      for (const auto& segment : path)
        if (segment.empty() || segment.front() == '$')
          return make_error(fmt::format("modulesContent.{}: key '{}' has an empty or '$' path segment", module, key));
      out.paths[module].emplace_back(std::move(path), value);
    }
  }
  return out;
}

void apply_layer(std::map<std::string, json>& desired, const ModulesContent& layer) {
  for (const auto& [module, document] : layer.full) desired[module] = document;
  for (const auto& [module, entries] : layer.paths) {
    json& target = desired[module];
    if (!target.is_object()) target = json::object();
    for (const auto& [path, value] : entries) {
      json* node = &target;
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        json& child = (*node)[path[i]];
        if (!child.is_object()) child = json::object();
        node = &child;
      }
      (*node)[path.back()] = value;
    }
  }
}

Deployments::Deployments(CloudDatabase& storage, TwinService& twins, DocumentOf document_of, const Clock& clock)
    : storage_(storage), twins_(twins), document_of_(std::move(document_of)), clock_(clock) {}

const std::vector<Deployments::Compiled>& Deployments::compiled() {
  const auto generation = storage_.configurations_generation();
  if (generation == compiled_generation_) return compiled_;
  compiled_.clear();
  for (auto& record : storage_.list_configurations()) {
    Compiled c;
    auto condition = query::parse_condition(record.target_condition);
    auto content = parse_modules_content(record.content.value("modulesContent", json::object()));
    if (!condition || !content) {
      spdlog::warn("cloud: configuration '{}' is unusable and skipped: {}", record.id,
                   !condition ? condition.error() : content.error());
      continue;
    }
    c.condition = std::move(*condition);
    c.content = std::move(*content);
    c.record = std::move(record);
    compiled_.push_back(std::move(c));
  }
  compiled_generation_ = generation;
  return compiled_;
}

Outcome<ConfigurationRecord> Deployments::put(const std::string& id, const json& body,
                                              const std::optional<std::string>& if_match) {
  if (auto s = validate_configuration_id(id); !s) return bad_request(s.error());
  if (!body.is_object()) return bad_request("the body must be a JSON configuration");
  if (body.contains("id") && body["id"].is_string() && body["id"].get<std::string>() != id)
    return bad_request(fmt::format("the body names configuration '{}' but the path names '{}'",
                                   body["id"].get<std::string>(), id));
  const auto existing = storage_.get_configuration(id);
  if (existing && !if_match)
    return CloudError{409, "ConfigurationAlreadyExists",
                      fmt::format("configuration '{}' already exists (send If-Match to update it)", id)};
  if (!existing && if_match && unquote_etag(*if_match) != "*")
    return CloudError{404, "ConfigurationNotFound", fmt::format("configuration '{}' was not found", id)};
  if (existing && if_match && unquote_etag(*if_match) != "*" && unquote_etag(*if_match) != existing->etag)
    return precondition_failed(fmt::format("configuration '{}' has etag \"{}\", not {}", id, existing->etag, *if_match));

  ConfigurationRecord c = existing.value_or(ConfigurationRecord{});
  c.id = id;
  const json content = body.value("content", json::object());
  if (!content.is_object()) return bad_request("content must be an object");
  for (const char* unsupported : {"deviceContent", "moduleContent"})
    if (content.contains(unsupported) && !content[unsupported].is_null() && !content[unsupported].empty())
      return bad_request(fmt::format("content.{} is not supported; outpost-cloud applies content.modulesContent "
                                     "(IoT Edge deployments)",
                                     unsupported));
  const json modules = content.value("modulesContent", json::object());
  auto parsed = parse_modules_content(modules);
  if (!parsed) return bad_request(parsed.error());
  if (!parsed->layered())
    for (const auto module : {kEdgeAgent, kEdgeHub})
      if (!parsed->full.count(std::string(module)))
        return bad_request(fmt::format("a base deployment must set {}'s \"properties.desired\" "
                                       "(or use \"properties.desired.<path>\" keys for a layered deployment)",
                                       module));
  if (existing && existing->content.value("modulesContent", json::object()) != modules)
    return bad_request(fmt::format("configuration '{}': content cannot be changed; create a new configuration", id));
  c.content = json{{"modulesContent", modules}};
  c.target_condition = body.value("targetCondition", std::string());
  if (c.target_condition.empty()) return bad_request("targetCondition is required (\"*\" targets every edge device)");
  if (auto condition = query::parse_condition(c.target_condition); !condition)
    return bad_request("targetCondition: " + condition.error());
  if (body.contains("priority")) {
    if (!body["priority"].is_number_integer() || body["priority"].get<std::int64_t>() < 0)
      return bad_request("priority must be a non-negative integer");
    c.priority = body["priority"].get<std::int64_t>();
  }
  if (body.contains("labels") && !body["labels"].is_null()) {
    if (!body["labels"].is_object()) return bad_request("labels must be an object of strings");
    for (const auto& [k, v] : body["labels"].items())
      if (!v.is_string()) return bad_request(fmt::format("labels.{} must be a string", k));
    c.labels = body["labels"];
  }
  c.metric_queries = json::object();
  if (body.contains("metrics") && body["metrics"].is_object() && body["metrics"].contains("queries")) {
    const auto& queries = body["metrics"]["queries"];
    if (!queries.is_object()) return bad_request("metrics.queries must be an object of queries");
    for (const auto& [name, text] : queries.items()) {
      if (!text.is_string()) return bad_request(fmt::format("metrics.queries.{} must be a query string", name));
      if (auto q = query::parse_query(text.get<std::string>()); !q)
        return bad_request(fmt::format("metrics.queries.{}: {}", name, q.error()));
    }
    c.metric_queries = queries;
  }
  c.schema_version = body.value("schemaVersion", std::string("1.0"));
  const auto now = format_iso8601(clock_.now());
  if (!existing) c.created_time = now;
  c.updated_time = now;
  const auto old_etag = c.etag;
  c.etag = generate_etag();
  const auto result = existing ? storage_.update_configuration(c, old_etag) : storage_.insert_configuration(c);
  if (result == DbResult::etag_mismatch) return precondition_failed("configuration '" + id + "' changed meanwhile");
  if (result == DbResult::already_exists)
    return CloudError{409, "ConfigurationAlreadyExists", "configuration '" + id + "' already exists"};
  if (result != DbResult::ok) return CloudError{404, "ConfigurationNotFound", "configuration '" + id + "' was not found"};
  evaluate_all();
  return c;
}

Outcome<ConfigurationRecord> Deployments::get(const std::string& id) const {
  auto c = storage_.get_configuration(id);
  if (!c) return CloudError{404, "ConfigurationNotFound", fmt::format("configuration '{}' was not found", id)};
  return std::move(*c);
}

std::vector<ConfigurationRecord> Deployments::list(std::size_t top) const {
  auto all = storage_.list_configurations();
  if (all.size() > top) all.resize(top);
  return all;
}

Outcome<void> Deployments::remove(const std::string& id, const std::optional<std::string>& if_match) {
  auto c = get(id);
  if (!c) return c.error();
  if (if_match && unquote_etag(*if_match) != "*" && unquote_etag(*if_match) != c->etag)
    return precondition_failed(fmt::format("configuration '{}' has etag \"{}\", not {}", id, c->etag, *if_match));
  if (storage_.delete_configuration(id) != DbResult::ok)
    return CloudError{404, "ConfigurationNotFound", fmt::format("configuration '{}' was not found", id)};
  evaluate_all();
  return {};
}

json Deployments::document(const ConfigurationRecord& config) {
  json doc = configuration_json(config);
  std::int64_t targeted = 0, applied = 0, succeeded = 0, failed = 0;
  auto condition = query::parse_condition(config.target_condition);
  std::vector<json> device_docs;
  for (const auto& twin : storage_.list_twins(false)) {
    const auto device = storage_.get_device(twin.identity.device_id);
    if (!device) continue;
    device_docs.push_back(document_of_(twin, *device));
    if (!device->iot_edge) continue;
    if (condition && query::matches(condition->get(), device_docs.back())) ++targeted;
    const auto content = storage_.get_device_content(device->device_id);
    if (!content || std::find(content->configurations.begin(), content->configurations.end(), config.id) ==
                        content->configurations.end())
      continue;
    ++applied;
    // The agent reports how it took the desired properties it was given.
    const auto agent = storage_.get_twin({device->device_id, std::string(kEdgeAgent)});
    if (!agent) continue;
    const auto reported = agent->properties.reported();
    if (reported.value("lastDesiredVersion", std::int64_t{-1}) != agent->properties.desired_version()) continue;
    const auto status = reported.contains("lastDesiredStatus") && reported["lastDesiredStatus"].is_object()
                            ? reported["lastDesiredStatus"].value("code", 0)
                            : 0;
    if (status == 200) ++succeeded;
    else if (status != 0) ++failed;
  }
  doc["systemMetrics"] = {{"results",
                           {{"targetedCount", targeted},
                            {"appliedCount", applied},
                            {"reportedSuccessfulCount", succeeded},
                            {"reportedFailedCount", failed}}},
                          {"queries", json::object()}};
  json results = json::object();
  std::optional<std::vector<json>> module_docs;
  for (const auto& [name, text] : config.metric_queries.items()) {
    if (!text.is_string()) continue;
    const auto q = query::parse_query(text.get<std::string>());
    if (!q) continue;
    if (q->modules && !module_docs) {
      module_docs.emplace();
      for (const auto& twin : storage_.list_twins(true))
        if (const auto device = storage_.get_device(twin.identity.device_id)) {
          json d = document_of_(twin, *device);
          d["moduleId"] = *twin.identity.module_id;
          module_docs->push_back(std::move(d));
        }
    }
    results[name] = query::run(*q, q->modules ? *module_docs : device_docs).size();
  }
  doc["metrics"]["results"] = results;
  return doc;
}

Outcome<void> Deployments::apply_content(const std::string& device_id, const json& content) {
  const auto device = storage_.get_device(device_id);
  if (!device) return device_not_found(device_id);
  if (!device->iot_edge)
    return bad_request(fmt::format("device '{}' is not an edge device (capabilities.iotEdge is false)", device_id));
  if (!content.is_object() || !content.contains("modulesContent"))
    return bad_request("the body must be {\"modulesContent\": {...}}");
  auto parsed = parse_modules_content(content["modulesContent"]);
  if (!parsed) return bad_request(parsed.error());
  std::map<std::string, json> desired;
  apply_layer(desired, *parsed);
  auto record = storage_.get_device_content(device_id).value_or(DeviceContentRecord{});
  record.device_id = device_id;
  record.modules_content = json(desired);
  record.configurations.clear();
  storage_.put_device_content(record);
  apply(device_id, desired);
  return {};
}

void Deployments::apply(const std::string& device_id, const std::map<std::string, json>& desired) {
  for (const auto& [module, document] : desired) {
    const iothub::Identity identity{device_id, module};
    if (!storage_.get_twin(identity)) continue;  // applied when the module identity is created
    if (auto r = twins_.replace_desired(identity, document); !r)
      spdlog::warn("cloud: cannot apply the desired properties of '{}/{}': {}", device_id, module, r.error().message);
  }
}

void Deployments::evaluate_device(const std::string& device_id) {
  const auto device = storage_.get_device(device_id);
  const auto twin = storage_.get_twin({device_id, std::nullopt});
  if (device && twin) evaluate(*device, *twin);
}

void Deployments::evaluate_all() {
  for (const auto& twin : storage_.list_twins(false))
    if (const auto device = storage_.get_device(twin.identity.device_id); device && device->iot_edge)
      evaluate(*device, twin);
}

void Deployments::evaluate(const DeviceRecord& device, const TwinRecord& twin) {
  if (!device.iot_edge) return;
  const auto& configs = compiled();
  const json doc = document_of_(twin, device);
  const Compiled* base = nullptr;
  std::vector<const Compiled*> layers;
  for (const auto& c : configs) {
    if (!query::matches(c.condition.get(), doc)) continue;
    if (c.content.layered()) layers.push_back(&c);
    else if (!base || outranks(c.record, base->record)) base = &c;
  }
  std::map<std::string, json> desired;
  std::vector<std::string> ids;
  if (base) {
    desired = base->content.full;
    ids.push_back(base->record.id);
    std::sort(layers.begin(), layers.end(), [](const Compiled* a, const Compiled* b) { return outranks(b->record, a->record); });
    for (const auto* layer : layers) {
      if (layer->record.priority <= base->record.priority) continue;  // layers must outrank their base
      apply_layer(desired, layer->content);
      ids.push_back(layer->record.id);
    }
  }
  const std::string hash = base ? to_hex(sha256(json{{"ids", ids}, {"desired", desired}}.dump())) : std::string();
  auto record = storage_.get_device_content(device.device_id).value_or(DeviceContentRecord{});
  if (record.device_id == device.device_id && record.deployment_hash == hash) return;
  record.device_id = device.device_id;
  record.deployment_hash = hash;
  if (base) {
    spdlog::info("cloud: applying deployment{} {} to '{}'", ids.size() > 1 ? "s" : "", fmt::join(ids, ", "),
                 device.device_id);
    record.modules_content = json(desired);
    record.configurations = ids;
  }
  storage_.put_device_content(record);
  if (base) apply(device.device_id, desired);
}

void Deployments::module_created(const std::string& device_id, const std::string& module_id) {
  const auto content = storage_.get_device_content(device_id);
  if (!content || !content->modules_content.is_object() || !content->modules_content.contains(module_id)) return;
  const iothub::Identity identity{device_id, module_id};
  if (auto r = twins_.replace_desired(identity, content->modules_content[module_id]); !r)
    spdlog::warn("cloud: cannot apply the desired properties of '{}/{}': {}", device_id, module_id, r.error().message);
}

}  // namespace outpost::cloud
