#include <gtest/gtest.h>

#include <string>

#include "crc32c.h"

namespace outpost::store {
namespace {

TEST(Crc32c, MatchesPublishedCheckValues) {
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32c, ExtendingEqualsOneShotAtEverySplit) {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const auto whole = crc32c(data);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    const auto first = crc32c(std::string_view(data).substr(0, split));
    EXPECT_EQ(crc32c_extend(first, data.data() + split, data.size() - split), whole) << split;
  }
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::string data(300, 'x');
  const auto before = crc32c(data);
  data[150] ^= 0x04;
  EXPECT_NE(crc32c(data), before);
}

}  // namespace
}  // namespace outpost::store
