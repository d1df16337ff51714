#include "outpost/core/crypto.h"

#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "outpost/core/encoding.h"

namespace outpost {
namespace {

// Expected values computed with: openssl dgst -sha256 -mac HMAC -macopt ...
TEST(HmacSha256, MatchesOpenSslCommandLine) {
  EXPECT_EQ(to_hex(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  std::string key;
  for (int i = 0; i < 16; ++i) key += static_cast<char>(i);
  EXPECT_EQ(base64_encode(hmac_sha256(key, "hello\n123")),
            "4NK4t0TTmcVzwc39IHkxj/k8gU2ec7+ghoSD62n7cho=");
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

TEST(Seal, RoundTripsAndDetectsTampering) {
  const std::string key(32, 'k');
  const auto sealed = seal(key, "identities and keys");
  EXPECT_EQ(sealed.size(), 12u + 19u + 16u);
  EXPECT_EQ(unseal(key, sealed), "identities and keys");
  EXPECT_NE(seal(key, "same"), seal(key, "same")) << "each seal uses a fresh nonce";
  auto flipped = sealed;
  flipped[14] ^= 1;
  EXPECT_FALSE(unseal(key, flipped));
  EXPECT_FALSE(unseal(std::string(32, 'x'), sealed));
  EXPECT_FALSE(unseal(key, "short"));
  EXPECT_EQ(unseal(key, seal(key, "")), "");
}

TEST(Seal, AssociatedDataMustMatchToOpen) {
  const std::string key(32, 'k');
  const auto sealed = seal(key, "for filter only", "filter1");
  EXPECT_EQ(unseal(key, sealed, "filter1"), "for filter only");
  EXPECT_FALSE(unseal(key, sealed, "filter2")) << "bound to what it was sealed with";
  EXPECT_FALSE(unseal(key, sealed)) << "and not openable without it";
  EXPECT_FALSE(unseal(key, seal(key, "x"), "filter1"));
}

TEST(RandomIds, HaveTheRightShapeAndDoNotRepeat) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = random_uuid();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(random_hex_id(8).size(), 16u);
}

}  // namespace
}  // namespace outpost
