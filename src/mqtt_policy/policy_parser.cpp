// AuthorizationPolicy::parse: the JSON list into statements, every fault named by its path.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "outpost/mqtt_codec/topic.h"
#include "outpost/mqtt_policy/authorization_policy.h"
#include "policy_variables.h"

namespace outpost::mqtt_policy {
namespace {

// Bounds on what one policy may hold: a twin or hub.yaml, not a client, writes it, but a
// mistake (a generated list) should be an error, not a hub that slows to a crawl.
constexpr std::size_t kMaxStatements = 1000;
constexpr std::size_t kMaxListItems = 1000;

std::string show(const nlohmann::json& value) {
  auto text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

Result<const nlohmann::json*> array_at(const nlohmann::json& object, const char* key, const std::string& path,
                                       bool required) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) return make_error(fmt::format("{}.{}: missing", path, key));
    return static_cast<const nlohmann::json*>(nullptr);
  }
  if (!it->is_array()) return make_error(fmt::format("{}.{}: must be a list, got {}", path, key, show(*it)));
  if (it->size() > kMaxListItems)
    return make_error(fmt::format("{}.{}: {} entries, more than the {} a list may hold", path, key, it->size(),
                                  kMaxListItems));
  return &*it;
}

Status expect_keys(const nlohmann::json& object, std::initializer_list<std::string_view> allowed,
                   const std::string& path) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (const auto k : allowed) known = known || item.key() == k;
    if (!known) {
      std::string list;
      for (const auto k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      return make_error(fmt::format("{}: unknown key '{}' (expected {})", path, item.key(), list));
    }
  }
  return {};
}

Result<std::uint8_t> parse_operation(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) {
    const auto& name = value.get_ref<const std::string&>();
    if (name == "mqtt:connect") return static_cast<std::uint8_t>(Operation::connect);
    if (name == "mqtt:publish") return static_cast<std::uint8_t>(Operation::publish);
    if (name == "mqtt:subscribe") return static_cast<std::uint8_t>(Operation::subscribe);
  }
  return make_error(fmt::format("{}: {} is not an operation (mqtt:connect, mqtt:publish, mqtt:subscribe)", path,
                                show(value)));
}

Status check_resource(const nlohmann::json& value, const std::string& path) {
  if (!value.is_string() || value.get_ref<const std::string&>().empty())
    return make_error(fmt::format("{}: must be a topic filter, got {}", path, show(value)));
  const auto& text = value.get_ref<const std::string&>();
  if (auto ok = check_variables(text); !ok) return make_error(fmt::format("{}: {}", path, ok.error()));
  const auto shape = substitute(text, nullptr, "", false);
  if (auto ok = mqtt::validate_topic_filter(*shape); !ok)
    return make_error(fmt::format("{}: '{}': {}", path, text, ok.error()));
  if (text.starts_with("devices/") || text.starts_with("$iothub/"))
    return make_error(fmt::format("{}: '{}' is an IoT Hub topic: those follow each identity's own scope, not "
                                  "policies (docs/HUB.md)", path, text));
  return {};
}

Result<Rule> parse_rule(const nlohmann::json& value, bool allow, const std::string& path) {
  if (!value.is_object())
    return make_error(fmt::format("{}: must be an object {{\"operations\", \"resources\"}}, got {}", path, show(value)));
  if (auto ok = expect_keys(value, {"operations", "resources"}, path); !ok) return Error{ok.error()};
  Rule rule;
  rule.allow = allow;
  rule.origin = path;
  const auto operations = array_at(value, "operations", path, true);
  if (!operations) return Error{operations.error()};
  if ((*operations)->empty()) return make_error(fmt::format("{}.operations: must name at least one operation", path));
  for (std::size_t i = 0; i < (*operations)->size(); ++i) {
    const auto op = parse_operation((**operations)[i], fmt::format("{}.operations[{}]", path, i));
    if (!op) return Error{op.error()};
    rule.operations |= *op;
  }
  const auto resources = array_at(value, "resources", path, false);
  if (!resources) return Error{resources.error()};
  if (*resources != nullptr) {
    if ((*resources)->empty())
      return make_error(fmt::format("{}.resources: empty (leave it out to mean every topic)", path));
    for (std::size_t i = 0; i < (*resources)->size(); ++i) {
      const auto& r = (**resources)[i];
      if (auto ok = check_resource(r, fmt::format("{}.resources[{}]", path, i)); !ok) return Error{ok.error()};
      rule.resources.push_back(r.get<std::string>());
    }
  }
  return rule;
}

Result<Statement> parse_statement(const nlohmann::json& value, const std::string& path) {
  if (!value.is_object())
    return make_error(fmt::format("{}: must be an object {{\"identities\", \"allow\", \"deny\"}}, got {}", path,
                                  show(value)));
  if (auto ok = expect_keys(value, {"identities", "allow", "deny"}, path); !ok) return Error{ok.error()};
  Statement statement;
  const auto identities = array_at(value, "identities", path, true);
  if (!identities) return Error{identities.error()};
  if ((*identities)->empty()) return make_error(fmt::format("{}.identities: must name at least one identity", path));
  for (std::size_t i = 0; i < (*identities)->size(); ++i) {
    const auto& id = (**identities)[i];
    const auto id_path = fmt::format("{}.identities[{}]", path, i);
    if (!id.is_string() || id.get_ref<const std::string&>().empty())
      return make_error(fmt::format("{}: must be an identity (\"{{hostname}}/{{device}}[/{{module}}]\", a user "
                                    "name, \"$anonymous\" or \"{{{{iot:identity}}}}\"), got {}", id_path, show(id)));
    if (auto ok = check_variables(id.get_ref<const std::string&>()); !ok)
      return make_error(fmt::format("{}: {}", id_path, ok.error()));
    statement.identities.push_back(id.get<std::string>());
  }
  for (const bool allow : {true, false}) {
    const char* key = allow ? "allow" : "deny";
    const auto rules = array_at(value, key, path, false);
    if (!rules) return Error{rules.error()};
    if (*rules == nullptr) continue;
    for (std::size_t i = 0; i < (*rules)->size(); ++i) {
      auto rule = parse_rule((**rules)[i], allow, fmt::format("{}.{}[{}]", path, key, i));
      if (!rule) return Error{rule.error()};
      statement.rules.push_back(std::move(*rule));
    }
  }
  if (statement.rules.empty()) return make_error(fmt::format("{}: needs an \"allow\" or a \"deny\" rule", path));
  return statement;
}

}  // namespace

Result<AuthorizationPolicy> AuthorizationPolicy::parse(const nlohmann::json& list, std::string_view path) {
  if (!list.is_array())
    return make_error(fmt::format("{}: must be a list of statements {{\"identities\", \"allow\", \"deny\"}}, got {}",
                                  path, show(list)));
  if (list.size() > kMaxStatements)
    return make_error(fmt::format("{}: {} statements, more than the {} a policy may hold", path, list.size(),
                                  kMaxStatements));
  auto statements = std::make_shared<std::vector<Statement>>();
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto statement = parse_statement(list[i], fmt::format("{}[{}]", path, i));
    if (!statement) return Error{statement.error()};
    statements->push_back(std::move(*statement));
  }
  AuthorizationPolicy policy;
  policy.statements_ = std::move(statements);
  return policy;
}

}  // namespace outpost::mqtt_policy
