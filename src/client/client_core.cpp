#include "client_core.h"

#include <fmt/format.h>

#include "message_codec.h"
#include "outpost/client/client_error.h"
#include "outpost/core/json.h"
#include "outpost/iothub/username.h"

namespace outpost::client::detail {
namespace {

constexpr std::string_view kClientType = "outpost-client/" OUTPOST_CLIENT_VERSION;
constexpr std::string_view kTwinResponses = "$iothub/twin/res/#";
constexpr std::string_view kTwinDesired = "$iothub/twin/PATCH/properties/desired/#";
constexpr std::string_view kMethods = "$iothub/methods/POST/#";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// The twin's error body ({"errorCode": …, "message": …}) in words, or the body itself.
std::string twin_error_message(const std::string& body) {
  auto parsed = parse_json(body);
  if (parsed && parsed->is_object()) {
    auto message = string_field(*parsed, "message");
    if (!message.empty()) return message;
  }
  return body.empty() ? "no detail" : body.substr(0, 300);
}

}  // namespace

std::string mqtt_username(const Credentials& credentials, const ClientOptions& options) {
  std::string client_type(kClientType);
  if (!options.productInfo.empty()) client_type += " " + options.productInfo;
  return iothub::format_mqtt_username(
      credentials.iothub_host, {credentials.device_id, credentials.module_id.empty() ? std::nullopt : std::optional(credentials.module_id)},
      iothub::kApiVersion, std::nullopt, std::string_view(client_type));
}

namespace {
constexpr std::size_t kArrivalsHigh = 1000;
constexpr std::size_t kArrivalsLow = 100;
}  // namespace

ClientCore::ClientCore(Credentials credentials, ClientOptions options)
    : credentials_(std::move(credentials)), options_(std::move(options)), callbacks_(std::make_unique<CallbackThread>()) {
  connection_ = std::make_unique<Connection>(credentials_, options_, mqtt_username(credentials_, options_), *callbacks_,
                                             [this](std::string topic, std::string payload) {
                                               inbound(std::move(topic), std::move(payload));
                                             });
  connection_->on_connected([this] { resend_twin_requests(); });
  // Arrivals wait for their handlers in a bounded queue: past kArrivalsHigh the connection
  // holds back its acknowledgements, so the hub stops delivering at its QoS 1 window and keeps
  // the rest; they go out once the handlers are down to kArrivalsLow.
  callbacks_->set_limits(kArrivalsHigh, kArrivalsLow, [this] { connection_->hold_acknowledgements(); },
                         [this] { connection_->release_acknowledgements(); });
}

ClientCore::~ClientCore() {
  connection_->close();  // no more arrivals, no more status reports
  callbacks_.reset();    // runs what was posted
  connection_.reset();
}

std::future<void> ClientCore::send(Message message, const std::string& output_name) {
  check_message_size(message, output_name);
  auto topic = telemetry_topic(credentials_.device_id, credentials_.module_id, message, output_name);
  return connection_->publish(std::move(topic), std::move(message.body));
}

void ClientCore::on_input(const std::string& input_name, std::function<void(const Message&)> handler) {
  if (input_name.empty() || input_name.find_first_of("/#+") != std::string::npos)
    throw ClientError(ErrorCode::invalid_argument, fmt::format("'{}' is not an input name", input_name));
  {
    std::lock_guard lock(mutex_);
    input_handlers_[input_name] = std::move(handler);
  }
  connection_->subscribe(fmt::format("devices/{}/modules/{}/inputs/#", credentials_.device_id, credentials_.module_id), 1);
}

void ClientCore::on_c2d(std::function<void(const Message&)> handler) {
  {
    std::lock_guard lock(mutex_);
    c2d_handler_ = std::move(handler);
  }
  connection_->subscribe(fmt::format("devices/{}/messages/devicebound/#", credentials_.device_id), 1);
}

void ClientCore::on_desired(std::function<void(const std::string&)> handler) {
  {
    std::lock_guard lock(mutex_);
    desired_handler_ = std::move(handler);
  }
  connection_->subscribe(std::string(kTwinDesired), 0);
}

void ClientCore::on_method(const std::string& name, MethodHandler handler) {
  {
    std::lock_guard lock(mutex_);
    method_handlers_[name] = std::move(handler);
  }
  connection_->subscribe(std::string(kMethods), 0);
}

// ---- the twin ----

std::string ClientCore::get_twin() {
  auto reply = twin_request("$iothub/twin/GET/", " ");
  if (reply.status != 200)
    throw ClientError(ErrorCode::rejected, fmt::format("getting the twin: {} {}", reply.status, twin_error_message(reply.body)),
                      reply.status);
  return reply.body;
}

void ClientCore::update_reported(const std::string& patch_json) {
  auto parsed = parse_json(patch_json);
  if (!parsed || !parsed->is_object())
    throw ClientError(ErrorCode::invalid_argument, "a reported-properties patch must be a JSON object");
  auto reply = twin_request("$iothub/twin/PATCH/properties/reported/", patch_json);
  if (reply.status < 200 || reply.status >= 300)
    throw ClientError(ErrorCode::rejected,
                      fmt::format("the hub refused the reported properties: {} {}", reply.status, twin_error_message(reply.body)),
                      reply.status);
}

ClientCore::TwinReply ClientCore::twin_request(const std::string& topic_prefix, const std::string& body) {
  if (!connection_->is_open()) throw ClientError(ErrorCode::not_connected, "the client is not open (call open() first)");
  const auto deadline = std::chrono::steady_clock::now() + options_.operationTimeout;
  connection_->subscribe(std::string(kTwinResponses), 0);
  std::string rid;
  std::future<TwinReply> reply;
  std::string topic;
  {
    std::lock_guard lock(mutex_);
    rid = std::to_string(next_rid_++);
    topic = topic_prefix + "?$rid=" + rid;
    auto& pending = twin_requests_[rid];
    pending.topic = topic;
    pending.body = body;
    reply = pending.reply.get_future();
  }
  // QoS 0, as the SDKs send it; if the connection breaks first, on_connected sends it again.
  if (connection_->wait_connected(deadline)) connection_->publish_now(topic, body);
  if (reply.wait_until(deadline) != std::future_status::ready) {
    std::lock_guard lock(mutex_);
    twin_requests_.erase(rid);
    throw ClientError(connection_->is_open() ? ErrorCode::timeout : ErrorCode::not_connected,
                      fmt::format("no twin response within {} ms", options_.operationTimeout.count()));
  }
  return reply.get();
}

void ClientCore::resend_twin_requests() {
  std::vector<std::pair<std::string, std::string>> again;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [rid, pending] : twin_requests_) again.emplace_back(pending.topic, pending.body);
  }
  for (const auto& [topic, body] : again) connection_->publish_now(topic, body);
}

