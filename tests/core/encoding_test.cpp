#include "outpost/core/encoding.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesAndRoundTripsBinary) {
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64_decode("Zm9"));        // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!A=="));   // character outside the alphabet
  EXPECT_FALSE(base64_decode("Z===") );      // too much padding
  EXPECT_FALSE(base64_decode("Zg==Zm9v"));   // padding before the end
  EXPECT_FALSE(base64_decode("Zm 9v"));      // whitespace
}

TEST(UrlEncode, UsesTheEncodeUriComponentSet) {
  EXPECT_EQ(url_encode("AZaz09-_.!~*'()"), "AZaz09-_.!~*'()");
  EXPECT_EQ(url_encode("a b/c$d&e=f"), "a%20b%2fc%24d%26e%3df");
  EXPECT_EQ(url_encode("a b/c", HexCase::upper), "a%20b%2Fc");
  EXPECT_EQ(url_encode("\xC3\xA9"), "%c3%a9");
}

TEST(UrlDecode, AcceptsBothCasesAndRejectsBadEscapes) {
  EXPECT_EQ(url_decode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(url_decode("a+b"), "a+b");
  EXPECT_FALSE(url_decode("abc%2"));
  EXPECT_FALSE(url_decode("abc%"));
  EXPECT_FALSE(url_decode("%zz"));
}

TEST(Strings, ComparesCaseInsensitively) {
  EXPECT_TRUE(iequals("Device1", "dEVICE1"));
  EXPECT_FALSE(iequals("Device1", "Device2"));
  EXPECT_FALSE(iequals("abc", "ab"));
}

}  // namespace
}  // namespace outpost
