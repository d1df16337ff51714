// The fixture of the hub's in-process plain MQTT tests: an EdgeHubTest with a user
// ("sensor" / "s3cret"), anonymous clients on the "mqtt" listener and 3 filters per session.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "hub/hub_test_util.h"
#include "password_hash.h"

namespace outpost::hub::testing {

class EdgeHubPlainTest : public EdgeHubTest {
 protected:
  EdgeHubPlainTest() {
    settings_.mqtt_broker.users = {{"sensor", hash_password("s3cret", 1000)}};
    settings_.mqtt_broker.anonymous_listeners = {"mqtt"};  // the "tcp" transport
    settings_.mqtt_broker.max_subscriptions_per_client = 3;
    restart_hub();
  }

  static mqtt::ConnectPacket plain_packet(const std::string& client_id, std::optional<std::string> user,
                                          std::optional<std::string> password = std::nullopt) {
    mqtt::ConnectPacket p;
    p.client_id = client_id;
    p.username = std::move(user);
    p.password = std::move(password);
    return p;
  }

  std::shared_ptr<FakeConnection> plain(const std::string& client_id, std::optional<std::string> user = "sensor",
                                        std::optional<std::string> password = "s3cret",
                                        std::optional<mqtt::Will> will = std::nullopt) {
    auto c = FakeConnection::make(hub_.get(), client_id);
    auto packet = plain_packet(client_id, std::move(user), std::move(password));
    packet.will = std::move(will);
    EXPECT_EQ(c->connect(packet).code, mqtt::ConnectReturnCode::accepted);
    return c;
  }

  // A user-name client with cleanSession=0; `present`: the CONNACK's session-present flag.
  std::shared_ptr<FakeConnection> persistent(const std::string& client_id, bool* present = nullptr,
                                             std::optional<std::string> user = "sensor",
                                             std::optional<std::string> password = "s3cret") {
    auto c = FakeConnection::make(hub_.get(), client_id);
    auto packet = plain_packet(client_id, std::move(user), std::move(password));
    packet.clean_session = false;
    const auto decision = c->connect(packet);
    EXPECT_EQ(decision.code, mqtt::ConnectReturnCode::accepted) << client_id;
    if (present) *present = decision.session_present;
    loop_.poll();  // what the hub posts after the CONNACK: the session's queued messages
    return c;
  }

  double refused(const std::string& operation, const std::string& reason) {
    return metrics_.plain_refused(operation, reason).value();
  }
};

}  // namespace outpost::hub::testing
