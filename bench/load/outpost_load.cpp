// outpost-load: MQTT and AMQP load generator for benchmarks and crash tests.
//
//   outpost-load pubsub  --port P --pub-identity edge1/A --pub-key K --sub-identity edge1/B --sub-key K
//                        --iothub-host myhub.local --count 100000 --rate 1000 --size 256
//   --protocol amqp: the same modules over AMQP 1.0 (publish, subscribe, pubsub; IoT Hub
//                    identities, plain TCP): CBS put-token, outputs on the events sender link,
//                    inputs on its receiver link (load/amqp_load_client.h). Always acknowledged.
//   outpost-load publish ...   (pub-* options only)    outpost-load subscribe ...  (sub-* options only)
//   outpost-load fleet ...     many devices publishing at once (see load/fleet.h)
//   outpost-load fanout ...    one publisher, many wildcard subscribers (see load/fanout.h)
//
// Raw MQTT instead of IoT Hub identities (e.g. against mosquitto):
//   --pub-client-id ID --pub-topic T --sub-client-id ID --sub-filter F
// TLS (e.g. the hub's mqtts listener): --tls-ca CA.pem (the certificate must name --host).
// Each message body starts with its sequence number and send time (CLOCK_MONOTONIC, ns), so
// the subscriber measures one-way latency and finds gaps and duplicates. Prints one JSON line.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "load/amqp_load_client.h"
#include "load/fanout.h"
#include "load/fleet.h"
#include "load/measure.h"
#include "load/mqtt_message_client.h"
#include "outpost/core/clock.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"

