// X.509 leaf devices on outpost-hub's MQTT/TLS listener, with Debian's mosquitto_pub as the
// device: a selfSigned device known by its certificate's thumbprint, a certificateAuthority
// device whose chain leads to tls.device_ca_certs, no password either way — and a device
// presenting someone else's certificate refused.
#include <gtest/gtest.h>

#include "hub/hub_process.h"
#include "support/process.h"
#include "support/test_certificates.h"
#include "outpost/core/file_io.h"
#include "outpost/net/tls.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;

TEST(HubX509, LeafDevicesConnectWithTheirCertificateAndNoPassword) {
  if (!have_program("mosquitto_pub")) GTEST_SKIP() << "mosquitto-clients not installed (scripts/install-deps)";
  HubProcess hub({}, {{"r", "FROM /messages/* INTO $upstream"}},
                 "tls: { cert: server.pem, key: server.key, device_ca_certs: ca.pem }\n");
  const auto& dir = hub.dir();
  const auto server = write_self_signed_certificate(dir, "server");
  const auto ca = write_ca_certificate(dir, "ca", "Devices CA");
  const auto thermostat = write_ca_certificate(dir, "thermostat", "thermostat");  // self-signed
  const auto camera = write_client_certificate(dir, "camera", "camera", ca);
  const auto described = net::describe_certificate_pem(*read_whole_file(thermostat.cert_file));
  ASSERT_TRUE(described) << described.error();
  write_file(dir + "/identities.json",
             nlohmann::json::array({{{"deviceId", "thermostat"}, {"primaryThumbprint", described->sha1_thumbprint}},
                                    {{"deviceId", "camera"}, {"certificateAuthority", true}}})
                 .dump());
  hub.add_listener("mqtts", "127.0.0.1:0");
  hub.start();
  const auto send_as = [&](const std::string& device, const TestCertificate& cert) {
    return run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(hub.port("mqtts")), "-V", "mqttv311",
                        "--cafile", server.cert_file, "--cert", cert.cert_file, "--key", cert.key_file, "-i", device,
                        "-u", std::string(HubProcess::kHostname) + "/" + device + "/?api-version=2021-04-12", "-q", "1",
                        "-t", "devices/" + device + "/messages/events/", "-m", "21.5"},
                       15s);
  };
  const auto self_signed = send_as("thermostat", thermostat);
  EXPECT_EQ(self_signed.status, 0) << self_signed.output << hub.log();
  const auto ca_signed = send_as("camera", camera);
  EXPECT_EQ(ca_signed.status, 0) << ca_signed.output << hub.log();
  const auto impostor = send_as("thermostat", camera);
  EXPECT_NE(impostor.status, 0) << impostor.output;
  EXPECT_NE(hub.log().find("X.509: the client certificate's thumbprint"), std::string::npos) << hub.log();
  EXPECT_EQ(hub.metric("edgehub_client_connect_success_total", "id=\"thermostat\""), 1) << hub.metrics();
  EXPECT_EQ(hub.metric("edgehub_client_connect_success_total", "id=\"camera\""), 1);
}

}  // namespace
}  // namespace outpost::testing
