#include "cloud_api.h"

#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

#include "device_config.h"
#include "outpost/core/clock.h"
#include "outpost/core/config.h"
#include "outpost/core/connection_string.h"
#include "outpost/core/json.h"
#include "outpost/core/sas_token.h"
#include "outpost/http_client/http_client.h"

namespace outpost::cli {

CloudApi::CloudApi(const Options& opts) {
  auto text = opts.get("connection-string");
  if (!text) text = env_var("OUTPOST_CLOUD_CONNECTION_STRING");
  if (!text) throw UsageError("--connection-string (or OUTPOST_CLOUD_CONNECTION_STRING) is required: a service policy's, e.g. iothubowner");
  auto cs = parse_connection_string(*text);
  if (!cs) throw UsageError(cs.error());
  if (!cs->shared_access_key || !cs->shared_access_key_name)
    throw UsageError("the connection string needs SharedAccessKeyName and SharedAccessKey (a service policy)");
  host_ = cs->host_name;
  key_name_ = *cs->shared_access_key_name;
  key_ = *cs->shared_access_key;
  base_ = opts.get("url").value_or("https://" + host_);
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  ca_file_ = opts.get("ca-file").value_or("");
}

CloudReply CloudApi::call(std::string_view method, const std::string& path, const nlohmann::json& body,
                          const std::string& if_match) const {
  net::Headers headers{{"Authorization", token()}};
  if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
  if (!if_match.empty()) headers.emplace_back("If-Match", if_match);
  net::HttpClientOptions http;
  http.ca_file = ca_file_;
  http.timeout = std::chrono::seconds(60);
  const auto separator = path.find('?') == std::string::npos ? "?" : "&";
  auto reply = net::http_request(method, base_ + path + separator + "api-version=2021-04-12", headers,
                                 body.is_null() ? std::string() : body.dump(), http);
  if (!reply) throw std::runtime_error(reply.error());
  CloudReply out{reply->status, nullptr};
  if (!reply->body.empty()) {
    auto parsed = parse_json(reply->body);
    out.body = parsed ? std::move(*parsed) : nlohmann::json(reply->body);
  }
  if (reply->status >= 300) {
    const auto message = out.body.is_object() ? string_field(out.body, "Message", string_field(out.body, "message"))
                                              : reply->body.substr(0, 300);
    throw std::runtime_error(fmt::format("HTTP {}: {}", reply->status, message));
  }
  return out;
}

std::string CloudApi::token(std::chrono::seconds lifetime) const {
  auto token = build_sas_token(host_, key_, SystemClock::instance().unix_seconds() + lifetime.count(),
                               std::string_view(key_name_));
  if (!token) throw UsageError(token.error());
  return *token;
}

SplitArguments split_arguments(const std::vector<std::string>& args, const std::set<std::string>& flags) {
  SplitArguments out;
  const auto expanded = expand_short_options(args);  // "-o json" is "--output json"
  for (std::size_t i = 0; i < expanded.size(); ++i) {
    const auto& arg = expanded[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {  // a lone "-" (invoke's "no module") too
      out.positional.push_back(arg);
      continue;
    }
    out.options.push_back(arg);
    const auto name = arg.substr(2);
    if (name.find('=') == std::string::npos && !flags.count(name) && i + 1 < expanded.size()) out.options.push_back(expanded[++i]);
  }
  return out;
}

CloudCommandLine parse_cloud_command(const std::vector<std::string>& args, const std::set<std::string>& valued,
                                     std::set<std::string> flags) {
  flags.insert("help");
  auto split = split_arguments(args, flags);
  auto all_valued = kCloudOptions;
  all_valued.insert(valued.begin(), valued.end());
  return {std::move(split.positional), Options(split.options, all_valued, flags)};
}

void print_json(const nlohmann::json& value) { std::cout << value.dump(2) << "\n"; }

}  // namespace outpost::cli
