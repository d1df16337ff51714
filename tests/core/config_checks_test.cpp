#include "outpost/core/config_checks.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace outpost {
namespace {

namespace fs = std::filesystem;

class ConfigChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("outpost-config-checks-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "file") << "x";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ConfigChecks, ReadableFile) {
  EXPECT_TRUE(check_readable_file(at("file")));
  EXPECT_EQ(check_readable_file(at("absent")).error(), "no such file: '" + at("absent") + "'");
  EXPECT_EQ(check_readable_file(dir_.string()).error(), "'" + dir_.string() + "' is not a file");
}

TEST_F(ConfigChecks, WritableFolderExistsOrCanBeCreated) {
  EXPECT_TRUE(check_writable_folder(dir_.string()));
  EXPECT_TRUE(check_writable_folder(at("new/deeper/still")));
  EXPECT_EQ(check_writable_folder(at("file")).error(), "'" + at("file") + "' is not a folder");
  EXPECT_EQ(check_writable_folder(at("file/below")).error(),
            "cannot create folder '" + at("file/below") + "': '" + at("file") + "' is not a folder");
  EXPECT_FALSE(fs::exists(at("new")));  // a check creates nothing
}

TEST_F(ConfigChecks, ReadyFileNeedsAnExistingFolder) {
  EXPECT_TRUE(check_ready_file(at("hub.ready")));
  EXPECT_TRUE(check_ready_file(at("file")));  // replaced when written
  EXPECT_EQ(check_ready_file(at("run/hub.ready")).error(), "folder '" + at("run") + "' does not exist");
  EXPECT_EQ(check_ready_file(dir_.string()).error(), "'" + dir_.string() + "' is a folder, not a file");
}

}  // namespace
}  // namespace outpost
