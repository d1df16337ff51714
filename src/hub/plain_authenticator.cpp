#include "plain_authenticator.h"

#include <fmt/format.h>

#include "password_hash.h"

namespace outpost::hub {

PlainAuthDecision authenticate_plain(const mqtt::ConnectPacket& connect, const MqttBrokerConfig& config,
                                     const std::string& listener, const std::string& iothub_problem) {
  using mqtt::ConnectReturnCode;
  PlainAuthDecision d;
  if (!connect.username) {
    if (config.anonymous_on(listener)) {
      d.code = ConnectReturnCode::accepted;
      return d;
    }
    d.code = ConnectReturnCode::not_authorized;
    d.reason = fmt::format("no user name, and listener '{}' does not allow anonymous clients", listener);
    return d;
  }
  d.user = *connect.username;
  const auto* user = config.user(d.user);
  if (user == nullptr) {
    d.code = ConnectReturnCode::bad_username_or_password;
    d.reason = fmt::format("'{}' is neither an IoT Hub user name ({}) nor a configured MQTT user", d.user, iothub_problem);
    return d;
  }
  if (!connect.password || !verify_password(*connect.password, user->password_hash)) {
    d.code = ConnectReturnCode::bad_username_or_password;
    d.reason = fmt::format("wrong password for MQTT user '{}'", d.user);
    return d;
  }
  d.code = ConnectReturnCode::accepted;
  return d;
}

}  // namespace outpost::hub
