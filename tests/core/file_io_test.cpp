// Whole-file reads and atomic private writes: what key and certificate files go through.
#include "outpost/core/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace outpost {
namespace {

class FileIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("outpost-fileio-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(FileIo, WritesAtomicallyWithTheModeAskedForWhateverTheUmask) {
  const auto old_mask = ::umask(0);
  ASSERT_TRUE(write_file_atomically(path("secret.key"), "k3y", 0600));
  ::umask(old_mask);
  struct stat st {};
  ASSERT_EQ(::stat(path("secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_whole_file(path("secret.key")).value(), "k3y");
  EXPECT_FALSE(std::filesystem::exists(path("secret.key.tmp"))) << "no temporary file left behind";
  ASSERT_TRUE(write_file_atomically(path("secret.key"), "replaced"));
  EXPECT_EQ(read_whole_file(path("secret.key")).value(), "replaced");
}

TEST_F(FileIo, RefusesWhatIsNotASmallRegularFile) {
  const auto missing = read_whole_file(path("missing"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("cannot open"), std::string::npos) << missing.error();
  EXPECT_FALSE(read_whole_file(dir_.string())) << "a folder";
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  const auto fifo = read_whole_file(path("fifo"));
  ASSERT_FALSE(fifo) << "a FIFO is refused, not waited on";
  EXPECT_NE(fifo.error().find("not a regular file"), std::string::npos) << fifo.error();
  std::ofstream(path("big")) << std::string(2000, 'x');
  const auto big = read_whole_file(path("big"), 1000);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().find("larger than 1000 bytes"), std::string::npos) << big.error();
  EXPECT_FALSE(write_file_atomically(path("no/such/folder/f"), "x"));
}

}  // namespace
}  // namespace outpost
