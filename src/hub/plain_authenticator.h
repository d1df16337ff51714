// Decides who a plain MQTT CONNECT is (mqtt_broker_config.h): a configured user whose password
// matches its hash, or, on a listener that allows it, an anonymous client (no user name).
// The edge hub sends a CONNECT here only when its user name is not IoT Hub shaped
// ({host}/{device}[/{module}]/?api-version=…) and plain clients are configured at all, so
// IoT Hub authentication (authenticator.h) is unchanged.
#pragma once
#include <string>

#include "mqtt_broker_config.h"
#include "outpost/mqtt_codec/packets.h"

namespace outpost::hub {

struct PlainAuthDecision {
  mqtt::ConnectReturnCode code = mqtt::ConnectReturnCode::not_authorized;
  std::string user;    // empty: anonymous
  std::string reason;  // why it was refused, for the log
  bool ok() const { return code == mqtt::ConnectReturnCode::accepted; }
};

// `listener`: "mqtt", "mqtts" or "wss" (listener_of_transport). `iothub_problem`: why the user
// name is not an IoT Hub one, added to a refusal so a mistyped IoT Hub user name is explained.
PlainAuthDecision authenticate_plain(const mqtt::ConnectPacket& connect, const MqttBrokerConfig& config,
                                     const std::string& listener, const std::string& iothub_problem);

}  // namespace outpost::hub
