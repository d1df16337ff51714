// The logs GetModuleLogs reads: Docker's framed stream, timestamps and syslog levels.
#include "module_logs.h"

#include <gtest/gtest.h>

namespace outpost::agent {
namespace {

std::string frame(int stream, const std::string& text) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(stream);
  out[4] = static_cast<char>((text.size() >> 24) & 0xff);
  out[5] = static_cast<char>((text.size() >> 16) & 0xff);
  out[6] = static_cast<char>((text.size() >> 8) & 0xff);
  out[7] = static_cast<char>(text.size() & 0xff);
  return out + text;
}

TEST(ModuleLogs, FramesBecomeLinesWithStreamTimeAndLevel) {
  const auto stream = frame(1, "2026-12-04T10:00:00.000000000Z <4> disk almost full\n2026-12-04T10:00:01.000000000Z plain") +
                      frame(2, "2026-12-04T10:00:02.000000000Z <3> failed\n") + frame(1, " line\n");
  const auto lines = parse_log_stream(stream);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].stream, "stdout");
  EXPECT_EQ(lines[0].loglevel, 4);
  EXPECT_EQ(lines[0].text, "disk almost full");
  EXPECT_EQ(lines[0].timestamp, "2026-12-04T10:00:00.000000000Z");
  EXPECT_EQ(lines[1].stream, "stderr");
  EXPECT_EQ(lines[1].loglevel, 3);
  EXPECT_EQ(lines[2].text, "plain line") << "a line split over frames is one line";
  EXPECT_EQ(lines[2].loglevel, 6) << "no level: info";
}

TEST(ModuleLogs, ATruncatedFrameIsIgnoredNotOverread) {
  auto stream = frame(1, "a whole line\n");
  stream += std::string("\x01\0\0\0\0\0\x10\x00", 8) + "short";
  const auto lines = parse_log_stream(stream);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "a whole line");
}

}  // namespace
}  // namespace outpost::agent
