// Parses a WHERE condition by precedence climbing, from loosest to tightest:
//   ??  <  OR  <  AND  <  = != <>  <  < <= > >=  <  + - ||  <  * / %  <  prefix - NOT
// Binary operators are left-associative; prefix operators bind tighter than any binary
// operator, as in edgeHub's ANTLR grammar (`NOT a = b` is `(NOT a) = b`).
//   primary := literal | SYS_PROP | ID | '{' SYS_PROP '}' | ID '(' [expr (',' expr)*] ')' | '(' expr ')'
// It resolves builtin names and checks arities, and parses $body paths; types come later
// (type_check.h).
#pragma once
#include <cstdint>

#include "ast.h"
#include "token_cursor.h"

namespace outpost::routing::detail {

// Nesting deeper than this is refused, so type checking and evaluation can recurse safely.
inline constexpr int kMaxConditionDepth = 128;

// Parses one expression at the cursor into `condition` (nodes appended, uses_body set) and
// returns its root, or -1 with the error recorded in the cursor. Stops at the first token
// that cannot continue the expression (INTO, normally).
std::int32_t parse_condition(TokenCursor& cursor, Condition& condition);

}  // namespace outpost::routing::detail