namespace {

using namespace outpost;
namespace asio = boost::asio;

struct Options {
  std::map<std::string, std::string> values;
  std::string get(const std::string& k, const std::string& fallback = "") const {
    const auto it = values.find(k);
    return it == values.end() ? fallback : it->second;
  }
  long num(const std::string& k, long fallback) const {
    const auto it = values.find(k);
    return it == values.end() ? fallback : std::stol(it->second);
  }
  bool has(const std::string& k) const { return values.count(k) > 0; }
};

iothub::Identity identity_of(const std::string& identity) {
  const auto slash = identity.find('/');
  return {identity.substr(0, slash), slash == std::string::npos ? std::nullopt : std::optional(identity.substr(slash + 1))};
}

std::string sas_token_for(const Options& o, const std::string& role, const iothub::Identity& id) {
  auto token = build_sas_token(device_resource_uri(o.get("iothub-host", "myhub.local"), id.device_id, id.module_id),
                               o.get(role + "-key"), SystemClock::instance().unix_seconds() + 24 * 3600);
  if (!token) throw std::runtime_error(token.error());
  return *token;
}

// Client settings for role "pub" or "sub": an IoT Hub identity (+key) or raw MQTT settings.
load::ClientSettings settings_for(const Options& o, const std::string& role) {
  load::ClientSettings s;
  s.host = o.get("host", "127.0.0.1");
  s.port = static_cast<std::uint16_t>(o.num("port", 1883));
  s.clean_session = o.num(role + "-clean", 1) != 0;
  s.tls_ca = o.get("tls-ca");
  const auto identity = o.get(role + "-identity");
  if (!identity.empty()) {
    const auto id = identity_of(identity);
    s.client_id = id.id();
    s.username = iothub::format_mqtt_username(o.get("iothub-host", "myhub.local"), id, iothub::kApiVersion);
    s.password = sas_token_for(o, role, id);
  } else {
    s.client_id = o.get(role + "-client-id", "outpost-load-" + role);
    if (o.has(role + "-username")) s.username = o.get(role + "-username");
    if (o.has(role + "-password")) s.password = o.get(role + "-password");
  }
  return s;
}

std::string default_topic(const Options& o) {
  if (o.has("pub-topic")) return o.get("pub-topic");
  const auto identity = o.get("pub-identity");
  const auto slash = identity.find('/');
  const auto output = o.get("output", "out1");
  if (slash == std::string::npos) return "devices/" + identity + "/messages/events/";
  return "devices/" + identity.substr(0, slash) + "/modules/" + identity.substr(slash + 1) +
         "/messages/events/%24.on=" + output + "/";
}

std::string default_filter(const Options& o) {
  if (o.has("sub-filter")) return o.get("sub-filter");
  const auto identity = o.get("sub-identity");
  const auto slash = identity.find('/');
  return "devices/" + identity.substr(0, slash) + "/modules/" + identity.substr(slash + 1) + "/inputs/#";
}

// Settings for role "pub" or "sub" over AMQP: a module identity only.
load::AmqpSettings amqp_settings_for(const Options& o, const std::string& role) {
  const auto identity = identity_of(o.get(role + "-identity"));
  if (identity.device_id.empty() || !identity.module_id)
    throw std::runtime_error("--protocol amqp needs --" + role + "-identity device/module");
  if (o.num("qos", 1) != 1) throw std::runtime_error("--protocol amqp sends at least once only (--qos 1)");
  if (o.has("tls-ca")) throw std::runtime_error("--protocol amqp is plain TCP only");
  load::AmqpSettings s;
  s.host = o.get("host", "127.0.0.1");
  s.port = static_cast<std::uint16_t>(o.num("port", 5672));
  s.iothub_host = o.get("iothub-host", "myhub.local");
  s.device_id = identity.device_id;
  s.module_id = *identity.module_id;
  s.sas_token = sas_token_for(o, role, identity);
  s.output = o.get("output", "out1");
  s.publisher = role == "pub";
  s.credit = static_cast<int>(o.num("window", 100));
  return s;
}

// Makes a new client for role "pub" or "sub" in the protocol --protocol names.
std::function<std::shared_ptr<load::MessageClient>()> client_factory(asio::io_context& io, const Options& o,
                                                                      const std::string& role) {
  const auto protocol = o.get("protocol", "mqtt");
  if (protocol == "amqp") {
    return [&io, s = amqp_settings_for(o, role)] { return std::make_shared<load::AmqpLoadClient>(io, s); };
  }
  if (protocol != "mqtt") throw std::runtime_error("--protocol is mqtt or amqp, not " + protocol);
  const auto topic = role == "pub" ? default_topic(o) : "";
  const auto filter = role == "sub" ? default_filter(o) : "";
  const auto qos = static_cast<std::uint8_t>(o.num("qos", 1));
  return [&io, s = settings_for(o, role), topic, filter, qos] {
    return std::make_shared<load::MqttMessageClient>(io, s, topic, filter, qos);
  };
}

class Publisher {
 public:
  Publisher(asio::io_context& io, const Options& o)
      : io_(io), make_client_(client_factory(io, o, "pub")), count_(o.num("count", 10000)),
        rate_(o.num("rate", 0)), window_(static_cast<std::size_t>(o.num("window", 100))),
        size_(std::max<long>(16, o.num("size", 256))), qos_(static_cast<std::uint8_t>(o.num("qos", 1))),
        reconnect_(o.num("reconnect", 0) != 0), timer_(io) {
    if (o.has("acked-log")) acked_log_.open(o.get("acked-log"), std::ios::app);
  }

  void start(std::function<void()> done) {
    done_ = std::move(done);
    start_ns_ = load::monotonic_ns();
    open();
  }
  std::uint64_t acked() const { return acked_; }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t reconnects() const { return reconnects_; }
  bool finished() const { return finished_; }

 private:
  void open() {
    client_ = make_client_();
    client_->on_ack = [this](std::uint64_t id) { acked(id); };
    client_->on_refused = [this](std::uint64_t id, const std::string& why) {
      const auto it = in_flight_.find(id);
      std::fprintf(stderr, "outpost-load: message %llu refused: %s\n",
                   static_cast<unsigned long long>(it == in_flight_.end() ? 0 : it->second), why.c_str());
      std::exit(3);
    };
    client_->on_close = [this](std::string reason) { lost(reason); };
    client_->connect([this](bool ok, std::string error) {
      if (!ok) return lost(error);
      pump();
    });
  }