void ClientCore::on_twin_reply(const std::string& topic, std::string payload) {
  const auto response = parse_twin_response(topic);
  if (!response) return;
  std::lock_guard lock(mutex_);
  auto found = twin_requests_.find(response->rid);
  if (found == twin_requests_.end()) return;  // answered already, or given up on
  found->second.reply.set_value({response->status, std::move(payload)});
  twin_requests_.erase(found);
}

// ---- arrivals (the link's I/O thread: route, never block) ----

void ClientCore::inbound(std::string topic, std::string payload) {
  if (starts_with(topic, "$iothub/twin/res/")) {
    on_twin_reply(topic, std::move(payload));
    return;
  }
  if (starts_with(topic, "$iothub/twin/PATCH/properties/desired")) {
    callbacks_->post([this, payload = std::move(payload)] {
      std::function<void(const std::string&)> handler;
      {
        std::lock_guard lock(mutex_);
        handler = desired_handler_;
      }
      if (handler) handler(payload);
    });
    return;
  }
  if (starts_with(topic, "$iothub/methods/POST/")) {
    auto request = parse_method_request(topic);
    if (!request) return;
    callbacks_->post([this, request = std::move(*request), payload = std::move(payload)] {
      run_method(request.name, request.rid, payload);
    });
    return;
  }
  auto message = parse_inbound_message(topic, std::move(payload));
  if (!message) return;
  callbacks_->post([this, message = std::move(*message)] {
    std::function<void(const Message&)> handler;
    {
      std::lock_guard lock(mutex_);
      if (message.kind == InboundMessage::Kind::c2d) {
        handler = c2d_handler_;
      } else if (auto found = input_handlers_.find(message.input_name); found != input_handlers_.end()) {
        handler = found->second;
      }
    }
    if (handler) handler(message.message);
  });
}

void ClientCore::run_method(const std::string& name, const std::string& rid, const std::string& payload) {
  MethodHandler handler;
  {
    std::lock_guard lock(mutex_);
    if (auto found = method_handlers_.find(name); found != method_handlers_.end()) handler = found->second;
  }
  MethodResult result;
  if (!handler) {
    result = {404, fmt::format(R"({{"message":"no handler for method '{}'"}})", name)};
  } else {
    try {
      result = handler(payload.empty() ? std::string("null") : payload);
      if (result.payload.empty()) result.payload = "null";
    } catch (const std::exception& e) {
      result = {500, nlohmann::json{{"message", e.what()}}.dump()};
    }
  }
  connection_->publish_now(fmt::format("$iothub/methods/res/{}/?$rid={}", result.status, rid), result.payload);
}

}  // namespace outpost::client::detail
