#include "policy_variables.h"

#include <array>
#include <utility>

#include <fmt/format.h>

namespace outpost::mqtt_policy {
namespace {

enum class Variable { identity, device_id, module_id, client_id, this_device_id };

constexpr std::array<std::pair<std::string_view, Variable>, 5> kVariables{{
    {"{{iot:identity}}", Variable::identity},
    {"{{iot:device_id}}", Variable::device_id},
    {"{{iot:module_id}}", Variable::module_id},
    {"{{iot:client_id}}", Variable::client_id},
    {"{{iot:this_device_id}}", Variable::this_device_id},
}};

// The variable at the start of `text`, if one is.
const std::pair<std::string_view, Variable>* variable_at(std::string_view text) {
  for (const auto& v : kVariables)
    if (text.starts_with(v.first)) return &v;
  return nullptr;
}

std::string_view value_of(Variable v, const Requester& who, std::string_view this_device_id) {
  switch (v) {
    case Variable::identity: return who.identity;
    case Variable::device_id: return who.device_id;
    case Variable::module_id: return who.module_id;
    case Variable::client_id: return who.client_id;
    case Variable::this_device_id: return this_device_id;
  }
  return {};
}

}  // namespace

Status check_variables(std::string_view text) {
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at)) {
    const auto* v = variable_at(text.substr(at));
    if (v == nullptr) {
      const auto end = text.find("}}", at);
      const auto shown = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end + 2 - at);
      return make_error(fmt::format("unknown variable '{}' (known: {{{{iot:identity}}}}, {{{{iot:device_id}}}}, "
                                    "{{{{iot:module_id}}}}, {{{{iot:client_id}}}}, {{{{iot:this_device_id}}}})",
                                    shown));
    }
    at += v->first.size();
  }
  return {};
}

std::optional<std::string> substitute(std::string_view text, const Requester* who, std::string_view this_device_id,
                                      bool wildcard_free) {
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", from)) {
    const auto* v = variable_at(text.substr(at));
    if (v == nullptr) break;  // checked at parse time; kept as written
    out.append(text.substr(from, at - from));
    const auto value = who != nullptr ? value_of(v->second, *who, this_device_id) : std::string_view("v");
    if (wildcard_free && value.find_first_of("+#") != std::string_view::npos) return std::nullopt;
    out.append(value);
    from = at + v->first.size();
  }
  out.append(text.substr(from));
  return out;
}

}  // namespace outpost::mqtt_policy
