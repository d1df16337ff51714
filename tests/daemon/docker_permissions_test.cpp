// IoT Edge 1.5's default for module containers: no privileged mode, no added capabilities,
// CHOWN and SETUID dropped — and what was taken away is said.
#include "docker_permissions.h"

#include <gtest/gtest.h>

namespace outpost::daemon {
namespace {

using nlohmann::json;

TEST(DockerPermissions, PrivilegesAskedForAreTakenAwayAndSaid) {
  json options = {{"HostConfig", {{"Privileged", true}, {"CapAdd", {"NET_ADMIN"}}, {"CapDrop", {"MKNOD"}}, {"Memory", 1024}}}};
  const auto removed = restrict_docker_permissions(options);
  EXPECT_EQ(removed, (std::vector<std::string>{"Privileged", "CapAdd NET_ADMIN"}));
  EXPECT_EQ(options["HostConfig"]["Privileged"], false);
  EXPECT_FALSE(options["HostConfig"].contains("CapAdd"));
  EXPECT_EQ(options["HostConfig"]["CapDrop"], json({"MKNOD", "CHOWN", "SETUID"}));
  EXPECT_EQ(options["HostConfig"]["Memory"], 1024) << "the rest is left as it was";
}

TEST(DockerPermissions, NothingAskedForNothingSaid) {
  json options = json::object();
  EXPECT_TRUE(restrict_docker_permissions(options).empty());
  EXPECT_EQ(options["HostConfig"]["CapDrop"], json({"CHOWN", "SETUID"}));
  json again = options;
  restrict_docker_permissions(again);
  EXPECT_EQ(again, options) << "applying it twice changes nothing";
}

}  // namespace
}  // namespace outpost::daemon
