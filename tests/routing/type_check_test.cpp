// Compile-time type checking, as edgeHub does it: application and system properties are
// strings, $body values are dynamic, and mismatches are errors naming route and column.
#include <gtest/gtest.h>

#include <string>

#include "routing_test_util.h"

namespace outpost::routing {
namespace {

using testing::compile_error;

// Columns below count from the start of "FROM /* WHERE <condition> INTO $upstream", so the
// condition starts at column 15.
struct TypeErrorCase {
  const char* condition;
  const char* error;
};

class TypeErrors : public ::testing::TestWithParam<TypeErrorCase> {};

TEST_P(TypeErrors, AreCompileErrorsWithPosition) {
  EXPECT_EQ(compile_error(GetParam().condition), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    EdgeHubRules, TypeErrors,
    ::testing::Values(
        TypeErrorCase{"temp > 30", "route 'r1': column 20: operator '>' cannot compare string with number "
                                   "(application and system properties are strings: convert with as_number())"},
        TypeErrorCase{"humidity = 50", "route 'r1': column 24: operator '=' cannot compare string with number "
                                       "(application and system properties are strings: convert with as_number())"},
        TypeErrorCase{"30 < $connectionDeviceId", "route 'r1': column 18: operator '<' cannot compare number with string "
                                                  "(application and system properties are strings: convert with as_number())"},
        TypeErrorCase{"a <> true", "route 'r1': column 17: operator '<>' cannot compare string with bool"},
        TypeErrorCase{"a = null", "route 'r1': column 17: operator '=' cannot compare string with null"},
        TypeErrorCase{"a = undefined", "route 'r1': column 17: operator '=' cannot compare string with undefined"},
        TypeErrorCase{"$body.a = undefined", "route 'r1': column 23: operator '=' cannot compare body value with undefined"},
        TypeErrorCase{"a + 1 = 2", "route 'r1': column 17: operator '+' needs numbers, got string and number "
                                   "(application and system properties are strings: convert with as_number())"},
        TypeErrorCase{"2 * 'x' = 2", "route 'r1': column 17: operator '*' needs numbers, got number and string "
                                     "(application and system properties are strings: convert with as_number())"},
        TypeErrorCase{"true % 2 = 0", "route 'r1': column 20: operator '%' needs numbers, got bool and number"},
        TypeErrorCase{"a || 5 = 'x'", "route 'r1': column 17: operator '||' needs strings, got string and number"},
        TypeErrorCase{"- a = 1", "route 'r1': column 15: operator '-' needs a number, got string"},
        TypeErrorCase{"NOT a", "route 'r1': column 15: NOT needs a bool, got string (NOT applies to the operand right "
                               "after it: write NOT (a = b) to negate a comparison)"},
        TypeErrorCase{"NOT $x = 'a'", "route 'r1': column 15: NOT needs a bool, got string (NOT applies to the operand "
                                      "right after it: write NOT (a = b) to negate a comparison)"},
        TypeErrorCase{"NOT undefined", "route 'r1': column 15: NOT needs a bool, got undefined (NOT applies to the "
                                       "operand right after it: write NOT (a = b) to negate a comparison)"},
        TypeErrorCase{"a AND true", "route 'r1': column 17: operator 'AND' needs bools, got string and bool"},
        TypeErrorCase{"true OR 1", "route 'r1': column 20: operator 'OR' needs bools, got bool and number"},
        TypeErrorCase{"(a ?? 1) = 1", "route 'r1': column 18: operator '?" "?' needs operands of the same type, got string "
                                      "and number"},
        TypeErrorCase{"length(5) = 1", "route 'r1': column 15: function 'length' expects (string), got (number)"},
        TypeErrorCase{"abs(a) = 1", "route 'r1': column 15: function 'abs' expects (number), got (string)"},
        TypeErrorCase{"power(2, 'x') = 1", "route 'r1': column 15: function 'power' expects (number, number), got "
                                           "(number, string)"},
        TypeErrorCase{"as_number(true) = 1", "route 'r1': column 15: function 'as_number' expects (string) or "
                                             "(number), got (bool)"},
        TypeErrorCase{"concat(a, 1) = 'x'", "route 'r1': column 15: function 'concat' expects (string, string, ...), "
                                            "got (string, number)"},
        TypeErrorCase{"substring(a, '1') = 'x'", "route 'r1': column 15: function 'substring' expects (string, number) "
                                                 "or (string, number, number), got (string, string)"},
        TypeErrorCase{"contains(a, 1)", "route 'r1': column 15: function 'contains' expects (string, string), got "
                                        "(string, number)"},
        TypeErrorCase{"temp", "route 'r1': column 15: the condition must be a bool, but this is a string"},
        TypeErrorCase{"1 + 2", "route 'r1': column 17: the condition must be a bool, but this is a number"}));

TEST(TypeCheck, WellTypedConditionsCompile) {
  for (const char* c : {
           "as_number(temp) > 30",
           "temp = '30'",
           "$body.temp > 30",                    // dynamic against anything concrete
           "$body.name = 'x' AND $body.flag",    // dynamic as a bool
           "$body.a = $body.b",
           "$body.a = null",
           "$body.a + 1 > $body.b * 2",
           "($body.a + 1) = 'x'",                // arithmetic on dynamic stays dynamic
           "$body.s || 'x' = 'yx'",
           "null = null",
           "undefined = undefined",
           "true = false",
           "NOT null",
           "NOT $body.flag",
           "- $body.x < 0",
           "(a ?? 'b') = 'b'",
           "($body.a ?? 1) > 0",
           "is_bool(a) OR is_number(1) OR is_string(null) OR is_null(undefined) OR is_defined($body.a)",
           "as_number($body.x) = as_number('1')",
           "concat(a, $body.b, 'c') = 'abc'",
           "substring($body.s, $body.n, 2) = 'x'",
           "undefined AND null OR true",
           "$body.flag",
           "null",
           "undefined",
       }) {
    EXPECT_EQ(compile_error(c), "") << c;
  }
}

}  // namespace
}  // namespace outpost::routing
