#include <gtest/gtest.h>

#include <random>
#include <string>

#include "crc32c.h"

namespace outpost::store {
namespace {

using CrcFn = std::uint32_t (*)(std::uint32_t, const void*, std::size_t);

std::uint32_t one_shot(CrcFn fn, std::string_view bytes) { return fn(0, bytes.data(), bytes.size()); }

// Every implementation, each checked against the published values; the hardware one only
// where this CPU has it (it is reported, so a run without it is visible).
class Crc32cImpl : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && !crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  }
  CrcFn fn() const { return GetParam() ? &crc32c_extend_hardware : &crc32c_extend_portable; }
};

TEST_P(Crc32cImpl, MatchesPublishedCheckValues) {
  EXPECT_EQ(one_shot(fn(), ""), 0u);
  EXPECT_EQ(one_shot(fn(), "123456789"), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(one_shot(fn(), std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(one_shot(fn(), std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(one_shot(fn(), ascending), 0x46DD794Eu);   // RFC 3720 B.4
  EXPECT_EQ(one_shot(fn(), descending), 0x113FDB5Cu);  // RFC 3720 B.4
}

TEST_P(Crc32cImpl, ExtendingEqualsOneShotAtEverySplit) {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const auto whole = one_shot(fn(), data);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    const auto first = one_shot(fn(), std::string_view(data).substr(0, split));
    EXPECT_EQ(fn()(first, data.data() + split, data.size() - split), whole) << split;
  }
}

INSTANTIATE_TEST_SUITE_P(Both, Crc32cImpl, ::testing::Bool(),
                         [](const auto& instance) { return instance.param ? "hardware" : "portable"; });

TEST(Crc32c, HardwareAndPortableAgreeAtEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(32);
  std::string data(600, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  for (std::size_t start = 0; start < 8; ++start) {
    for (std::size_t size = 0; start + size <= 520; ++size) {
      const std::uint32_t seed = rng();
      ASSERT_EQ(crc32c_extend_hardware(seed, data.data() + start, size),
                crc32c_extend_portable(seed, data.data() + start, size))
          << "start " << start << ", size " << size;
    }
  }
}

TEST(Crc32c, DispatchUsesOneOfThem) {
  const std::string data(1000, 'd');
  EXPECT_EQ(crc32c(data), one_shot(&crc32c_extend_portable, data));
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::string data(300, 'x');
  const auto before = crc32c(data);
  data[150] ^= 0x04;
  EXPECT_NE(crc32c(data), before);
}

}  // namespace
}  // namespace outpost::store
