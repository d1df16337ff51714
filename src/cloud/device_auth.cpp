#include "device_auth.h"

#include <fmt/format.h>

#include "certificate_auth.h"
#include "ids.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"

namespace outpost::cloud {

namespace {

using mqtt::ConnectReturnCode;

DeviceAuthDecision refuse(ConnectReturnCode code, std::string reason) {
  DeviceAuthDecision d;
  d.code = code;
  d.reason = std::move(reason);
  return d;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(sep, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

// The keys an identity signs with, or the reason it cannot connect with a SAS token.
std::optional<std::string> identity_keys(const iothub::Identity& identity, const IdentityLookup& lookup,
                                         SasKeys& keys) {
  const auto registered = registered_authentication(identity, lookup);
  if (!registered.authentication) return registered.refusal;
  const Authentication* auth = &*registered.authentication;
  if (auth->type != AuthType::sas || auth->keys.primary.empty())
    return fmt::format("'{}' does not use SAS keys (authentication type {})", identity.id(), auth_type_name(auth->type));
  keys = {auth->keys.primary, auth->keys.secondary};
  return std::nullopt;
}

}  // namespace

IdentityAuthentication registered_authentication(const iothub::Identity& identity, const IdentityLookup& lookup) {
  const auto device = lookup.device(identity.device_id);
  if (!device) return {std::nullopt, fmt::format("device '{}' is not registered", identity.device_id)};
  if (!device->enabled) return {std::nullopt, fmt::format("device '{}' is disabled", identity.device_id)};
  if (!identity.module_id) return {device->authentication, {}};
  const auto module = lookup.module(identity.device_id, *identity.module_id);
  if (!module) return {std::nullopt, fmt::format("module '{}' is not registered", identity.id())};
  return {module->authentication, {}};
}

std::optional<std::string> verify_edge_hub_token(const std::string& token, const std::string& edge_device_id,
                                                 const std::string& hostname, const IdentityLookup& lookup,
                                                 std::int64_t now) {
  const iothub::Identity edge_hub{edge_device_id, std::string(kEdgeHub)};
  SasKeys keys;
  if (auto refused = identity_keys(edge_hub, lookup, keys)) return refused;
  const auto device = lookup.device(edge_device_id);
  if (!device->iot_edge) return fmt::format("device '{}' is not an edge device", edge_device_id);
  const SasAudience audience{{hostname}, edge_device_id, std::string(kEdgeHub)};
  const auto verdict = verify_sas_token(token, keys, &audience, now);
  if (!verdict.ok()) return fmt::format("the token of '{}/$edgeHub' does not verify: {}", edge_device_id, verdict.detail);
  return std::nullopt;
}

std::optional<std::string> verify_edge_device_token(const std::string& token, const std::string& edge_device_id,
                                                    const std::string& hostname, const IdentityLookup& lookup,
                                                    std::int64_t now) {
  const iothub::Identity edge{edge_device_id, std::nullopt};
  SasKeys keys;
  if (auto refused = identity_keys(edge, lookup, keys)) return refused;
  if (!lookup.device(edge_device_id)->iot_edge) return fmt::format("device '{}' is not an edge device", edge_device_id);
  const SasAudience audience{{hostname}, edge_device_id, std::nullopt};
  const auto verdict = verify_sas_token(token, keys, &audience, now);
  if (!verdict.ok()) return fmt::format("the token of edge device '{}' does not verify: {}", edge_device_id, verdict.detail);
  return std::nullopt;
}

ChainCheck check_auth_chain(const std::string& chain, const iothub::Identity& target, const IdentityLookup& lookup) {
  const auto links = split(chain, ';');
  if (links.size() < 2) return {std::nullopt, "auth-chain must name the target and at least one edge device"};
  for (const auto& l : links)
    if (l.empty()) return {std::nullopt, "auth-chain has an empty element"};
  if (links.front() != target.id())
    return {std::nullopt, fmt::format("auth-chain starts with '{}', not the connecting identity '{}'", links.front(),
                                      target.id())};
  for (std::size_t i = 1; i < links.size(); ++i) {
    if (links[i].find('/') != std::string::npos)
      return {std::nullopt, fmt::format("auth-chain element '{}' must be an edge device id", links[i])};
    const auto edge = lookup.device(links[i]);
    if (!edge) return {std::nullopt, fmt::format("auth-chain names '{}', which is not registered", links[i])};
    if (!edge->iot_edge) return {std::nullopt, fmt::format("auth-chain names '{}', which is not an edge device", links[i])};
    if (!edge->enabled) return {std::nullopt, fmt::format("edge device '{}' is disabled", links[i])};
  }
  const auto device = lookup.device(target.device_id);
  if (!device) return {std::nullopt, fmt::format("device '{}' is not registered", target.device_id)};
  if (!device->enabled) return {std::nullopt, fmt::format("device '{}' is disabled", target.device_id)};
  if (target.module_id && !lookup.module(target.device_id, *target.module_id))
    return {std::nullopt, fmt::format("module '{}' is not registered", target.id())};
  // The first edge either is the target's own device (a module of the edge) or its parent.
  std::size_t i = 1;
  if (target.device_id == links[1]) {
    if (!target.module_id)
      return {std::nullopt, fmt::format("'{}' cannot act on behalf of itself as a device", links[1])};
  } else if (target.module_id) {
    // A module talks to its own edge's hub only; that edge must come first in the chain.
    return {std::nullopt, fmt::format("module '{}' must be reached through its own edge device '{}' first",
                                      target.id(), target.device_id)};
  } else {
    const auto parent = lookup.parent_of(*device);
    if (!parent || *parent != links[1])
      return {std::nullopt, fmt::format("'{}' is not in the scope of edge device '{}'", target.device_id, links[1])};
  }
  for (; i + 1 < links.size(); ++i) {
    const auto child = lookup.device(links[i]);
    const auto parent = lookup.parent_of(*child);
    if (!parent || *parent != links[i + 1])
      return {std::nullopt, fmt::format("edge device '{}' is not a child of '{}'", links[i], links[i + 1])};
  }
  return {links.back(), {}};
}

DeviceAuthDecision authenticate_device(const mqtt::ConnectPacket& connect, const std::string& hostname,
                                       const IdentityLookup& lookup, std::int64_t now, PresentedCertificate x509) {
  if (!connect.username) return refuse(ConnectReturnCode::bad_username_or_password, "no user name");
  const auto username = iothub::parse_mqtt_username(*connect.username);
  if (!username) return refuse(ConnectReturnCode::bad_username_or_password, "user name: " + username.error());
  if (!iothub::host_accepted(username->host, {hostname}))
    return refuse(ConnectReturnCode::not_authorized,
                  fmt::format("the user name names host '{}', not this hub ('{}')", username->host, hostname));
  const auto& identity = username->identity;
  if (connect.client_id != identity.id())
    return refuse(ConnectReturnCode::identifier_rejected,
                  fmt::format("client id '{}' does not match the user name's identity '{}'", connect.client_id,
                              identity.id()));
  if (!connect.password || connect.password->empty()) {
    if (!x509.certificate)
      return refuse(ConnectReturnCode::bad_username_or_password, "no password (a SAS token) and no client certificate");
    if (username->auth_chain && !username->auth_chain->empty())
      return refuse(ConnectReturnCode::not_authorized, "on-behalf-of connections authenticate with a SAS token");
    static const std::string kNoCas;
    if (auto refused = verify_client_certificate(*x509.certificate, identity, lookup,
                                                 x509.device_ca_pem ? *x509.device_ca_pem : kNoCas, now))
      return refuse(ConnectReturnCode::not_authorized, "X.509: " + *refused);
    DeviceAuthDecision decision;
    decision.identity = identity;
    decision.code = ConnectReturnCode::accepted;
    return decision;
  }
  const std::string& token = *connect.password;

  DeviceAuthDecision decision;
  decision.identity = identity;
  if (username->auth_chain && !username->auth_chain->empty()) {
    auto chain = check_auth_chain(*username->auth_chain, identity, lookup);
    if (!chain.acting_edge) return refuse(ConnectReturnCode::not_authorized, "on-behalf-of: " + chain.reason);
    if (auto refused = verify_edge_hub_token(token, *chain.acting_edge, hostname, lookup, now))
      return refuse(ConnectReturnCode::not_authorized, "on-behalf-of: " + *refused);
    decision.acting_edge = chain.acting_edge;
    decision.code = ConnectReturnCode::accepted;
    return decision;
  }

  const auto parsed = parse_sas_token(token);
  if (!parsed) return refuse(ConnectReturnCode::bad_username_or_password, "password: " + parsed.error());
  const SasAudience audience{{hostname}, identity.device_id, identity.module_id};
  if (parsed->key_name) {
    // A policy token: the policy must grant DeviceConnect; the audience still names the identity.
    const auto policy = lookup.policy(*parsed->key_name);
    if (!policy) return refuse(ConnectReturnCode::not_authorized, fmt::format("unknown policy '{}'", *parsed->key_name));
    if (!(policy->rights & rights::kDeviceConnect))
      return refuse(ConnectReturnCode::not_authorized,
                    fmt::format("policy '{}' does not grant DeviceConnect", *parsed->key_name));
    const auto device = lookup.device(identity.device_id);
    if (!device) return refuse(ConnectReturnCode::not_authorized, fmt::format("device '{}' is not registered", identity.device_id));
    if (!device->enabled) return refuse(ConnectReturnCode::not_authorized, fmt::format("device '{}' is disabled", identity.device_id));
    if (identity.module_id && !lookup.module(identity.device_id, *identity.module_id))
      return refuse(ConnectReturnCode::not_authorized, fmt::format("module '{}' is not registered", identity.id()));
    const auto verdict = verify_sas_token(*parsed, {policy->keys.primary, policy->keys.secondary}, &audience, now);
    if (!verdict.ok()) return refuse(ConnectReturnCode::not_authorized, verdict.detail);
    decision.code = ConnectReturnCode::accepted;
    return decision;
  }
  SasKeys keys;
  if (auto refused = identity_keys(identity, lookup, keys)) return refuse(ConnectReturnCode::not_authorized, *refused);
  const auto verdict = verify_sas_token(*parsed, keys, &audience, now);
  if (!verdict.ok()) return refuse(ConnectReturnCode::not_authorized, verdict.detail);
  decision.code = ConnectReturnCode::accepted;
  return decision;
}

}  // namespace outpost::cloud
