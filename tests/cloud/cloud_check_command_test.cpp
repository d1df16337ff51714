// `outpost-cloud --check`: lists every problem, exits 1; a good file prints ok.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "support/process.h"

namespace {

using namespace outpost::testing;

TEST(CloudCheckCommand, ListsEveryProblemAndExitsNonZero) {
  const auto dir = make_temp_dir("outpost-cloudcheck");
  write_file(dir + "/cloud.yaml",
             "hostname: h\nlisten: { mqtts: \"127.0.0.1:0\", http: \"127.0.0.1:0\", wss: \"example.com:1\" }\n"
             "tls: { cert: server.pem, key: server.key }\nstorage: { folder: state }\ncolour: blue\n");
  const auto bad = run_command({built_binary("outpost-cloud"), "--config", dir + "/cloud.yaml", "--check",
                                "--ready-file", dir + "/run/cloud.ready"},
                               std::chrono::seconds(10));
  EXPECT_EQ(bad.status, 1) << bad.output;
  for (const auto* expected : {"cloud.yaml:5:1: colour: unknown key", "cloud.yaml:2:59: listen.wss: 'example.com:1'",
                               "cloud.yaml:3:14: tls.cert: no such file", "cloud.yaml:3:31: tls.key: no such file",
                               "outpost-cloud: --ready-file: folder '", "outpost-cloud: 5 problems"})
    EXPECT_NE(bad.output.find(expected), std::string::npos) << "missing '" << expected << "' in:\n" << bad.output;

  write_file(dir + "/cloud.yaml", "hostname: h\nlisten: { mqtt: \"127.0.0.1:0\", http: \"127.0.0.1:0\" }\nstorage: { folder: state }\n");
  const auto good = run_command({built_binary("outpost-cloud"), "--config", dir + "/cloud.yaml", "--check"},
                                std::chrono::seconds(10));
  EXPECT_EQ(good.status, 0) << good.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/state")) << "--check must not create the storage folder";
  std::filesystem::remove_all(dir);
}

}  // namespace
