// config.yaml: IoT Edge 1.1's shape (so an operator's file carries over), the documented
// defaults, every problem listed as "file:line:col: key: what is expected", secrets never in
// an error, and the shipped example.
#include "daemon_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "outpost/core/config.h"
#include "outpost/core/encoding.h"
#include "support/process.h"
#include "support/test_certificates.h"

namespace outpost::daemon {
namespace {

using outpost::testing::write_file;
using Problems = std::vector<std::string>;

const std::string kDeviceKey = base64_encode(std::string(32, 'd'));
const std::string kConnectionString = "HostName=hub.example.net;DeviceId=edge-1;SharedAccessKey=" + kDeviceKey;

class DaemonConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = outpost::testing::make_temp_dir("outpost-daemonconf"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DaemonConfig load(const std::string& yaml) {
    write_file(dir_ + "/config.yaml", yaml);
    return load_daemon_config(dir_ + "/config.yaml");
  }
  // The problems of config.yaml, without the temp folder's prefix.
  Problems problems_of(const std::string& yaml) {
    try {
      load(yaml);
    } catch (const ConfigError& e) {
      Problems out;
      for (auto p : e.problems()) {
        for (auto at = p.find(dir_ + "/"); at != std::string::npos; at = p.find(dir_ + "/")) p.erase(at, dir_.size() + 1);
        out.push_back(p);
      }
      return out;
    }
    return {};
  }
  std::string home() const { return "homedir: " + dir_ + "/home\n"; }
  std::string dir_;
};

TEST_F(DaemonConfigTest, AConnectionStringIsEnoughAndEverythingElseHasItsDocumentedDefault) {
  const auto c = load("provisioning:\n  source: manual\n  device_connection_string: \"" + kConnectionString + "\"\n" +
                      "hostname: gateway-7\n" + home());
  EXPECT_EQ(c.provisioning.source, ProvisioningSource::manual);
  EXPECT_EQ(c.provisioning.method, DeviceAuth::sas);
  EXPECT_EQ(c.provisioning.iothub_hostname, "hub.example.net");
  EXPECT_EQ(c.provisioning.device_id, "edge-1");
  EXPECT_EQ(c.provisioning.device_key, kDeviceKey);
  EXPECT_EQ(c.hostname, "gateway-7");
  EXPECT_EQ(c.connect.management_uri, "unix:///var/run/outpost/mgmt.sock");
  EXPECT_EQ(c.connect.workload_uri, "unix:///var/run/outpost/workload.sock");
  EXPECT_EQ(c.listen.workload_uri, c.connect.workload_uri);
  EXPECT_EQ(c.agent.name, "edgeAgent");
  EXPECT_EQ(c.agent.image, "mcr.microsoft.com/azureiotedge-agent:1.1");
  EXPECT_EQ(c.runtime, RuntimeChoice::automatic);
  EXPECT_EQ(c.moby_runtime.uri, "unix:///var/run/docker.sock");
  EXPECT_EQ(c.moby_runtime.network, "azure-iot-edge");
  EXPECT_EQ(c.certificates.auto_generated_ca_lifetime_days, 90);
  EXPECT_FALSE(c.watchdog_max_retries) << "infinite by default: restarts never give up";
  EXPECT_FALSE(c.allow_elevated_docker_permissions) << "as IoT Edge 1.5: containers are not privileged by default";
  EXPECT_EQ(c.log_level, "info");
}

// The shape of a real IoT Edge 1.1 config.yaml, with its fd:// listen sockets.
TEST_F(DaemonConfigTest, AnIotEdge11FileReadsUnchanged) {
  outpost::testing::write_self_signed_certificate(dir_, "ca");
  const auto c = load(
      "provisioning:\n"
      "  source: \"manual\"\n"
      "  device_connection_string: \"" + kConnectionString + "\"\n"
      "  dynamic_reprovisioning: false\n"
      "agent:\n"
      "  name: \"edgeAgent\"\n"
      "  type: \"docker\"\n"
      "  env:\n"
      "    RuntimeLogLevel: debug\n"
      "  config:\n"
      "    image: \"mcr.microsoft.com/azureiotedge-agent:1.1\"\n"
      "    auth: {}\n"
      "hostname: \"edgegw\"\n"
      "connect:\n"
      "  management_uri: \"unix:///var/run/iotedge/mgmt.sock\"\n"
      "  workload_uri: \"unix:///var/run/iotedge/workload.sock\"\n"
      "listen:\n"
      "  management_uri: \"fd://iotedge.mgmt.socket\"\n"
      "  workload_uri: \"fd://iotedge.socket\"\n" +
      home() +
      "certificates:\n"
      "  trusted_ca_certs: \"file://" + dir_ + "/ca.pem\"\n"
      "  auto_generated_ca_lifetime_days: 30\n"
      "moby_runtime:\n"
      "  uri: \"unix:///var/run/docker.sock\"\n"
      "  network: \"azure-iot-edge\"\n"
      "watchdog:\n"
      "  max_retries: 3\n");
  EXPECT_EQ(c.agent.env.at("RuntimeLogLevel"), "debug");
  EXPECT_EQ(c.listen.management_uri, "unix:///var/run/iotedge/mgmt.sock") << "fd:// binds the connect path";
  EXPECT_EQ(c.listen.workload_uri, "unix:///var/run/iotedge/workload.sock");
  ASSERT_EQ(c.certificates.trusted_ca_certs.size(), 1u);
  EXPECT_EQ(c.certificates.trusted_ca_certs[0], dir_ + "/ca.pem");
  EXPECT_EQ(c.certificates.auto_generated_ca_lifetime_days, 30);
  EXPECT_EQ(c.watchdog_max_retries, 3);
}

TEST_F(DaemonConfigTest, SasWithAKeyFileAndX509WithCertificateFiles) {
  write_file(dir_ + "/device.key", kDeviceKey + "\n");
  auto c = load("provisioning:\n  source: manual\n  authentication:\n    method: sas\n"
                "    iothub_hostname: hub.example.net\n    device_id: edge-2\n    device_id_pk: device.key\n" + home());
  EXPECT_EQ(c.provisioning.device_id, "edge-2");
  EXPECT_EQ(c.provisioning.device_key, kDeviceKey) << "read from the file, trailing newline dropped";

  const auto cert = outpost::testing::write_self_signed_certificate(dir_, "identity");
  c = load("provisioning:\n  source: manual\n  authentication:\n    method: x509\n"
           "    iothub_hostname: hub.example.net\n    device_id: edge-3\n"
           "    identity_cert: \"file://" + cert.cert_file + "\"\n    identity_pk: identity.key\n" + home());
  EXPECT_EQ(c.provisioning.method, DeviceAuth::x509);
  EXPECT_EQ(c.provisioning.identity_cert, cert.cert_file);
  EXPECT_EQ(c.provisioning.identity_pk, dir_ + "/identity.key");
  // A key that is not the certificate's is named where it is configured.
  const auto other = outpost::testing::write_self_signed_certificate(dir_, "other");
  const auto problems = problems_of("provisioning:\n  source: manual\n  authentication:\n    method: x509\n"
                                    "    iothub_hostname: hub.example.net\n    device_id: edge-3\n"
                                    "    identity_cert: " + cert.cert_file + "\n    identity_pk: " + other.key_file + "\n" + home());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("provisioning.authentication.identity_pk: TLS key '"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("mismatch"), std::string::npos) << problems[0];
}

TEST_F(DaemonConfigTest, LocalProvisioningNeedsNoCloud) {
  const auto c = load("provisioning: { source: local }\nhostname: gw\n" + home());
  EXPECT_EQ(c.provisioning.source, ProvisioningSource::local);
  EXPECT_EQ(c.provisioning.device_id, "gw") << "named after the host unless device_id is given";
  EXPECT_TRUE(c.provisioning.device_key.empty());
}

TEST_F(DaemonConfigTest, RuntimeImagesAndAgentCreateOptions) {
  const auto c = load("provisioning: { source: local }\n" + home() +
                      "runtime: process\n"
                      "images:\n"
                      "  \"contoso/filter:*\": \"process:///opt/filter\"\n"
                      "  \"mcr.microsoft.com/azureiotedge-hub:1.1\": \"process:///opt/hub\"\n"
                      "agent:\n  config:\n    createOptions:\n      HostConfig:\n        Privileged: false\n"
                      "        Memory: 268435456\n      Labels: { tier: \"1\" }\n");
  EXPECT_EQ(c.runtime, RuntimeChoice::process);
  EXPECT_EQ(c.images.resolve("contoso/filter:2.0"), "process:///opt/filter");
  EXPECT_EQ(c.images.resolve("mcr.microsoft.com/azureiotedge-hub:1.1"), "process:///opt/hub");
  EXPECT_EQ(c.images.resolve("contoso/other:1"), "contoso/other:1") << "no rule: the name as written";
  EXPECT_EQ(c.agent.create_options["HostConfig"]["Privileged"], false);
  EXPECT_EQ(c.agent.create_options["HostConfig"]["Memory"], 268435456);
  EXPECT_EQ(c.agent.create_options["Labels"]["tier"], "1") << "a quoted scalar stays a string";

  const auto json = load("provisioning: { source: local }\n" + home() +
                         "agent: { config: { createOptions: '{\"Env\":[\"A=1\"]}' } }\n");
  EXPECT_EQ(json.agent.create_options["Env"][0], "A=1") << "createOptions as a JSON string, as in manifests";
}

TEST_F(DaemonConfigTest, EveryProblemIsListedWithItsLineAndKey) {
  const auto problems = problems_of("provisioning:\n  source: dps\n"
                                    "hostname: \"bad host!\"\n" + home() +
                                    "connect: { management_uri: \"tcp://127.0.0.1:1\" }\n"
                                    "runtime: kubernetes\n"
                                    "watchdog: { max_retries: many }\n"
                                    "certificates: { device_ca_cert: missing.pem }\n"
                                    "log_level: loud\n"
                                    "colour: blue\n");
  const Problems expected{
      "config.yaml:10:1: colour: unknown key (expected one of: provisioning, hostname, homedir, connect, listen, agent, "
      "runtime, moby_runtime, allow_elevated_docker_permissions, images, certificates, watchdog, log_level)",
      "config.yaml:3:11: hostname: 'bad host!' is not a host name (letters, digits, '-' and '.')",
      "config.yaml:2:11: provisioning.source: 'dps' is not supported: expected manual or local",
      "config.yaml:5:28: connect.management_uri: expected unix:///absolute/path, got 'tcp://127.0.0.1:1'",
      "config.yaml:6:10: runtime: expected process or docker, got 'kubernetes'",
      "config.yaml:8:33: certificates.device_ca_cert: no such file: 'missing.pem'",
      "config.yaml:8:15: certificates: device_ca_cert and device_ca_pk go together: give both, or neither for a "
      "generated edge CA",
      "config.yaml:7:26: watchdog.max_retries: expected an integer, got 'many'",
      "config.yaml:9:12: log_level: 'loud': expected trace, debug, info, warning, error or fatal",
  };
  EXPECT_EQ(problems, expected);
}

TEST_F(DaemonConfigTest, ProvisioningMistakesAreNamedAndTheKeyIsNeverPrinted) {
  const auto problems_with = [&](const std::string& provisioning) {
    return problems_of("provisioning:\n" + provisioning + home());
  };
  EXPECT_EQ(problems_with("  source: manual\n"),
            Problems{"config.yaml:2:3: provisioning: give exactly one of device_connection_string and authentication"});
  EXPECT_EQ(problems_with("  source: manual\n  device_connection_string: \"HostName=h;DeviceId=d;ModuleId=m;"
                          "SharedAccessKey=" + kDeviceKey + "\"\n"),
            Problems{"config.yaml:3:29: provisioning.device_connection_string: is a module's: give the edge device's "
                     "connection string"});
  write_file(dir_ + "/not-base64.key", "s3cret-not-base64!!");
  const auto bad_key = problems_with("  source: manual\n  authentication: { method: sas, iothub_hostname: h, "
                                     "device_id: d, device_id_pk: not-base64.key }\n");
  ASSERT_EQ(bad_key.size(), 1u);
  EXPECT_NE(bad_key[0].find("device_id_pk: the device key is not base64"), std::string::npos) << bad_key[0];
  EXPECT_EQ(bad_key[0].find("s3cret"), std::string::npos) << "a secret never appears in an error";
  EXPECT_EQ(problems_with("  source: manual\n  authentication: { method: tpm }\n"),
            Problems{"config.yaml:3:29: provisioning.authentication.method: expected sas or x509, got 'tpm'"});
}

TEST_F(DaemonConfigTest, TheShippedExampleIsValid) {
  // config/config.yaml names /var/lib/outpost and a connection string: point homedir here.
  auto text = outpost::testing::read_file(outpost::testing::source_path("config/config.yaml"));
  const auto at = text.find("homedir: ");
  ASSERT_NE(at, std::string::npos) << "the example documents homedir";
  text.replace(at, text.find('\n', at) - at, "homedir: " + dir_ + "/home");
  EXPECT_EQ(problems_of(text), Problems{});
}

}  // namespace
}  // namespace outpost::daemon
