// The images table: IoT Edge's well-known images become Outpost's programs or local images,
// and the operator's rules come first.
#include "image_table.h"

#include <gtest/gtest.h>

namespace outpost::daemon {
namespace {

TEST(ImageTable, WellKnownIotEdgeImagesMapToOutpostProgramsWhateverTheirTag) {
  ImageTable table;
  table.add_defaults(default_process_images("/usr/bin"));
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-hub:1.4"), "process:///usr/bin/outpost-hub");
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-agent:1.1.19"), "process:///usr/bin/outpost-agent");
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.5"),
            "process:///usr/bin/outpost-simulated-temperature-sensor");
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-hubble:1.0"), "mcr.microsoft.com/azureiotedge-hubble:1.0")
      << "the pattern is the repository and a tag, not any prefix";
}

TEST(ImageTable, DockerDefaultsAreTheLocallyBuiltImages) {
  ImageTable table;
  table.add_defaults(default_docker_images());
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-hub:1.5"), "outpost/hub:latest");
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.0"),
            "outpost/simulated-temperature-sensor:latest");
}

TEST(ImageTable, TheOperatorsRulesWinOverTheDefaults) {
  ImageTable table;
  table.add({"mcr.microsoft.com/azureiotedge-hub:1.1", "process:///opt/old-hub"});
  table.add_defaults(default_process_images("/usr/bin"));
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-hub:1.1"), "process:///opt/old-hub");
  EXPECT_EQ(table.resolve("mcr.microsoft.com/azureiotedge-hub:1.4"), "process:///usr/bin/outpost-hub");
}

TEST(ImageTable, PatternsMatchExactlyOrByATrailingStar) {
  EXPECT_TRUE(image_matches("a/b:1", "a/b:1"));
  EXPECT_FALSE(image_matches("a/b:1", "a/b:10"));
  EXPECT_TRUE(image_matches("a/b:*", "a/b:10"));
  EXPECT_TRUE(image_matches("*", "anything"));
  EXPECT_FALSE(image_matches("a/b:*", "a/c:1"));
}

}  // namespace
}  // namespace outpost::daemon
