// Three-valued logic: the full truth tables of AND, OR, NOT and ??, and how undefined and
// null propagate through comparisons and arithmetic (hub-protocol.md §2).
#include <string>
#include <vector>

#include "routing_test_util.h"

namespace outpost::routing {
namespace {

using testing::F;
using testing::T;
using testing::U;
using testing::operator<<;

// Bool-typed operands with each outcome: `missing` is an absent application property, so
// comparing it is undefined (the literal `undefined` has its own type, which NOT refuses).
struct Operand {
  const char* text;
  Truth value;
};
const Operand kOperands[] = {{"(1 = 1)", T}, {"(1 = 2)", F}, {"(missing = 'x')", U}};

Truth expected_and(Truth a, Truth b) {
  if (a == F || b == F) return F;
  if (a == U || b == U) return U;
  return T;
}
Truth expected_or(Truth a, Truth b) {
  if (a == T || b == T) return T;
  if (a == U || b == U) return U;
  return F;
}

TEST(ThreeValuedLogic, AndTruthTable) {
  for (const auto& a : kOperands)
    for (const auto& b : kOperands)
      EXPECT_EQ(testing::eval(std::string(a.text) + " AND " + b.text, Message{}), expected_and(a.value, b.value))
          << a.text << " AND " << b.text;
}

TEST(ThreeValuedLogic, OrTruthTable) {
  for (const auto& a : kOperands)
    for (const auto& b : kOperands)
      EXPECT_EQ(testing::eval(std::string(a.text) + " OR " + b.text, Message{}), expected_or(a.value, b.value))
          << a.text << " OR " << b.text;
}

TEST(ThreeValuedLogic, NotTruthTable) {
  EXPECT_EQ(testing::eval("NOT (1 = 1)", Message{}), F);
  EXPECT_EQ(testing::eval("NOT (1 = 2)", Message{}), T);
  EXPECT_EQ(testing::eval("NOT (missing = 'x')", Message{}), U);  // NOT undefined = undefined
}

TEST(ThreeValuedLogic, LiteralUndefinedInAndOr) {
  EXPECT_EQ(testing::eval("false AND undefined", Message{}), F);
  EXPECT_EQ(testing::eval("true AND undefined", Message{}), U);
  EXPECT_EQ(testing::eval("true OR undefined", Message{}), T);
  EXPECT_EQ(testing::eval("false OR undefined", Message{}), U);
  EXPECT_EQ(testing::eval("undefined OR undefined", Message{}), U);
}

TEST(ThreeValuedLogic, NullIsNotABoolInAndOr) {
  EXPECT_EQ(testing::eval("false AND null", Message{}), F);
  EXPECT_EQ(testing::eval("true AND null", Message{}), U);
  EXPECT_EQ(testing::eval("true OR null", Message{}), T);
  EXPECT_EQ(testing::eval("false OR null", Message{}), U);
}

TEST(ThreeValuedLogic, BodyValuesThatAreNotBoolsAreUndefinedInLogic) {
  const Message m = testing::MessageBuilder().json(R"({"yes": true, "no": false, "text": "x", "nil": null})");
  EXPECT_EQ(testing::eval("$body.yes AND $body.yes", m), T);
  EXPECT_EQ(testing::eval("$body.yes AND $body.text", m), U);
  EXPECT_EQ(testing::eval("$body.no AND $body.text", m), F);
  EXPECT_EQ(testing::eval("$body.text OR $body.yes", m), T);
  EXPECT_EQ(testing::eval("NOT $body.text", m), U);
  EXPECT_EQ(testing::eval("NOT $body.nil", m), U);
  EXPECT_EQ(testing::eval("$body.text", m), U);  // a condition that is not a bool does not fire
}

TEST(ThreeValuedLogic, CoalesceTable) {
  const Message m = testing::MessageBuilder().app("a", "A").app("n", std::nullopt);
  EXPECT_EQ(testing::eval("(a ?? 'b') = 'A'", m), T);        // defined: left
  EXPECT_EQ(testing::eval("(missing ?? 'b') = 'b'", m), T);  // undefined: right
  EXPECT_EQ(testing::eval("is_null(n ?? 'b')", m), T);        // null is defined: left
  EXPECT_EQ(testing::eval("is_defined(missing ?? other)", m), F);
  EXPECT_EQ(testing::eval("(missing = 'x') ?? true", m), T);
  EXPECT_EQ(testing::eval("(1 = 2) ?? true", m), F);
  EXPECT_EQ(testing::eval("undefined ?? undefined", m), U);
}

TEST(ThreeValuedLogic, UndefinedPropagatesThroughComparisonsAndArithmetic) {
  for (const char* c : {"missing = 'x'", "missing != 'x'", "missing < 'x'", "missing >= 'x'",
                        "as_number(missing) + 1 > 0", "as_number(missing) * 0 = 0", "- as_number(missing) < 0",
                        "missing || 'x' = 'x'", "length(missing) = 0", "undefined = undefined"}) {
    EXPECT_EQ(testing::eval(c, Message{}), U) << c;
  }
}

TEST(ThreeValuedLogic, NullPropagatesThroughComparisonsAndArithmetic) {
  // A property present without a value is null: comparisons with it are undefined.
  const Message m = testing::MessageBuilder().app("n", std::nullopt).json(R"({"nil": null, "num": 3})");
  for (const char* c : {"n = 'x'", "n != 'x'", "n < 'x'", "as_number(n) = 1", "$body.nil + 1 = 1",
                        "$body.nil * 2 = 0", "- $body.nil = 0", "$body.nil > 1", "length($body.nil) = 0"}) {
    EXPECT_EQ(testing::eval(c, m), U) << c;
  }
  // Null equals null; a body value of another kind is never equal to null.
  EXPECT_EQ(testing::eval("$body.nil = null", m), T);
  EXPECT_EQ(testing::eval("$body.num = null", m), F);
  EXPECT_EQ(testing::eval("$body.num != null", m), T);
  EXPECT_EQ(testing::eval("null <= null", m), T);
  EXPECT_EQ(testing::eval("null < null", m), F);
}

TEST(ThreeValuedLogic, UndefinedConditionDoesNotMatch) {
  auto route = compile_route("r", "FROM /* WHERE missing = 'x' INTO $upstream");
  ASSERT_TRUE(route) << route.error();
  EXPECT_FALSE(route->matches(Message{}));
  auto negated = compile_route("r", "FROM /* WHERE NOT (missing = 'x') INTO $upstream");
  ASSERT_TRUE(negated);
  EXPECT_FALSE(negated->matches(Message{}));  // NOT undefined is still undefined
}

TEST(ThreeValuedLogic, PrefixOperatorsBindTighterThanBinaryOnes) {
  // As in edgeHub's ANTLR grammar: `NOT a AND b` is `(NOT a) AND b`, `- a * b` is `(-a) * b`.
  EXPECT_EQ(testing::eval("NOT false AND false", Message{}), F);
  EXPECT_EQ(testing::eval("NOT (false AND false)", Message{}), T);
  EXPECT_EQ(testing::eval("- 2 * 3 = -6", Message{}), T);
  // Precedence: * before +, + before comparison, comparison before =, = before AND before OR before ??.
  EXPECT_EQ(testing::eval("1 + 2 * 3 = 7", Message{}), T);
  EXPECT_EQ(testing::eval("(1 + 2) * 3 = 9", Message{}), T);
  EXPECT_EQ(testing::eval("1 < 2 = true", Message{}), T);
  EXPECT_EQ(testing::eval("true OR false AND false", Message{}), T);
  EXPECT_EQ(testing::eval("10 - 2 - 3 = 5", Message{}), T);  // left-associative
  EXPECT_EQ(testing::eval("12 / 2 / 3 = 2", Message{}), T);
}

}  // namespace
}  // namespace outpost::routing
