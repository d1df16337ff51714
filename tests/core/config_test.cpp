#include "outpost/core/config.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace outpost {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConfigYaml, ReadsTypedValues) {
  const auto root = parse_yaml("hostname: h\nlisten:\n  mqtt: \"127.0.0.1:1883\"\nn: 42\nflag: true\n",
                               "hub.yaml");
  EXPECT_EQ(root.string("hostname"), "h");
  EXPECT_EQ(root.child("listen").string("mqtt"), "127.0.0.1:1883");
  EXPECT_EQ(root.integer("n"), 42);
  EXPECT_TRUE(root.bool_or("flag", false));
  EXPECT_EQ(root.integer_or("missing", 7), 7);
  EXPECT_EQ(root.child("listen").optional_string("mqtts"), std::nullopt);
}

TEST(ConfigYaml, ErrorsNameFileLineAndKey) {
  const auto root = parse_yaml("hostname: h\nstorage:\n  max_bytes: lots\n", "hub.yaml");
  EXPECT_EQ(error_of([&] { root.child("storage").integer("max_bytes"); }),
            "hub.yaml:3:14: storage.max_bytes: expected an integer, got 'lots'");
  EXPECT_EQ(error_of([&] { root.string("device_id"); }),
            "hub.yaml:1:1: missing required key 'device_id'");
  EXPECT_EQ(error_of([&] { root.child("storage").string("folder"); }),
            "hub.yaml:3:3: storage: missing required key 'folder'");
}

TEST(ConfigYaml, RejectsUnknownKeys) {
  const auto root = parse_yaml("hostname: h\nhostnmae: typo\n", "hub.yaml");
  EXPECT_EQ(error_of([&] { root.expect_only({"hostname", "device_id"}); }),
            "hub.yaml:2:1: hostnmae: unknown key (expected one of: hostname, device_id)");
}

TEST(ConfigYaml, RejectsDuplicateKeys) {
  EXPECT_EQ(error_of([] { parse_yaml("a: 1\nlisten:\n  mqtt: x\n  mqtt: y\n", "d.yaml"); }),
            "d.yaml:4:3: key 'mqtt' appears twice (first on line 3)");
  EXPECT_EQ(error_of([] { parse_yaml("storage: {a: 1}\nstorage: {b: 2}\n", "d.yaml"); }),
            "d.yaml:2:1: key 'storage' appears twice (first on line 1)");
}

TEST(ConfigYaml, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(error_of([] { parse_yaml("a: 1\nb: [1, 2\n", "bad.yaml"); }).substr(0, 10), "bad.yaml:3");
  EXPECT_EQ(error_of([] { parse_yaml("- 1\n- 2\n", "list.yaml"); }),
            "list.yaml: the top level must be a mapping of keys");
  EXPECT_EQ(error_of([] { load_yaml_file("/nonexistent/x.yaml"); }),
            "/nonexistent/x.yaml: cannot open: No such file or directory");
}

TEST(ConfigJson, SyntaxErrorsNameLineAndColumn) {
  const auto message = error_of([] { parse_json_text("{\n  \"a\": 1,\n  \"b\": ]\n}", "d.json"); });
  EXPECT_EQ(message.substr(0, 12), "d.json:3:8: ") << message;
  EXPECT_EQ(parse_json_text("{\"a\":[1]}", "ok.json")["a"][0], 1);
}

TEST(ConfigEnv, TreatsEmptyAsUnset) {
  ::setenv("OUTPOST_TEST_ENV", "", 1);
  EXPECT_EQ(env_var("OUTPOST_TEST_ENV"), std::nullopt);
  ::setenv("OUTPOST_TEST_ENV", "v", 1);
  EXPECT_EQ(env_var("OUTPOST_TEST_ENV"), "v");
}

}  // namespace
}  // namespace outpost
