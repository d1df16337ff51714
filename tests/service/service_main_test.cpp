#include "outpost/service/service_main.h"

#include <gtest/gtest.h>

#include "outpost/core/config.h"
#include "outpost/core/storage_failure.h"

namespace outpost::service {
namespace {

const ServiceDescription kDaemon{"outpostd", "config.yaml", "check the file", "/etc/outpost/config.yaml",
                                 {{"--print-connection-string", "POLICY", "print one"}}};
const ServiceDescription kNoDefault{"outpost-hub", "hub.yaml", "check the file", "", {}};

TEST(ServiceArgs, ReadsTheSharedOptionsAndExtraOnes) {
  const auto args = parse_service_args(
      kDaemon, {"-c", "/tmp/c.yaml", "--check", "--ready-file", "r.json", "--print-connection-string", "owner"});
  ASSERT_TRUE(args) << args.error();
  EXPECT_EQ(args->config_file, "/tmp/c.yaml");
  EXPECT_TRUE(args->check_only);
  EXPECT_EQ(args->ready_file, "r.json");
  EXPECT_EQ(args->extra.at("--print-connection-string"), "owner");
  EXPECT_EQ(parse_service_args(kDaemon, {"--config", "x.yaml"})->config_file, "x.yaml");
}

TEST(ServiceArgs, UsesTheDefaultConfigWhereThereIsOne) {
  EXPECT_EQ(parse_service_args(kDaemon, {})->config_file, "/etc/outpost/config.yaml");
  EXPECT_EQ(parse_service_args(kNoDefault, {}).error(), "--config FILE is required");
  EXPECT_TRUE(parse_service_args(kNoDefault, {"--help"})->help);
}

TEST(ServiceArgs, NamesWhatIsWrong) {
  EXPECT_EQ(parse_service_args(kDaemon, {"--colour"}).error(), "unknown argument '--colour'");
  EXPECT_EQ(parse_service_args(kDaemon, {"--config"}).error(), "--config needs a value");
  EXPECT_EQ(parse_service_args(kDaemon, {"--print-connection-string"}).error(),
            "--print-connection-string needs a value (POLICY)");
  EXPECT_EQ(parse_service_args(kNoDefault, {"--print-connection-string", "x"}).error(),
            "unknown argument '--print-connection-string'");
}

TEST(ServiceUsage, ListsEveryOption) {
  const auto text = usage_text(kDaemon);
  EXPECT_EQ(text.rfind("usage: outpostd --config config.yaml [--check] [--ready-file FILE] "
                       "[--print-connection-string POLICY]\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("(default /etc/outpost/config.yaml)"), std::string::npos) << text;
  EXPECT_NE(text.find("--print-connection-string POLICY"), std::string::npos) << text;
}

int run_main(const ServiceDescription& service, std::vector<std::string> args,
             const std::function<int(const ServiceArgs&)>& body, std::string* err) {
  std::vector<char*> argv;
  std::string program = service.program;
  argv.push_back(program.data());
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStderr();
  const int code = service_main(service, static_cast<int>(argv.size()), argv.data(), body);
  *err = testing::internal::GetCapturedStderr();
  return code;
}

TEST(ServiceMain, ExitCodesAndMessagesForEveryEnding) {
  std::string err;
  EXPECT_EQ(run_main(kDaemon, {}, [](const ServiceArgs&) { return 0; }, &err), 0);
  EXPECT_EQ(run_main(kDaemon, {}, [](const ServiceArgs&) { return 3; }, &err), 3) << "the body's own code";

  EXPECT_EQ(run_main(kDaemon, {"--bogus"}, [](const ServiceArgs&) { return 0; }, &err), 2);
  EXPECT_EQ(err.rfind("outpostd: unknown argument '--bogus'\nusage: outpostd", 0), 0u) << err;

  const auto config_error = [](const ServiceArgs&) -> int {
    ConfigError error("c.yaml:3:1: hostname: expected a host name");
    throw error;
  };
  EXPECT_EQ(run_main(kDaemon, {}, config_error, &err), 1);
  EXPECT_EQ(err, "outpostd: c.yaml:3:1: hostname: expected a host name\n");

  const auto full_disk = [](const ServiceArgs&) -> int {
    throw StorageFailure(ErrorKind::storage_full, "/var/lib/outpost/state.db: database or disk is full");
  };
  EXPECT_EQ(run_main(kDaemon, {}, full_disk, &err), 1);
  EXPECT_EQ(err, "outpostd: storage (storage full): /var/lib/outpost/state.db: database or disk is full\n");

  const auto bug = [](const ServiceArgs&) -> int { throw std::runtime_error("boom"); };
  EXPECT_EQ(run_main(kDaemon, {}, bug, &err), 1);
  EXPECT_EQ(err, "outpostd: fatal: boom\n");
}

}  // namespace
}  // namespace outpost::service
