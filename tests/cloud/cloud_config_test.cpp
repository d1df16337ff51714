// cloud.yaml: every problem listed in one run, with what the file names on disk checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cloud_config.h"
#include "cloud_test_util.h"
#include "outpost/core/config.h"

namespace outpost::cloud {
namespace {

using Problems = std::vector<std::string>;

TEST(CloudConfigCheck, ListsEveryProblemInOneRun) {
  testing::TempDir dir;
  const auto file = (dir.path() / "cloud.yaml").string();
  std::ofstream(dir.path() / "a-file") << "x";
  std::ofstream(file) << "hostname: h\nlisten: { mqtts: \"127.0.0.1:0\", http: \"localhost:8080\" }\n"
                         "tls: { cert: server.pem, key: server.key }\nstorage: { folder: a-file/state }\n"
                         "c2d: { ttl_secs: 0, max_delivery_count: 1000 }\n"
                         "policies: [ { name: p, rights: [Everything] }, { name: q, primary_key: \"!!\", rights: [RegistryRead] } ]\n";
  try {
    load_cloud_config(file);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const auto at = [&](const std::string& rest) { return file + rest; };
    const auto in = [&](const std::string& name) { return (dir.path() / name).string(); };
    ASSERT_EQ(e.problems().size(), 8u) << e.what();
    EXPECT_EQ(e.problems()[0], at(":2:39: listen.http: 'localhost:8080': listen on an IP address (such as 127.0.0.1 or 0.0.0.0), not a host name"));
    EXPECT_EQ(e.problems()[1], at(":3:14: tls.cert: no such file: '" + in("server.pem") + "'"));
    EXPECT_EQ(e.problems()[2], at(":3:31: tls.key: no such file: '" + in("server.key") + "'"));
    EXPECT_EQ(e.problems()[3], at(":4:20: storage.folder: cannot create folder '" + in("a-file/state") + "': '" +
                                  in("a-file") + "' is not a folder"));
    EXPECT_EQ(e.problems()[4], at(":5:18: c2d.ttl_secs: must be positive"));
    EXPECT_EQ(e.problems()[5], at(":5:41: c2d.max_delivery_count: must be at most 100"));
    EXPECT_NE(e.problems()[6].find("policies[0].rights"), std::string::npos) << e.problems()[6];
    EXPECT_NE(e.problems()[7].find("policies[1].primary_key"), std::string::npos) << e.problems()[7];
  }
}

TEST(CloudConfigCheck, TheShippedExampleRunsAsItIs) {
  const auto c = load_cloud_config(std::string(OUTPOST_SOURCE_DIR) + "/config/cloud.yaml");
  EXPECT_TRUE(c.listen_mqtt);
  EXPECT_TRUE(c.listen_http);
  EXPECT_TRUE(c.tls_cert.empty());
}

}  // namespace
}  // namespace outpost::cloud
