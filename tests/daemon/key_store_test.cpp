// The daemon's keys: made once with mode 0600, stable across restarts, module keys derived
// as IoT Edge 1.2+ derives them, ciphertext bound to module, generation and IV.
#include "key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "support/process.h"

namespace outpost::daemon {
namespace {

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = outpost::testing::make_temp_dir("outpost-keys"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  unsigned mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
  std::string dir_;
};

TEST_F(KeyStoreTest, KeysAreMadeOncePrivateAndSurviveARestart) {
  const auto keys = KeyStore::open(dir_ + "/keys");
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ(mode_of(dir_ + "/keys"), 0700u);
  EXPECT_EQ(mode_of(dir_ + "/keys/master.key"), 0600u);
  EXPECT_EQ(mode_of(dir_ + "/keys/encryption.key"), 0600u);
  const auto before = keys->module_key("filter", "gen1", KeySlot::primary);
  const auto reopened = KeyStore::open(dir_ + "/keys");
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_EQ(reopened->module_key("filter", "gen1", KeySlot::primary), before) << "a restart keeps every module's key";
}

TEST_F(KeyStoreTest, ModuleKeysAreTheHmacOfModuleGenerationAndSlot) {
  const auto keys = KeyStore::open(dir_ + "/keys");
  ASSERT_TRUE(keys);
  const auto master = outpost::testing::read_file(dir_ + "/keys/master.key");
  EXPECT_EQ(keys->module_key("filter", "637000", KeySlot::primary),
            base64_encode(hmac_sha256(master, "filter:637000:primary")));
  EXPECT_EQ(keys->module_key("filter", "637000", KeySlot::secondary),
            base64_encode(hmac_sha256(master, "filter:637000:secondary")));
  EXPECT_NE(keys->module_key("filter", "637001", KeySlot::primary), keys->module_key("filter", "637000", KeySlot::primary))
      << "a new generation gets new keys";
}

TEST_F(KeyStoreTest, ADamagedKeyFileIsAnErrorNotAQuietNewKey) {
  ASSERT_TRUE(KeyStore::open(dir_ + "/keys"));
  outpost::testing::write_file(dir_ + "/keys/master.key", "short");
  const auto keys = KeyStore::open(dir_ + "/keys");
  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error_kind(), ErrorKind::storage_corrupt);
  EXPECT_NE(keys.error().find("expected a 32-byte key, found 5 bytes"), std::string::npos) << keys.error();
  EXPECT_EQ(outpost::testing::read_file(dir_ + "/keys/master.key"), "short") << "left for the operator to restore";
}

TEST_F(KeyStoreTest, CiphertextOpensOnlyForTheSameModuleGenerationAndIv) {
  const auto keys = KeyStore::open(dir_ + "/keys");
  ASSERT_TRUE(keys);
  const auto sealed = keys->encrypt("filter", "g1", "iv-1", "connection secret");
  EXPECT_EQ(keys->decrypt("filter", "g1", "iv-1", sealed), "connection secret");
  EXPECT_FALSE(keys->decrypt("other", "g1", "iv-1", sealed)) << "another module";
  EXPECT_FALSE(keys->decrypt("filter", "g2", "iv-1", sealed)) << "another generation";
  EXPECT_FALSE(keys->decrypt("filter", "g1", "iv-2", sealed)) << "another IV";
  EXPECT_FALSE(keys->decrypt("filte", "rg1", "iv-1", sealed)) << "the parts are not just concatenated";
}

}  // namespace
}  // namespace outpost::daemon
