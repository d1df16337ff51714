// The one exception the house throws on purpose (docs/DEVELOPING.md, "Errors"): a database
// layer that fails deep inside a statement. It carries the same ErrorKind as Result, and is
// caught where a request or a public function ends — there it becomes a Result, a 500 or a
// closed connection, never a crash.
#pragma once
#include <stdexcept>
#include <string>

#include "outpost/core/result.h"

namespace outpost {

class StorageFailure : public std::runtime_error {
 public:
  StorageFailure(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  Error error() const { return make_error(kind_, what()); }

 private:
  ErrorKind kind_;
};

}  // namespace outpost