  void lost(const std::string& reason) {
    if (finished_) return;
    if (!reconnect_) {
      std::fprintf(stderr, "outpost-load: publisher lost its connection: %s\n", reason.c_str());
      std::exit(3);
    }
    // Everything in flight goes out again, oldest first (at-least-once).
    std::vector<std::uint64_t> again;
    for (const auto& [id, seq] : in_flight_) again.push_back(seq);
    std::sort(again.begin(), again.end());
    for (auto it = again.rbegin(); it != again.rend(); ++it) resend_.push_front(*it);
    in_flight_.clear();
    ++reconnects_;
    timer_.expires_after(std::chrono::milliseconds(100));
    timer_.async_wait([this](auto ec) {
      if (!ec) open();
    });
  }

  void acked(std::uint64_t id) {
    const auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return;
    if (acked_log_) acked_log_ << it->second << '\n' << std::flush;
    in_flight_.erase(it);
    ++acked_;
    if (acked_ == static_cast<std::uint64_t>(count_) && next_seq_ >= static_cast<std::uint64_t>(count_) && resend_.empty()) {
      finished_ = true;
      client_->close();
      if (done_) done_();
      return;
    }
    pump();
  }

  void pump() {
    if (!client_ || !client_->connected() || finished_) return;
    while (in_flight_.size() < window_) {
      std::uint64_t seq;
      if (!resend_.empty()) {
        seq = resend_.front();
        resend_.pop_front();
      } else if (next_seq_ < static_cast<std::uint64_t>(count_)) {
        if (rate_ > 0) {
          const auto due = start_ns_ + next_seq_ * 1'000'000'000ull / static_cast<std::uint64_t>(rate_);
          const auto now = load::monotonic_ns();
          if (due > now) {
            timer_.expires_after(std::chrono::nanoseconds(due - now));
            timer_.async_wait([this](auto ec) {
              if (!ec) pump();
            });
            return;
          }
        }
        seq = next_seq_++;
      } else {
        return;
      }
      std::string body(static_cast<std::size_t>(size_), 'x');
      const auto now = load::monotonic_ns();
      std::memcpy(body.data(), &seq, 8);
      std::memcpy(body.data() + 8, &now, 8);
      const auto id = client_->send(body);
      ++sent_;
      if (qos_ == 0) {
        ++acked_;
        if (acked_ == static_cast<std::uint64_t>(count_)) {
          finished_ = true;
          if (done_) done_();
          return;
        }
        continue;
      }
      in_flight_[id] = seq;
    }
  }

  asio::io_context& io_;
  std::function<std::shared_ptr<load::MessageClient>()> make_client_;
  long count_, rate_;
  std::size_t window_;
  long size_;
  std::uint8_t qos_;
  bool reconnect_;
  asio::steady_timer timer_;
  std::shared_ptr<load::MessageClient> client_;
  std::unordered_map<std::uint64_t, std::uint64_t> in_flight_;  // client's id -> sequence number
  std::deque<std::uint64_t> resend_;
  std::uint64_t next_seq_ = 0, acked_ = 0, sent_ = 0, reconnects_ = 0, start_ns_ = 0;
  bool finished_ = false;
  std::ofstream acked_log_;
  std::function<void()> done_;
};

class Subscriber {
 public:
  Subscriber(asio::io_context& io, const Options& o)
      : io_(io), make_client_(client_factory(io, o, "sub")), what_(o.get("sub-identity", default_filter(o))),
        expect_(o.num("expect", o.num("count", 10000))),
        warmup_(o.num("warmup", 0)), reconnect_(o.num("reconnect", 0) != 0), timer_(io) {
    if (o.has("received-log")) received_log_.open(o.get("received-log"), std::ios::app);
    seen_.resize(static_cast<std::size_t>(std::max<long>(expect_, 1)), false);
  }

