// Resolving a policy for one client and deciding its requests (authorization_policy.h).
#include "outpost/mqtt_policy/authorization_policy.h"

#include "outpost/mqtt_codec/topic.h"
#include "policy_variables.h"

namespace outpost::mqtt_policy {
namespace {

bool names(const Statement& statement, const Requester& who, std::string_view this_device_id) {
  for (const auto& pattern : statement.identities) {
    const auto identity = substitute(pattern, &who, this_device_id, false);
    if (identity && *identity == who.identity) return true;
  }
  return false;
}

}  // namespace

AuthorizationPolicy::AuthorizationPolicy() : statements_(std::make_shared<const std::vector<Statement>>()) {}

AuthorizationPolicy AuthorizationPolicy::combine(const AuthorizationPolicy& a, const AuthorizationPolicy& b) {
  auto statements = std::make_shared<std::vector<Statement>>(*a.statements_);
  statements->insert(statements->end(), b.statements_->begin(), b.statements_->end());
  AuthorizationPolicy combined;
  combined.statements_ = std::move(statements);
  return combined;
}

ClientGrants AuthorizationPolicy::for_client(const Requester& who, std::string_view this_device_id) const {
  ClientGrants grants;
  for (const auto& statement : *statements_) {
    if (!names(statement, who, this_device_id)) continue;
    for (const auto& rule : statement.rules) {
      if (rule.resources.empty()) {
        grants.grants_.push_back({rule.allow, rule.operations, std::nullopt, rule.origin});
        continue;
      }
      for (const auto& resource : rule.resources) {
        // A value with a wildcard in it would widen the resource: it then matches nothing.
        if (auto filter = substitute(resource, &who, this_device_id, true))
          grants.grants_.push_back({rule.allow, rule.operations, std::move(*filter), rule.origin});
      }
    }
  }
  return grants;
}

template <typename Applies>
Decision ClientGrants::decide(Operation operation, const Applies& applies) const {
  Decision decision;
  for (const auto& g : grants_) {
    if ((g.operations & static_cast<std::uint8_t>(operation)) == 0 || !applies(g)) continue;
    if (!g.allow) return {Effect::denied, g.origin};  // deny wins
    if (decision.effect == Effect::not_covered) decision = {Effect::allowed, g.origin};
  }
  return decision;
}

Decision ClientGrants::connect() const {
  return decide(Operation::connect, [](const Grant&) { return true; });
}

Decision ClientGrants::publish(std::string_view topic) const {
  return decide(Operation::publish, [&](const Grant& g) { return !g.filter || mqtt::topic_matches(*g.filter, topic); });
}

Decision ClientGrants::subscribe(std::string_view filter) const {
  // Denied when it could deliver any denied topic; allowed only when everything it could
  // deliver is allowed.
  return decide(Operation::subscribe, [&](const Grant& g) {
    if (!g.filter) return true;
    return g.allow ? mqtt::filter_covers(*g.filter, filter) : mqtt::filters_overlap(*g.filter, filter);
  });
}

}  // namespace outpost::mqtt_policy
