// What every outpost-load mode measures with: a monotonic clock and percentiles of latencies.
#pragma once
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace outpost::load {

inline std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

// The q-quantile of `v` (nanoseconds) in microseconds; reorders `v`.
inline double percentile_us(std::vector<std::uint64_t>& v, double q) {
  if (v.empty()) return 0;
  const auto i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]) / 1000.0;
}

}  // namespace outpost::load
