#include "outpost/core/config.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <vector>

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

TEST(ConfigYaml, KeysComeInTheFilesOrder) {
  const auto root = parse_yaml("images:\n  \"z:*\": a\n  \"b:1\": c\n  \"m\": d\n", "config.yaml");
  EXPECT_EQ(root.child("images").keys(), (std::vector<std::string>{"z:*", "b:1", "m"}));
  EXPECT_TRUE(root.child("missing").keys().empty());
  EXPECT_EQ(error_of([&] { (void)parse_yaml("images: [a]\n", "c.yaml").child("images").keys(); }),
            "c.yaml:1:9: images: expected a mapping");
}

TEST(ConfigYaml, AsJsonTypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
  const auto root = parse_yaml("o:\n  flag: true\n  n: 42\n  x: 1.5\n  neg: -3\n  s: \"42\"\n  name: edge\n"
                               "  list: [1, two]\n  nothing: ~\n", "c.yaml");
  const auto as_json = root.child("o").as_json();
  EXPECT_EQ(as_json, nlohmann::json::parse(R"({"flag":true,"n":42,"x":1.5,"neg":-3,"s":"42","name":"edge",)"
                                           R"("list":[1,"two"],"nothing":null})"));
  std::string deep = "o: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  EXPECT_NE(error_of([&] { (void)parse_yaml(deep + "\n", "c.yaml").child("o").as_json(); }).find("nested deeper than 64"),
            std::string::npos);
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

using Problems = std::vector<std::string>;

TEST(ConfigYaml, ReportsEveryUnknownKey) {
  const auto root = parse_yaml("hostname: h\nhostnmae: typo\ndevice: e\n", "hub.yaml");
  root.expect_only({"hostname", "device_id"});
  EXPECT_EQ(root.problems().list(),
            (Problems{"hub.yaml:2:1: hostnmae: unknown key (expected one of: hostname, device_id)",
                      "hub.yaml:3:1: device: unknown key (expected one of: hostname, device_id)"}));
}

TEST(ConfigYaml, ReportsEveryDuplicateKey) {
  EXPECT_EQ(parse_yaml("a: 1\nlisten:\n  mqtt: x\n  mqtt: y\na: 2\n", "d.yaml").problems().list(),
            (Problems{"d.yaml:4:3: key 'mqtt' appears twice (first on line 3)",
                      "d.yaml:5:1: key 'a' appears twice (first on line 1)"}));
  EXPECT_EQ(parse_yaml("storage: {a: 1}\nstorage: {b: 2}\n", "d.yaml").problems().list(),
            (Problems{"d.yaml:2:1: key 'storage' appears twice (first on line 1)"}));
}

TEST(ConfigProblems, AttemptRecordsWhatAStepThrowsAndReadingGoesOn) {
  const auto root = parse_yaml("n: lots\nm: 3\nk: x\n", "c.yaml");
  std::int64_t m = 0;
  root.attempt([&] { root.integer("n"); });
  root.attempt([&] { m = root.integer("m"); });
  root.attempt([&] { root.string("missing"); });
  root.child("k").report("is not what we want");
  EXPECT_EQ(m, 3);
  EXPECT_EQ(root.problems().list(), (Problems{"c.yaml:1:4: n: expected an integer, got 'lots'",
                                              "c.yaml:1:1: missing required key 'missing'",
                                              "c.yaml:3:4: k: is not what we want"}));
  root.child("k").report("is not what we want");  // a repeat is not listed twice
  EXPECT_EQ(root.problems().list().size(), 3u);
  try {
    root.problems().throw_if_any();
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3u);
    EXPECT_EQ(std::string(e.what()),
              "c.yaml:1:4: n: expected an integer, got 'lots'\nc.yaml:1:1: missing required key 'missing'\n"
              "c.yaml:3:4: k: is not what we want");
  }
}

TEST(ConfigProblems, NothingToThrowWhenAllIsWell) {
  ConfigProblems problems;
  problems.attempt([] {});
  EXPECT_TRUE(problems.empty());
  problems.throw_if_any();
  EXPECT_EQ(ConfigError("one").problems(), Problems{"one"});
  EXPECT_STREQ(ConfigError("one").what(), "one");
}

TEST(ConfigYaml, ReadYamlConfigListsEveryProblemOfALoader) {
  const std::string dir = ::testing::TempDir();
  const auto file = dir + "/loader.yaml";
  std::ofstream(file) << "name: n\nsize: big\nsize2: 3\ncolour: blue\nname: again\n";
  // A loader that stops at nothing: unknown keys, a bad value, a missing key, and the
  // parser's duplicate key all end up in one ConfigError.
  const auto read = [](const ConfigNode& root) {
    root.expect_only({"name", "size", "size2", "owner"});
    root.attempt([&] { root.integer("size"); });
    root.attempt([&] { root.string("owner"); });
    return root.integer("size2");
  };
  try {
    read_yaml_config(file, read);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems(), (Problems{file + ":5:1: key 'name' appears twice (first on line 1)",
                                      file + ":4:1: colour: unknown key (expected one of: name, size, size2, owner)",
                                      file + ":2:7: size: expected an integer, got 'big'",
                                      file + ":1:1: missing required key 'owner'"}));
  }
  std::ofstream(file, std::ios::trunc) << "name: n\nsize: 1\nsize2: 3\nowner: o\n";
  EXPECT_EQ(read_yaml_config(file, read), 3);
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
