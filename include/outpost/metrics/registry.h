// Prometheus metrics: counters, gauges and summaries with labels, rendered in the text
// exposition format. Series are created on first use and live as long as the registry;
// hot paths keep the returned reference instead of looking a series up per event.
// Thread-safe: values are atomic, the series maps take a mutex.
#pragma once
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace outpost::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Quantiles over the most recent observations (at most `window_size`, none older than
// `max_age`, after which quantiles read NaN, as edgeHub's do), plus _sum and _count.
class Summary {
 public:
  explicit Summary(std::size_t window_size = 1024,
                   std::chrono::seconds max_age = std::chrono::minutes(10));
  void observe(double value);
  double sum() const;
  std::uint64_t count() const;
  // NaN when there are no recent observations.
  double quantile(double q) const;

 private:
  mutable std::mutex mutex_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, double>> window_;
  std::size_t window_size_;
  std::chrono::seconds max_age_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class Registry {
 public:
  // `const_labels` go on every series (edgeHub: iothub, edge_device, instance_number).
  explicit Registry(Labels const_labels = {});

  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Summary& summary(const std::string& name, const std::string& help, const Labels& labels = {});

  // Runs before each render, to refresh gauges that are cheaper to read than to track.
  void on_collect(std::function<void()> refresh);

  std::string render() const;  // Prometheus text format 0.0.4

 private:
  enum class Kind { counter, gauge, summary };
  struct Family {
    Kind kind;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Summary>> summaries;
  };
  Family& family(const std::string& name, const std::string& help, Kind kind);

  Labels const_labels_;
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void()>> refreshers_;
};

}  // namespace outpost::metrics
