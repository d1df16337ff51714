#include "load/fleet.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/measure.h"
#include "load/mqtt_load_client.h"
#include "outpost/core/clock.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"

namespace outpost::load {
namespace {

namespace asio = boost::asio;

struct Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string hub;
  std::string policy;
  std::string policy_key;
  std::string prefix;
  long devices = 200, count = 500, window = 10, size = 256;
};

class Device {
 public:
  Device(asio::io_context& io, const Settings& s, const std::string& id, std::vector<std::uint64_t>& latencies,
         std::function<void()> on_done)
      : s_(s), id_(id), topic_("devices/" + id + "/messages/events/"), latencies_(latencies), on_done_(std::move(on_done)) {
    ClientSettings c;
    c.host = s.host;
    c.port = s.port;
    c.client_id = id;
    c.username = iothub::format_mqtt_username(s.hub, {id, std::nullopt}, iothub::kApiVersion);
    auto token = build_sas_token(device_resource_uri(s.hub, id), s.policy_key,
                                 SystemClock::instance().unix_seconds() + 24 * 3600, std::string_view(s.policy));
    if (!token) throw std::runtime_error(token.error());
    c.password = *token;
    client_ = std::make_shared<MqttLoadClient>(io, c);
    client_->on_ack = [this](std::uint16_t packet) { acked(packet); };
    client_->on_close = [this](std::string reason) {
      if (acked_ < s_.count) {
        std::fprintf(stderr, "outpost-load: %s lost its connection: %s\n", id_.c_str(), reason.c_str());
        std::exit(3);
      }
    };
  }

  void connect(std::function<void()> connected) {
    client_->connect([this, connected](bool ok, std::string error) {
      if (!ok) {
        std::fprintf(stderr, "outpost-load: %s cannot connect: %s\n", id_.c_str(), error.c_str());
        std::exit(3);
      }
      connected();
    });
  }

  void start() { pump(); }
  long acked() const { return acked_; }

 private:
  void pump() {
    while (sent_ < s_.count && static_cast<long>(in_flight_.size()) < s_.window) {
      std::string body(static_cast<std::size_t>(s_.size), 'x');
      const auto id = client_->publish(topic_, body, 1);
      in_flight_[id] = monotonic_ns();
      ++sent_;
    }
  }

  void acked(std::uint16_t packet) {
    const auto it = in_flight_.find(packet);
    if (it == in_flight_.end()) return;
    latencies_.push_back(monotonic_ns() - it->second);
    in_flight_.erase(it);
    if (++acked_ == s_.count) {
      client_->close();
      on_done_();
      return;
    }
    pump();
  }

  const Settings& s_;
  std::string id_;
  std::string topic_;
  std::vector<std::uint64_t>& latencies_;
  std::function<void()> on_done_;
  std::shared_ptr<MqttLoadClient> client_;
  std::unordered_map<std::uint16_t, std::uint64_t> in_flight_;
  long sent_ = 0, acked_ = 0;
};

}  // namespace

int run_fleet(const std::map<std::string, std::string>& o) {
  const auto get = [&](const std::string& k, const std::string& fallback) {
    const auto it = o.find(k);
    return it == o.end() ? fallback : it->second;
  };
  Settings s;
  s.host = get("host", "127.0.0.1");
  s.port = static_cast<std::uint16_t>(std::stol(get("port", "1883")));
  s.hub = get("iothub-host", "myhub.local");
  s.policy = get("policy", "device");
  s.policy_key = get("policy-key", "");
  s.prefix = get("device-prefix", "bench-");
  s.devices = std::stol(get("devices", "200"));
  s.count = std::stol(get("count", "500"));
  s.window = std::stol(get("window", "10"));
  s.size = std::stol(get("size", "256"));
  if (s.policy_key.empty()) {
    std::fprintf(stderr, "outpost-load fleet: --policy-key is required\n");
    return 2;
  }
  asio::io_context io(1);
  std::vector<std::uint64_t> latencies;
  latencies.reserve(static_cast<std::size_t>(s.devices * s.count));
  std::vector<std::unique_ptr<Device>> fleet;
  long connected = 0, done = 0;
  std::uint64_t start = 0, end = 0;
  for (long i = 0; i < s.devices; ++i)
    fleet.push_back(std::make_unique<Device>(io, s, s.prefix + std::to_string(i), latencies, [&] {
      if (++done == s.devices) {
        end = monotonic_ns();
        io.stop();
      }
    }));
  // Everyone connects first; the clock starts when the whole fleet is online.
  for (auto& d : fleet)
    d->connect([&] {
      if (++connected < s.devices) return;
      start = monotonic_ns();
      for (auto& x : fleet) x->start();
    });
  asio::steady_timer timeout(io, std::chrono::seconds(std::stol(get("timeout", "600"))));
  timeout.async_wait([&](auto ec) {
    if (ec) return;
    std::fprintf(stderr, "outpost-load fleet: timed out\n");
    io.stop();
  });
  io.run();
  long acked = 0;
  for (const auto& d : fleet) acked += d->acked();
  const double seconds = end > start ? static_cast<double>(end - start) / 1e9 : 0;
  nlohmann::json result{{"mode", "fleet"},
                        {"devices", s.devices},
                        {"acked", acked},
                        {"seconds", seconds},
                        {"throughput_msg_s", seconds > 0 ? static_cast<double>(acked) / seconds : 0},
                        {"ack_latency_us",
                         {{"p50", percentile_us(latencies, 0.50)},
                          {"p90", percentile_us(latencies, 0.90)},
                          {"p99", percentile_us(latencies, 0.99)},
                          {"max", percentile_us(latencies, 1.0)}}}};
  std::cout << result.dump() << std::endl;
  return acked == s.devices * s.count ? 0 : 1;
}

}  // namespace outpost::load
