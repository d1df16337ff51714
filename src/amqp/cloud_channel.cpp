#include "cloud_channel.h"

#include <algorithm>
#include <cstring>

#include <proton/annotation_key.hpp>
#include <proton/binary.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/source.hpp>
#include <proton/source_options.hpp>
#include <proton/target.hpp>
#include <proton/target_options.hpp>
#include <spdlog/spdlog.h>

#include "cloud_connection.h"
#include "message_mapping.h"
#include "proton_handles.h"
#include "outpost/core/encoding.h"
#include "outpost/core/property_bag.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/topics.h"
#include "outpost/iothub/username.h"

namespace outpost::amqp {
namespace {

constexpr std::string_view kDesiredPatches = "$iothub/twin/PATCH/properties/desired/#";
constexpr const char* kDesiredResource = "/notifications/twin/properties/desired";
constexpr int kReceiverCredit = 100;
constexpr auto kRetryMin = std::chrono::milliseconds(100);
constexpr auto kRetryMax = std::chrono::milliseconds(30000);

std::optional<std::int64_t> annotation_integer(const proton::message& m, const char* key) {
  const auto& annotations = m.message_annotations();
  if (!annotations.exists(proton::annotation_key(key))) return std::nullopt;
  try {
    return proton::coerce<std::int64_t>(annotations.get(proton::annotation_key(key)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}



}  // namespace

ChannelLinks::ChannelLinks(std::shared_ptr<CloudClient::Impl> client, iothub::Identity identity,
                           std::optional<std::string> auth_chain, std::function<std::string()> token,
                           Callbacks callbacks)
    : client_(std::move(client)),
      identity_(std::move(identity)),
      auth_chain_(std::move(auth_chain)),
      token_(std::move(token)),
      callbacks_(std::move(callbacks)) {}

ChannelLinks::~ChannelLinks() {
  pending_.clear();  // nobody to tell: its owner is going (what was in flight is sent again later)
  if (session_ && client_->connected() && session_.active()) session_.close();  // the cloud sees it leave
  release_links();
  if (started_) client_->remove(*this);
}

void ChannelLinks::forget() {
  ++attempt_;
  pending_.clear();
  connected_ = false;
  release_links();
}

void ChannelLinks::release_links() {
  session_ = proton::session();
  events_.reset();
  twin_out_.reset();
  twin_in_.reset();
  methods_out_.reset();
  methods_in_.reset();
  c2d_in_.reset();
  desired_enabled_ = false;
}

void ChannelLinks::start() {
  if (started_) return;
  started_ = true;
  client_->add(*this);
}

std::string ChannelLinks::address(const char* path) const {
  std::string a = "/devices/" + identity_.device_id;
  if (identity_.module_id) a += "/modules/" + *identity_.module_id;
  return a + path;
}

std::map<proton::symbol, proton::value> ChannelLinks::link_properties(const std::string& channel) const {
  std::map<proton::symbol, proton::value> properties;
  properties[proton::symbol("com.microsoft:api-version")] = std::string(iothub::kApiVersion);
  if (auth_chain_) properties[proton::symbol("com.microsoft:auth-chain")] = *auth_chain_;
  if (!channel.empty()) properties[proton::symbol("com.microsoft:channel-correlation-id")] = channel;
  return properties;
}

// The connection opened (again): the token first, then the session and links.
void ChannelLinks::connection_up() {
  const auto attempt = ++attempt_;
  const auto token = token_();
  const auto parsed = parse_sas_token(token);
  if (!parsed) {
    spdlog::error("upstream: no usable token for '{}': {}", identity_.id(), parsed.error());
    return;
  }
  client_->put_token(parsed->resource_uri, token, [this, attempt](int status) { token_answered(status, attempt); });
}

void ChannelLinks::token_answered(int status, std::uint64_t attempt) {
  if (attempt != attempt_ || status == 0) return;  // an older connection's answer, or it went
  if (status != 200) {
    spdlog::warn("upstream: the cloud refused the token for '{}' (status {})", identity_.id(), status);
    if (callbacks_.on_lost) callbacks_.on_lost("token refused");
    return;
  }
  open_links();
  connected_ = true;
  if (callbacks_.on_connected) callbacks_.on_connected();
}

void ChannelLinks::open_links() {
  auto connection = client_->connection();
  session_ = connection.open_session();
  events_ = session_.open_sender(address("/messages/events"),
                                 proton::sender_options().properties(link_properties()).target(
                                     proton::target_options().address(address("/messages/events"))));
  client_->own(*events_, *this);
  if (subscriptions_.count("$iothub/twin/res/#")) open_pair(Want::twin);
  if (subscriptions_.count("$iothub/methods/POST/#")) open_pair(Want::methods);
  if (!identity_.module_id && subscriptions_.count("devices/" + identity_.device_id + "/messages/devicebound/#"))
    open_pair(Want::c2d);
  if (subscriptions_.count(std::string(kDesiredPatches))) enable_desired();
  client_->schedule_pump();
}

void ChannelLinks::open_pair(Want want) {
  if (!session_) return;
  static std::uint64_t next_pair = 1;
  const auto options = [&](const std::string& channel) {
    return proton::receiver_options().credit_window(kReceiverCredit).properties(link_properties(channel));
  };
  switch (want) {
    case Want::twin: {
      if (twin_out_) return;
      const auto channel = "twin:" + std::to_string(next_pair++);
      twin_out_ = session_.open_sender(address("/twin"), proton::sender_options().properties(link_properties(channel)));
      twin_in_ = session_.open_receiver(address("/twin"), options(channel));
      client_->own(*twin_out_, *this);
      client_->own(*twin_in_, *this);
      break;
    }
    case Want::methods: {
      if (methods_out_) return;
      const auto channel = "methods:" + std::to_string(next_pair++);
      methods_out_ = session_.open_sender(address("/methods/devicebound"),
                                          proton::sender_options().properties(link_properties(channel)));
      methods_in_ = session_.open_receiver(address("/methods/devicebound"), options(channel));
      client_->own(*methods_out_, *this);
      client_->own(*methods_in_, *this);
      break;
    }
    case Want::c2d:
      if (c2d_in_) return;
      c2d_in_ = session_.open_receiver(address("/messages/devicebound"), options({}));
      client_->own(*c2d_in_, *this);
      break;
  }
  client_->schedule_pump();
}

// Desired patches come on the twin receiver once a PUT on the twin sender asks for them.
void ChannelLinks::enable_desired() {
  if (!twin_out_ || desired_enabled_) return;
  proton::message put;
  put.correlation_id(std::string("desired-notifications"));
  put.message_annotations().put(proton::annotation_key("operation"), std::string("PUT"));
  put.message_annotations().put(proton::annotation_key("resource"), std::string(kDesiredResource));
  twin_out_->send(put);
  desired_enabled_ = true;
  client_->schedule_pump();
}

void ChannelLinks::subscribe(const std::string& filter) {
  subscriptions_.insert(filter);
  if (!connected_) return;  // opened with the others when the token is accepted
  if (filter == "$iothub/twin/res/#") open_pair(Want::twin);
  else if (filter == "$iothub/methods/POST/#") open_pair(Want::methods);
  else if (filter == kDesiredPatches) enable_desired();
  else if (filter.ends_with("/messages/devicebound/#")) open_pair(Want::c2d);
}

void ChannelLinks::unsubscribe(const std::string& filter) { subscriptions_.erase(filter); }

void ChannelLinks::publish(const std::string& topic, const std::string& payload, int, std::function<void(bool)> done) {
  const auto fail = [&](const char* why) {
    spdlog::debug("upstream: not sent for '{}' ({}): {}", identity_.id(), why, topic);
    if (done) done(false);
  };
  if (!connected_) return fail("not connected");
  const auto parsed = iothub::parse_publish_topic(topic);
  if (!parsed) return fail("malformed topic");
  static thread_local proton::message out;  // reused: see IdentityConnection::publish
  out.clear();
  if (const auto* telemetry = std::get_if<iothub::TelemetryTopic>(&*parsed)) {
    Message message;
    if (auto decoded = decode_property_bag(telemetry->bag, message); !decoded) return fail("bad property bag");
    message.body = payload;
    to_amqp(message, out);
    const auto tag = next_tag_++;
    if (done) pending_[tag] = std::move(done);
    events_->send(out, delivery_tag(tag));
  } else if (const auto* get = std::get_if<iothub::TwinGetTopic>(&*parsed)) {
    if (!twin_out_) return fail("no twin link");
    out.correlation_id(get->rid);
    out.message_annotations().put(proton::annotation_key("operation"), std::string("GET"));
    twin_out_->send(out);
    if (done) done(true);
  } else if (const auto* patch = std::get_if<iothub::TwinReportedPatchTopic>(&*parsed)) {
    if (!twin_out_) return fail("no twin link");
    out.correlation_id(patch->rid);
    out.message_annotations().put(proton::annotation_key("operation"), std::string("PATCH"));
    out.message_annotations().put(proton::annotation_key("resource"), std::string("/properties/reported"));
    set_data_body(out, payload);
    twin_out_->send(out);
    if (done) done(true);
  } else if (const auto* answer = std::get_if<iothub::MethodResponseTopic>(&*parsed)) {
    if (!methods_out_) return fail("no methods link");
    const auto call = method_calls_.find(answer->rid);
    if (call != method_calls_.end()) {
      out.correlation_id(call->second);
      method_calls_.erase(call);
    } else {
      out.correlation_id(answer->rid);
    }
    out.properties().put("IoThub-status", static_cast<std::int32_t>(answer->status));
    set_data_body(out, payload);
    methods_out_->send(out);
    if (done) done(true);
  } else {
    return fail("no AMQP link for this topic");
  }
  client_->schedule_pump();
}

void ChannelLinks::on_message(proton::delivery& d, const proton::message& m, const proton::receiver& r) {
  d.accept();
  retry_delay_ = std::chrono::milliseconds(0);
  std::string topic;
  std::string payload = body_bytes(m);
  if (twin_in_ && r == *twin_in_) {
    const auto correlation = id_to_string(m.correlation_id());
    if (correlation == "desired-notifications") return;  // the PUT's answer
    const auto version = annotation_integer(m, "version");
    if (correlation.empty()) {
      topic = iothub::twin_desired_topic(version.value_or(0));
    } else {
      const auto status = annotation_integer(m, "status").value_or(200);
      topic = iothub::twin_response_topic(static_cast<int>(status), correlation, version);
    }
  } else if (methods_in_ && r == *methods_in_) {
    std::string method;
    if (m.properties().exists("IoThub-methodname")) method = proton::coerce<std::string>(m.properties().get("IoThub-methodname"));
    const auto rid = id_to_string(m.correlation_id());
    if (method.empty() || rid.empty()) return;
    if (method_calls_.size() >= 1024) method_calls_.erase(method_calls_.begin());
    method_calls_[rid] = m.correlation_id();
    topic = iothub::method_request_topic(method, rid);
  } else if (c2d_in_ && r == *c2d_in_) {
    auto message = from_amqp(m);
    if (!message) {
      spdlog::warn("upstream: a C2D message for '{}' could not be read: {}", identity_.id(), message.error());
      return;
    }
    topic = iothub::c2d_topic(identity_.device_id, encode_property_bag(*message));
    payload = std::move(message->body);
  } else {
    return;
  }
  if (callbacks_.on_message) callbacks_.on_message(topic, std::move(payload));
}

void ChannelLinks::on_settled(const proton::tracker& t) {
  const auto tag = delivery_tag_number(t.tag());
  if (!tag) return;
  const auto it = pending_.find(*tag);
  if (it == pending_.end()) return;
  auto done = std::move(it->second);
  pending_.erase(it);
  if (t.state() == proton::transfer::REJECTED)
    spdlog::warn("upstream: the cloud rejected a message of '{}': {}", identity_.id(), rejection_condition(t));
  if (t.state() == proton::transfer::ACCEPTED) retry_delay_ = std::chrono::milliseconds(0);
  done(t.state() == proton::transfer::ACCEPTED);
}

// The cloud closed one of this identity's links: start over on a fresh session. (Links of a
// session this channel already left close too: they are not its current ones.)
void ChannelLinks::link_closed(const proton::link& link, const std::string& why) {
  const auto current = [&](const auto& mine) { return mine && *mine == link; };
  if (!connected_ || !(current(events_) || current(twin_out_) || current(twin_in_) || current(methods_out_) ||
                       current(methods_in_) || current(c2d_in_)))
    return;
  spdlog::warn("upstream: the cloud closed a link of '{}': {}", identity_.id(), why);
  connection_down("link closed: " + why);
  start_over_later();
}

void ChannelLinks::session_closed(const proton::session& session, const std::string& why) {
  if (!connected_ || !session_ || !(session_ == session)) return;  // not its current session
  spdlog::warn("upstream: the cloud ended the session of '{}': {}", identity_.id(), why);
  connection_down("session ended: " + why);
  start_over_later();
}

// A cloud that refused this identity will likely refuse it again: tries are spaced, doubling
// up to half a minute, until a message goes through again.
void ChannelLinks::start_over_later() {
  retry_delay_ = std::clamp(retry_delay_ * 2, kRetryMin, kRetryMax);
  client_->after(retry_delay_, [this, alive = std::weak_ptr<int>(alive_), attempt = attempt_] {
    if (alive.expired() || attempt != attempt_ || connected_ || !client_->connected()) return;
    connection_up();
  });
}

void ChannelLinks::connection_down(const std::string& reason) {
  ++attempt_;
  fail_pending();
  if (session_ && session_.active()) session_.close();
  release_links();
  if (!connected_) return;
  connected_ = false;
  if (callbacks_.on_lost) callbacks_.on_lost(reason);
}

void ChannelLinks::fail_pending() {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [tag, done] : pending) done(false);  // the link rewinds and sends them again
}

}  // namespace outpost::amqp