  void start(std::function<void()> ready, std::function<void()> done) {
    ready_ = std::move(ready);
    done_ = std::move(done);
    open();
  }
  std::uint64_t unique() const { return unique_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::vector<std::uint64_t>& latencies() { return latencies_ns_; }
  std::uint64_t first_ns() const { return first_ns_; }
  std::uint64_t last_ns() const { return last_ns_; }

 private:
  void open() {
    client_ = make_client_();
    client_->on_received = [this](std::string_view body) { received(body); };
    client_->on_close = [this](std::string reason) {
      if (unique_ >= static_cast<std::uint64_t>(expect_)) return;
      if (!reconnect_) {
        std::fprintf(stderr, "outpost-load: subscriber lost its connection: %s\n", reason.c_str());
        std::exit(3);
      }
      retry();
    };
    client_->connect([this](bool ok, std::string error) {
      if (!ok) {
        // A refused TCP connect (the hub restarting) gets no on_close: retry from here too;
        // the timer keeps one pending retry when on_close also schedules one.
        if (reconnect_) return retry();
        std::fprintf(stderr, "outpost-load: subscriber cannot connect: %s\n", error.c_str());
        std::exit(3);
      }
      client_->subscribe([this](bool granted) {
        if (!granted) {
          std::fprintf(stderr, "outpost-load: subscription of %s refused\n", what_.c_str());
          std::exit(3);
        }
        if (ready_) {
          auto r = std::move(ready_);
          ready_ = nullptr;
          r();
        }
      });
    });
  }

  void retry() {
    timer_.expires_after(std::chrono::milliseconds(100));  // cancels a pending retry
    timer_.async_wait([this](auto ec) {
      if (!ec) open();
    });
  }

  void received(std::string_view payload) {
    if (payload.size() < 16) return;
    std::uint64_t seq, sent;
    std::memcpy(&seq, payload.data(), 8);
    std::memcpy(&sent, payload.data() + 8, 8);
    const auto now = load::monotonic_ns();
    if (seq >= seen_.size()) seen_.resize(seq + 1, false);
    if (seen_[seq]) {
      ++duplicates_;
      return;
    }
    seen_[seq] = true;
    ++unique_;
    if (received_log_) received_log_ << seq << '\n' << std::flush;
    if (static_cast<long>(seq) >= warmup_) {
      if (first_ns_ == 0) first_ns_ = now;
      last_ns_ = now;
      latencies_ns_.push_back(now - sent);
    }
    if (unique_ == static_cast<std::uint64_t>(expect_) && done_) done_();
  }

  asio::io_context& io_;
  std::function<std::shared_ptr<load::MessageClient>()> make_client_;
  std::string what_;  // for messages: the identity or filter subscribed
  long expect_, warmup_;
  bool reconnect_;
  asio::steady_timer timer_;
  std::shared_ptr<load::MessageClient> client_;
  std::vector<bool> seen_;
  std::uint64_t unique_ = 0, duplicates_ = 0, first_ns_ = 0, last_ns_ = 0;
  std::vector<std::uint64_t> latencies_ns_;
  std::ofstream received_log_;
  std::function<void()> ready_, done_;
};


constexpr const char* kUsage = R"(usage: outpost-load publish|subscribe|pubsub|fleet|fanout --option value ...
publish, subscribe, pubsub (prints one JSON line; exit 0 when everything was sent and received):
  --protocol mqtt|amqp        default mqtt; amqp: IoT Hub module identities over AMQP 1.0, plain TCP
  --host H --port P           default 127.0.0.1, port 1883 (mqtt) or 5672 (amqp)
  --iothub-host NAME          the hub's host name in tokens (default myhub.local)
  --pub-identity D/M --pub-key BASE64     the sending module; --output NAME (default out1)
  --sub-identity D/M --sub-key BASE64     the receiving module (its inputs)
  --count N                   messages (default 10000); --expect N: how many the subscriber waits for
  --window N                  unacknowledged messages in flight (default 100); amqp: also the
                              subscriber's credit
  --rate N                    messages a second (default 0: as fast as acknowledged)
  --size BYTES                body size (default 256, at least 16: sequence number, send time)
  --qos 0|1                   mqtt only (default 1)
  --timeout SECS              give up after (default 300)
  --reconnect 0|1             1: reconnect after a lost connection, resend what was not acknowledged
  --acked-log FILE            sequence numbers acknowledged (appended)
  --received-log FILE         sequence numbers received (appended)
  --warmup N                  the first N sequence numbers do not count for latency
mqtt only: --pub-client-id ID --pub-topic T --sub-client-id ID --sub-filter F (raw MQTT),
  --pub-username/--pub-password, --sub-clean 0|1, --tls-ca CA.pem
fleet, fanout: see bench/load/fleet.h and fanout.h
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string mode = argv[1];
  Options o;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) {
      std::fprintf(stderr, "outpost-load: expected --option, got %s\n", k.c_str());
      return 2;
    }
    o.values[k.substr(2)] = argv[i + 1];
  }
  if (mode == "fleet" || mode == "fanout") {
    try {
      return mode == "fleet" ? outpost::load::run_fleet(o.values) : outpost::load::run_fanout(o.values);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "outpost-load: %s\n", e.what());
      return 2;
    }
  }
  try {
    asio::io_context io(1);
    std::unique_ptr<Publisher> pub;
    std::unique_ptr<Subscriber> sub;
    nlohmann::json result;
    const auto t0 = load::monotonic_ns();
    auto timeout = asio::steady_timer(io, std::chrono::seconds(o.num("timeout", 300)));
    timeout.async_wait([&](auto ec) {
      if (ec) return;
      std::fprintf(stderr, "outpost-load: timed out\n");
      io.stop();
    });
    bool pub_done = mode == "subscribe", sub_done = mode == "publish";
    const auto maybe_stop = [&] {
      if (pub_done && sub_done) io.stop();
    };
    if (mode == "publish" || mode == "pubsub") pub = std::make_unique<Publisher>(io, o);
    if (mode == "subscribe" || mode == "pubsub") sub = std::make_unique<Subscriber>(io, o);
    if (!pub && !sub) {
      std::fprintf(stderr, "outpost-load: unknown mode %s\n", mode.c_str());
      return 2;
    }
    const auto start_pub = [&] {
      if (pub) pub->start([&] { pub_done = true; maybe_stop(); });
    };
    if (sub) {
      sub->start([&] { start_pub(); }, [&] { sub_done = true; maybe_stop(); });
    } else {
      start_pub();
    }
    io.run();
    const double seconds = static_cast<double>(load::monotonic_ns() - t0) / 1e9;
    result["mode"] = mode;
    result["seconds"] = seconds;
    if (pub) {
      result["sent"] = pub->sent();
      result["acked"] = pub->acked();
      result["reconnects"] = pub->reconnects();
    }
    if (sub) {
      result["received"] = sub->unique();
      result["duplicates"] = sub->duplicates();
      auto& lat = sub->latencies();
      const double span = static_cast<double>(sub->last_ns() - sub->first_ns()) / 1e9;
      result["throughput_msg_s"] = span > 0 ? static_cast<double>(lat.size()) / span : 0;
      result["latency_us"] = {{"p50", load::percentile_us(lat, 0.50)}, {"p90", load::percentile_us(lat, 0.90)},
                              {"p99", load::percentile_us(lat, 0.99)}, {"max", load::percentile_us(lat, 1.0)}};
    }
    std::cout << result.dump() << std::endl;
    const bool complete = (!pub || pub->finished()) && (!sub || sub->unique() >= static_cast<std::uint64_t>(o.num("expect", o.num("count", 10000))));
    return complete ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outpost-load: %s\n", e.what());
    return 2;
  }
}
