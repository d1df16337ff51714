// One error vocabulary for the whole house (docs/DEVELOPING.md, "Errors"): a value or an
// error, where the error says what kind of failure it is (so a caller can tell a full disk
// from corruption from bad input) and names what is wrong in words for people.
// C++20 has no std::expected; this is the small part of it we use.
#pragma once
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace outpost {

// What a caller may need to react to differently. Add a kind only when some caller acts on it.
enum class ErrorKind {
  invalid_input,    // the input (a packet, a config, a request, a record) is wrong: refuse it
  not_found,        // what was asked for does not exist
  storage_full,     // the disk (or a configured cap) is full: stop writing, keep serving
  storage_corrupt,  // what is stored cannot be read back as it was written
  io,               // the operating system or a database failed in another way
  unavailable,      // busy or unreachable now: trying again later may work
};

std::string_view to_string(ErrorKind kind);

struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::invalid_input;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }
inline Error make_error(ErrorKind kind, std::string message) { return Error{std::move(message), kind}; }
// The same failure, its message prefixed with where it happened ("store: ").
inline Error with_context(std::string_view context, const Error& error) {
  return Error{std::string(context) + error.message, error.kind};
}

// A value or an error of type E. E is `Error` everywhere except at the cloud's service
// boundary, whose errors already carry their HTTP status (`cloud::Outcome`, iothub::ServiceError).
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(E error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The whole error: return it to pass a failure up with its kind intact.
  const E& failure() const { return std::get<1>(state_); }
  // For Error, its message (what logs and protocol answers show); otherwise the error itself.
  decltype(auto) error() const {
    if constexpr (std::is_same_v<E, Error>) return (failure().message);
    else return failure();
  }
  ErrorKind error_kind() const requires std::is_same_v<E, Error> { return failure().kind; }

  T value_or(T fallback) && { return ok() ? std::move(value()) : std::move(fallback); }

 private:
  std::variant<T, E> state_;
};

// Result<void>: success or an error.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }

  const E& failure() const { return error_; }
  decltype(auto) error() const {
    if constexpr (std::is_same_v<E, Error>) return (error_.message);
    else return (error_);
  }
  ErrorKind error_kind() const requires std::is_same_v<E, Error> { return error_.kind; }

 private:
  E error_{};
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace outpost
