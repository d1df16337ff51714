// Time source that tests can drive. Production code asks a Clock, never the OS directly,
// wherever time decides an outcome (token expiry, message TTL).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpost {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  std::int64_t unix_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  std::int64_t unix_millis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& instance();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start = time_point{std::chrono::seconds{1'700'000'000}})
      : now_ns_(start.time_since_epoch().count()) {}
  time_point now() const override { return time_point{time_point::duration{now_ns_.load()}}; }
  void advance(std::chrono::nanoseconds by) {
    now_ns_ += std::chrono::duration_cast<time_point::duration>(by).count();
  }
  void set(time_point to) { now_ns_ = to.time_since_epoch().count(); }

 private:
  std::atomic<time_point::rep> now_ns_;
};

// ISO 8601 UTC with milliseconds, as IoT Hub writes timestamps: 2024-01-02T03:04:05.678Z
std::string format_iso8601(Clock::time_point t);
// Parses YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) (iothub-expiry, ?from=, $.exp) to
// unix milliseconds, for years 1970..2200; nullopt otherwise.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace outpost
