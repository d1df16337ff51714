// Route syntax: what parses, what the parts come out as, and the error messages (route
// name, 1-based column, what is wrong) for what does not.
#include <gtest/gtest.h>

#include <string>

#include "outpost/routing/route.h"

namespace outpost::routing {
namespace {

CompiledRoute compiled(std::string_view text) {
  auto route = compile_route("r1", text);
  EXPECT_TRUE(route) << route.error();
  if (!route) std::abort();
  return std::move(route).value();
}

std::string error_of(std::string_view text) {
  auto route = compile_route("r1", text);
  EXPECT_FALSE(route) << "unexpectedly compiled: " << text;
  return route ? std::string() : route.error();
}

TEST(RouteParser, MinimalRoute) {
  const auto r = compiled("FROM /messages/* INTO $upstream");
  EXPECT_EQ(r.name(), "r1");
  EXPECT_EQ(r.source_path(), "/messages/*");
  EXPECT_EQ(r.endpoint(), Endpoint::upstream());
  EXPECT_FALSE(r.has_condition());
  EXPECT_FALSE(r.uses_body());
}

TEST(RouteParser, OptionalSelectAndKeywordCase) {
  EXPECT_EQ(compiled("SELECT * FROM /messages INTO $upstream").source_path(), "/messages");
  EXPECT_EQ(compiled("select * from /a where true into $UPSTREAM").source_path(), "/a");
  EXPECT_EQ(compiled("  FROM /messages   INTO $upstream   ").source_path(), "/messages");
}

TEST(RouteParser, PathForms) {
  EXPECT_EQ(compiled("FROM/messages/modules/x/outputs/y INTO $upstream").source_path(), "/messages/modules/x/outputs/y");
  EXPECT_EQ(compiled("FROM / messages / * INTO $upstream").source_path(), "/messages/*");
  EXPECT_EQ(compiled("FROM /messages/modules* INTO $upstream").source_path(), "/messages/modules*");
  EXPECT_EQ(compiled("FROM /messages/modules/temp-sensor.v2/* INTO $upstream").source_path(),
            "/messages/modules/temp-sensor.v2/*");
  // Lenient: segments that lex as numbers or keywords (edgeHub rejects these).
  EXPECT_EQ(compiled("FROM /messages/modules/123/outputs/not INTO $upstream").source_path(),
            "/messages/modules/123/outputs/not");
}

TEST(RouteParser, Sinks) {
  EXPECT_EQ(compiled(R"(FROM /* INTO BrokeredEndpoint("/modules/m1/inputs/in1"))").endpoint(),
            Endpoint::module_input("m1", "in1"));
  EXPECT_EQ(compiled(R"(FROM /* INTO brokeredendpoint('/modules/m1/inputs/in1'))").endpoint(),
            Endpoint::module_input("m1", "in1"));
  // edgeHub takes any four segments: the 2nd is the module, the 4th the input.
  EXPECT_EQ(compiled(R"(FROM /* INTO BrokeredEndpoint("/a/b/c/d"))").endpoint(), Endpoint::module_input("b", "d"));
  EXPECT_EQ(compiled(R"(FROM /* INTO BrokeredEndpoint(" modules/m/inputs/i/ "))").endpoint(),
            Endpoint::module_input("m", "i"));
  EXPECT_EQ(compiled("FROM /* INTO $Upstream").endpoint(), Endpoint::upstream());
}

TEST(RouteParser, EndpointNames) {
  const auto e = Endpoint::module_input("filter", "input1");
  EXPECT_EQ(e.id("edge1"), "edge1/filter/input1");
  EXPECT_EQ(e.to_string(), R"(BrokeredEndpoint("/modules/filter/inputs/input1"))");
  EXPECT_EQ(Endpoint::upstream().id("edge1"), "iothub");
  EXPECT_EQ(Endpoint::upstream().to_string(), "$upstream");
}

TEST(RouteParser, ConditionsParse) {
  const auto r = compiled("FROM /messages/* WHERE $body.a.b[2] > 3 AND NOT is_null(x) INTO $upstream");
  EXPECT_TRUE(r.has_condition());
  EXPECT_TRUE(r.uses_body());
  EXPECT_TRUE(compiled("FROM /* WHERE ((((a = 'b')))) INTO $upstream").has_condition());
  EXPECT_TRUE(compiled("FROM /* WHERE concat(a, b, c, d, e, f, g, h, i, j) = 'x' INTO $upstream").has_condition());
}

// Each case: the route, the expected error (column is 1-based within the whole route).
struct ErrorCase {
  const char* route;
  const char* error;
};

class RouteErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RouteErrors, NameRouteColumnAndProblem) { EXPECT_EQ(error_of(GetParam().route), GetParam().error); }

INSTANTIATE_TEST_SUITE_P(
    Syntax, RouteErrors,
    ::testing::Values(
        ErrorCase{"", "route 'r1': column 1: the route is empty"},
        ErrorCase{"INTO $upstream", "route 'r1': column 1: a route starts with FROM (or SELECT * FROM), found 'INTO'"},
        ErrorCase{"SELECT FROM /a INTO $upstream", "route 'r1': column 8: expected '*' after SELECT, found 'FROM'"},
        ErrorCase{"from * INTO $upstream", "route 'r1': column 6: expected a path starting with '/' after FROM, found '*'"},
        ErrorCase{"FROM /messages/modules/{moduleName}/* INTO $upstream",
                  "route 'r1': column 24: expected a path segment after '/', found '{'"},
        ErrorCase{"FROM /messages INTO", "route 'r1': column 20: expected $upstream or BrokeredEndpoint(...) after INTO, "
                                         "found the end of the route"},
        ErrorCase{"FROM /messages $upstream", "route 'r1': column 16: expected WHERE or INTO after the FROM path, found '$upstream'"},
        ErrorCase{"FROM /messages WHERE INTO $upstream", "route 'r1': column 22: expected a condition after WHERE, found 'INTO'"},
        ErrorCase{"FROM /messages WHERE a = 'b' c INTO $upstream",
                  "route 'r1': column 30: expected an operator or INTO after the condition, found 'c'"},
        ErrorCase{"FROM /messages WHERE a = 'b' $upstream",
                  "route 'r1': column 30: expected an operator or INTO after the condition, found '$upstream'"},
        ErrorCase{"FROM /messages WHERE as_number(a) -5 > 0 INTO $upstream",
                  "route 'r1': column 35: expected an operator or INTO after the condition, found '-5' (to subtract, "
                  "write '- 5' with a space)"},
        ErrorCase{"FROM /messages WHERE foo(a) INTO $upstream", "route 'r1': column 22: unknown function 'foo'"},
        ErrorCase{"FROM /messages WHERE length(a, b) = 1 INTO $upstream",
                  "route 'r1': column 22: function 'length' takes 1 argument, got 2"},
        ErrorCase{"FROM /messages WHERE substring(a) = 'x' INTO $upstream",
                  "route 'r1': column 22: function 'substring' takes 2 or 3 arguments, got 1"},
        ErrorCase{"FROM /messages WHERE concat(a) = 'x' INTO $upstream",
                  "route 'r1': column 22: function 'concat' takes at least 2 arguments, got 1"},
        ErrorCase{"FROM /messages WHERE is_defined() INTO $upstream",
                  "route 'r1': column 22: function 'is_defined' takes 1 argument, got 0"},
        ErrorCase{"FROM /messages WHERE lower(a b) = 'x' INTO $upstream",
                  "route 'r1': column 30: expected ',' or ')' in the arguments of 'lower', found 'b'"},
        ErrorCase{"FROM /messages WHERE (a = 'b' INTO $upstream",
                  "route 'r1': column 31: expected ')' to close the '(' at column 22, found 'INTO'"},
        ErrorCase{"FROM /messages WHERE a = 'b') INTO $upstream", "route 'r1': column 29: unmatched closing ')'"},
        ErrorCase{"FROM /messages WHERE a = 'b INTO $upstream", "route 'r1': column 26: unterminated string"},
        ErrorCase{"FROM /messages WHERE a = 'b\\x' INTO $upstream",
                  "route 'r1': column 28: invalid escape '\\x' in string (use \\\" \\' \\\\ or \\uXXXX)"},
        ErrorCase{"FROM /messages WHERE a @ b INTO $upstream", "route 'r1': column 24: expected an operator or INTO after "
                                                            "the condition, found '@'"},
        ErrorCase{"FROM /messages WHERE @a = 'b' INTO $upstream", "route 'r1': column 22: unexpected character '@'"},
        ErrorCase{"FROM /messages WHERE a[0] = 'b' INTO $upstream",
                  "route 'r1': column 22: unexpected 'a[0]': '[' and ']' are only allowed in $body queries"},
        ErrorCase{"FROM /messages WHERE $x[0] = 'b' INTO $upstream",
                  "route 'r1': column 22: '$x[0]': only $body queries may use '[' and ']'"},
        ErrorCase{"FROM /messages WHERE $body. = 1 INTO $upstream",
                  "route 'r1': column 22: a $body query needs a path, e.g. $body.temperature"},
        ErrorCase{"FROM /messages WHERE $body.a[] = 1 INTO $upstream",
                  "route 'r1': column 22: invalid $body query 'a[]': expected an array index (digits) after '['"},
        ErrorCase{"FROM /messages WHERE $body.a..b = 1 INTO $upstream",
                  "route 'r1': column 22: invalid $body query 'a..b': expected a property name"},
        ErrorCase{"FROM /messages WHERE {a} = 'b' INTO $upstream",
                  "route 'r1': column 23: expected a $property inside { }, found 'a'"},
        ErrorCase{"FROM /messages WHERE 0x10000000000000000 > 1 INTO $upstream",
                  "route 'r1': column 22: hex number 0x10000000000000000 is out of range (64 bits)"},
        ErrorCase{"FROM /* INTO $downstream",
                  "route 'r1': column 14: unknown endpoint '$downstream': use $upstream or "
                  "BrokeredEndpoint(\"/modules/{module}/inputs/{input}\")"},
        ErrorCase{"FROM /* INTO ModuleEndpoint(\"/modules/a/inputs/b\")",
                  "route 'r1': column 14: unknown endpoint function 'ModuleEndpoint' (expected BrokeredEndpoint)"},
        ErrorCase{"FROM /* INTO BrokeredEndpoint(\"/modules/a/inputs\")",
                  "route 'r1': column 31: BrokeredEndpoint address '/modules/a/inputs' has 3 segments instead of 4: "
                  "expected /modules/{module}/inputs/{input}"},
        ErrorCase{"FROM /* INTO BrokeredEndpoint(\"/modinstances/alertLogic/in\")",
                  "route 'r1': column 31: BrokeredEndpoint address '/modinstances/alertLogic/in' has 3 segments "
                  "instead of 4: expected /modules/{module}/inputs/{input}"},
        ErrorCase{"FROM /* INTO BrokeredEndpoint(\"/modules//inputs/in\")",
                  "route 'r1': column 31: BrokeredEndpoint address '/modules//inputs/in' has an empty module name: "
                  "expected /modules/{module}/inputs/{input}"},
        ErrorCase{"FROM /* INTO BrokeredEndpoint(/modules/a/inputs/b)",
                  "route 'r1': column 31: expected a quoted address in BrokeredEndpoint(...), found '/'"},
        ErrorCase{"FROM /* INTO BrokeredEndpoint(\"/modules/a/inputs/b\"",
                  "route 'r1': column 52: expected ')' after the BrokeredEndpoint address, found the end of the route"},
        ErrorCase{"FROM /* INTO $upstream;", "route 'r1': column 23: unexpected ';' after the sink"},
        ErrorCase{"FROM /*\nWHERE a = \n INTO $upstream",
                  "route 'r1': line 3, column 2: expected an expression, found 'INTO'"}));

TEST(RouteParser, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = "FROM /* WHERE " + std::string(10000, '(') + "true" + std::string(10000, ')') + " INTO $upstream";
  EXPECT_NE(error_of(deep).find("nested too deeply"), std::string::npos);
  std::string chain = "FROM /* WHERE true";
  for (int i = 0; i < 5000; ++i) chain += " AND true";
  EXPECT_NE(error_of(chain + " INTO $upstream").find("nested too deeply"), std::string::npos);
  const std::string nots = "FROM /* WHERE " + [] { std::string s; for (int i = 0; i < 5000; ++i) s += "NOT "; return s; }() +
                           "true INTO $upstream";
  EXPECT_NE(error_of(nots).find("nested too deeply"), std::string::npos);
  // Moderate nesting is fine.
  EXPECT_TRUE(compile_route("r1", "FROM /* WHERE " + std::string(50, '(') + "true" + std::string(50, ')') +
                                      " INTO $upstream"));
}

TEST(RouteParser, HugeInputGivesShortErrors) {
  const std::string name(100000, 'f');
  const std::string error = error_of("FROM /* WHERE " + name + "(1) INTO $upstream");
  EXPECT_EQ(error.rfind("route 'r1': column 15: unknown function 'ffff", 0), 0u);
  EXPECT_LT(error.size(), 200u);
  EXPECT_LT(error_of("FROM /* WHERE $body." + std::string(100000, 'a') + "[ = 1 INTO $upstream").size(), 200u);
  EXPECT_LT(error_of("FROM /* INTO BrokeredEndpoint('" + std::string(100000, '/') + "')").size(), 200u);
  // Many "/*" with no "*/" anywhere: each is a '/' and a '*' (and lexing stays linear).
  std::string path = "/messages";
  for (int i = 0; i < 20000; ++i) path += "/*x";
  const auto route = compile_route("r1", "FROM " + path + " INTO $upstream");
  ASSERT_TRUE(route) << route.error();
  EXPECT_EQ(route->source_path(), path);
}

TEST(RouteParser, SyntaxCheckSkipsTypes) {
  // check_route_syntax is what edgeHub checks on a twin update: no type rules.
  EXPECT_TRUE(check_route_syntax("r1", "FROM /* WHERE temp > 100 INTO $upstream"));
  EXPECT_FALSE(compile_route("r1", "FROM /* WHERE temp > 100 INTO $upstream"));
  EXPECT_FALSE(check_route_syntax("r1", "FROM /* WHERE foo(1) INTO $upstream"));
  EXPECT_FALSE(check_route_syntax("r1", "FROM /* WHERE length() = 1 INTO $upstream"));
  EXPECT_EQ(check_route_syntax("r9", "FROM /* INTO $nowhere").error(),
            "route 'r9': column 14: unknown endpoint '$nowhere': use $upstream or "
            "BrokeredEndpoint(\"/modules/{module}/inputs/{input}\")");
}

}  // namespace
}  // namespace outpost::routing
