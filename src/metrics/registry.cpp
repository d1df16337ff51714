#include "outpost/metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace outpost::metrics {
namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_labels(const Labels& const_labels, const Labels& labels,
                          const std::string& extra = {}) {
  std::string out;
  for (const auto* set : {&const_labels, &labels})
    for (const auto& [k, v] : *set) out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", k, escape_label(v));
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

Summary::Summary(std::size_t window_size, std::chrono::seconds max_age)
    : window_size_(window_size), max_age_(max_age) {}

void Summary::observe(double value) {
  std::lock_guard lock(mutex_);
  window_.emplace_back(std::chrono::steady_clock::now(), value);
  if (window_.size() > window_size_) window_.pop_front();
  sum_ += value;
  ++count_;
}

double Summary::sum() const {
  std::lock_guard lock(mutex_);
  return sum_;
}

std::uint64_t Summary::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

double Summary::quantile(double q) const {
  std::vector<double> values;
  {
    std::lock_guard lock(mutex_);
    const auto oldest = std::chrono::steady_clock::now() - max_age_;
    for (const auto& [t, v] : window_)
      if (t >= oldest) values.push_back(v);
  }
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) ;
  return values[std::min(values.size() - 1, index == 0 ? 0 : index - 1)];
}

Registry::Registry(Labels const_labels) : const_labels_(std::move(const_labels)) {}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Kind kind) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.kind = kind;
    it->second.help = help;
  } else if (it->second.kind != kind) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::counter).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::gauge).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Summary& Registry::summary(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::summary).summaries[labels];
  if (!slot) slot = std::make_unique<Summary>();
  return *slot;
}

void Registry::on_collect(std::function<void()> refresh) {
  std::lock_guard lock(mutex_);
  refreshers_.push_back(std::move(refresh));
}

std::string Registry::render() const {
  std::vector<std::function<void()>> refreshers;
  {
    std::lock_guard lock(mutex_);
    refreshers = refreshers_;
  }
  for (const auto& refresh : refreshers) refresh();
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.kind == Kind::counter ? "counter" : f.kind == Kind::gauge ? "gauge" : "summary";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, type);
    for (const auto& [labels, c] : f.counters)
      out += fmt::format("{}{} {}\n", name, format_labels(const_labels_, labels), format_value(c->value()));
    for (const auto& [labels, g] : f.gauges)
      out += fmt::format("{}{} {}\n", name, format_labels(const_labels_, labels), format_value(g->value()));
    for (const auto& [labels, s] : f.summaries) {
      for (const double q : {0.5, 0.9, 0.95, 0.99, 0.999, 0.9999})
        out += fmt::format("{}{} {}\n", name,
                           format_labels(const_labels_, labels, fmt::format("quantile=\"{}\"", q)),
                           format_value(s->quantile(q)));
      out += fmt::format("{}_sum{} {}\n", name, format_labels(const_labels_, labels), format_value(s->sum()));
      out += fmt::format("{}_count{} {}\n", name, format_labels(const_labels_, labels),
                         format_value(static_cast<double>(s->count())));
    }
  }
  return out;
}

}  // namespace outpost::metrics
