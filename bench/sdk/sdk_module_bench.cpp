// outpost-sdk-bench: module → hub → module through the Outpost module SDK (libOutpostClient),
// as a module would use it: module A's ModuleClient sends to an output with
// sendOutputEventAsync, a route on the hub sends it to module B's input, and B's own
// ModuleClient (same process) receives it in its onInputMessage handler.
//
//   outpost-sdk-bench --sender-cs "HostName=…;DeviceId=…;ModuleId=A;SharedAccessKey=…;GatewayHostName=127.0.0.1:8883"
//                     --receiver-cs "…;ModuleId=B;…" --ca ca.pem
//                     [--output out] [--input in] [--rate 1000] [--seconds 10] [--size 256]
//                     [--window 100] [--outstanding N] [--drain 10] [--warmup 0]
//
//   --rate R     R messages/s, each sent at its time (open loop: a late send goes at once);
//                --rate 0: as fast as the window allows, for --seconds.
//   --window W   ClientOptions::maxInFlight (unacknowledged QoS 1 PUBLISHes on the wire).
//   --outstanding N  sends whose future is not ready yet that the program allows itself
//                (default: the window, as outpost-load's --window); beyond it, it waits for
//                the oldest. The SDK's own queue (maxQueued) holds what is not in flight.
//   --drain S    after the last send, how long to wait for B to receive what was acknowledged.
//   --warmup N   the first N measured messages are left out of the latency figures.
//   --role send|receive --tag T [--ready-file F]: sender and receiver as two processes (as
//                modules are deployed): start the receiver first; it writes F once subscribed
//                and prints the receiving side's line (throughput, latency: CLOCK_MONOTONIC is
//                one clock for the machine); the sender sends an end marker with its count.
//
// Before measuring, A sends until one message reaches B (B's subscription is made after
// open() returns). Each body starts with "<run tag>:<seq>:<send time, steady_clock ns>:"
// and is padded to --size bytes; a message of another run (left in the hub's queue) is
// counted as stale and ignored. Latency is one-way, A's send call → B's handler, one clock.
// Prints one JSON line (field names as outpost-load's where they mean the same).
// Uses only the SDK's public headers and the standard library, as a module would.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "outpost/client/outpost_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using outpost::client::ClientError;
using outpost::client::ClientOptions;
using outpost::client::ConnectionReason;
using outpost::client::ConnectionStatus;
using outpost::client::Message;
using outpost::client::ModuleClient;

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

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
  double real(const std::string& k, double fallback) const {
    const auto it = values.find(k);
    return it == values.end() ? fallback : std::stod(it->second);
  }
};

std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string random_tag() {
  std::random_device device;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(device()));
  return buf;
}

// "<tag>:<seq>:<ns>:" then 'x' up to size bytes.
std::string make_body(const std::string& tag, std::uint64_t seq, std::uint64_t sent_ns, std::size_t size) {
  std::string body = tag;
  body += ':';
  body += std::to_string(seq);
  body += ':';
  body += std::to_string(sent_ns);
  body += ':';
  if (body.size() < size) body.append(size - body.size(), 'x');
  return body;
}

bool parse_body(const std::string& body, std::string_view& tag, std::uint64_t& seq, std::uint64_t& sent_ns) {
  const std::string_view text(body);
  const auto a = text.find(':');
  if (a == std::string_view::npos) return false;
  const auto b = text.find(':', a + 1);
  if (b == std::string_view::npos) return false;
  const auto c = text.find(':', b + 1);
  if (c == std::string_view::npos) return false;
  tag = text.substr(0, a);
  if (std::from_chars(text.data() + a + 1, text.data() + b, seq).ec != std::errc()) return false;
  if (std::from_chars(text.data() + b + 1, text.data() + c, sent_ns).ec != std::errc()) return false;
  return true;
}

// What B's handler sees (the client's callback thread); read by main under the lock.
struct Receiver {
  std::mutex mutex;
  std::condition_variable changed;
  std::string tag;            // this run's; empty: warming up
  std::string warm_tag;       // the warm-up's
  std::string end_tag;        // --role receive: the sender's end marker, carrying its count
  std::optional<std::uint64_t> expected;
  bool warm = false;          // a warm-up message arrived
  std::vector<std::uint8_t> seen;
  std::vector<std::uint64_t> latency_ns;  // of measured messages, in arrival order
  std::uint64_t unique = 0, duplicates = 0, stale = 0, malformed = 0;
  std::uint64_t first_ns = 0, last_ns = 0;
  std::uint64_t warmup = 0;

  void on_message(const Message& message) {
    const auto received = now_ns();
    std::string_view got_tag;
    std::uint64_t seq = 0, sent = 0;
    std::lock_guard lock(mutex);
    if (!parse_body(message.body, got_tag, seq, sent)) {
      ++malformed;
      return;
    }
    if (got_tag == warm_tag) {
      warm = true;
      changed.notify_all();
      return;
    }
    if (got_tag == end_tag) {
      expected = seq;
      changed.notify_all();
      return;
    }
    if (tag.empty() || got_tag != tag) {
      ++stale;
      return;
    }
    if (seq >= seen.size()) seen.resize(std::max<std::size_t>(seq + 1, seen.size() * 2), 0);
    if (seen[seq]) {
      ++duplicates;
      return;
    }
    seen[seq] = 1;
    ++unique;
    if (seq >= warmup) {
      if (first_ns == 0) first_ns = received;
      last_ns = received;
      latency_ns.push_back(received - sent);
    }
    changed.notify_all();
  }
};

double percentile_us(std::vector<std::uint64_t>& v, double q) {
  if (v.empty()) return 0;
  const auto i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
  return static_cast<double>(v[i]) / 1000.0;
}

struct ConnectionEvents {
  std::atomic<int> disconnects{0};
};

ClientOptions client_options(const Options& o, const char* who, ConnectionEvents& events) {
  ClientOptions options;
  options.caFile = o.get("ca");
  options.maxInFlight = static_cast<std::size_t>(o.num("window", 100));
  options.productInfo = "outpost-sdk-bench";
  options.onConnectionStatus = [who, &events](ConnectionStatus status, ConnectionReason reason, const std::string& detail) {
    if (status == ConnectionStatus::disconnected) {
      ++events.disconnects;
      std::fprintf(stderr, "outpost-sdk-bench: %s disconnected (reason %d): %s\n", who, static_cast<int>(reason),
                   detail.c_str());
    }
  };
  return options;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long max_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Voluntary and involuntary context switches of the whole process so far.
long context_switches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_nvcsw + usage.ru_nivcsw;
}

// One JSON line, keys in the order given.
class JsonLine {
 public:
  JsonLine& str(const char* key, const std::string& value) { return raw(key, "\"" + json_escape(value) + "\""); }
  JsonLine& num(const char* key, double value, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return raw(key, buf);
  }
  JsonLine& count(const char* key, std::uint64_t value) { return raw(key, std::to_string(value)); }
  JsonLine& raw(const char* key, const std::string& json) {
    text_ += text_.empty() ? "{" : ",";
    text_ += "\"" + std::string(key) + "\":" + json;
    return *this;
  }
  void print() {
    std::printf("%s}\n", text_.c_str());
    std::fflush(stdout);
  }

 private:
  std::string text_;
};

struct SendStats {
  std::uint64_t sent = 0, acked = 0, send_errors = 0, ack_errors = 0, late_sends = 0;
  double max_behind_ms = 0, seconds = 0, acked_msg_s = 0;
  std::string first_error;
};

// Sends for `seconds` (at `rate`/s, or as fast as `outstanding_limit` allows when rate is 0)
// and waits for every acknowledgement.
SendStats send_all(ModuleClient& a, const std::string& output, const std::string& tag, long rate, double seconds,
                   std::size_t size, std::size_t outstanding_limit) {
  SendStats st;
  // The futures of what is outstanding, oldest first; acks come in order.
  std::deque<std::future<void>> outstanding;
  const auto settle = [&](std::future<void>& f) {
    try {
      f.get();
      ++st.acked;
    } catch (const std::exception& e) {
      if (st.first_error.empty()) st.first_error = e.what();
      ++st.ack_errors;
    }
  };
  const auto reap_ready = [&] {
    while (!outstanding.empty() && outstanding.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      settle(outstanding.front());
      outstanding.pop_front();
    }
  };
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const std::uint64_t count = rate > 0 ? static_cast<std::uint64_t>(static_cast<double>(rate) * seconds) : UINT64_MAX;
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    if (rate > 0) {
      const auto due = start + std::chrono::nanoseconds(seq * 1'000'000'000ull / static_cast<std::uint64_t>(rate));
      const auto now = Clock::now();
      if (due > now) {
        reap_ready();
        std::this_thread::sleep_until(due);
      } else if (now - due > std::chrono::milliseconds(1)) {
        ++st.late_sends;
        st.max_behind_ms = std::max(st.max_behind_ms, std::chrono::duration<double, std::milli>(now - due).count());
      }
    } else if (Clock::now() >= end) {
      break;
    }
    reap_ready();
    while (outstanding.size() >= outstanding_limit) {
      settle(outstanding.front());
      outstanding.pop_front();
    }
    const auto t = now_ns();
    try {
      outstanding.push_back(a.sendOutputEventAsync(output, Message(make_body(tag, seq, t, size))));
      ++st.sent;
    } catch (const std::exception& e) {
      if (st.first_error.empty()) st.first_error = e.what();
      ++st.send_errors;
    }
  }
  st.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& f : outstanding) settle(f);
  const double span = std::chrono::duration<double>(Clock::now() - start).count();
  st.acked_msg_s = span > 0 ? static_cast<double>(st.acked) / span : 0;
  return st;
}

void add_send_fields(JsonLine& j, const SendStats& st) {
  j.count("sent", st.sent).count("acked", st.acked).count("send_errors", st.send_errors).count("ack_errors", st.ack_errors);
}

// Under receiver.mutex.
void add_receive_fields(JsonLine& j, Receiver& receiver, std::uint64_t expected) {
  auto& lat = receiver.latency_ns;
  std::sort(lat.begin(), lat.end());
  const double span = static_cast<double>(receiver.last_ns - receiver.first_ns) / 1e9;
  j.count("received", receiver.unique)
      .count("lost", expected > receiver.unique ? expected - receiver.unique : 0)
      .count("duplicates", receiver.duplicates)
      .count("stale", receiver.stale)
      .count("malformed", receiver.malformed)
      .num("throughput_msg_s", span > 0 ? static_cast<double>(lat.size()) / span : 0.0);
}

void add_latency(JsonLine& j, Receiver& receiver) {
  auto& lat = receiver.latency_ns;  // sorted
  char buf[160];
  std::snprintf(buf, sizeof buf, "{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f}", percentile_us(lat, 0.50),
                percentile_us(lat, 0.90), percentile_us(lat, 0.99), percentile_us(lat, 1.0));
  j.raw("latency_us", buf);
}

void add_process_fields(JsonLine& j, double cpu, long switches, std::uint64_t messages, int disconnects,
                        const std::string& first_error) {
  const double n = messages > 0 ? static_cast<double>(messages) : 1.0;
  j.raw("disconnects", std::to_string(disconnects))
      .num("cpu_s", cpu, 3)
      .num("cpu_us_per_msg", cpu * 1e6 / n, 2)
      .num("switches_per_msg", static_cast<double>(switches) / n, 2)
      .raw("max_rss_kb", std::to_string(max_rss_kb()))
      .str("first_error", first_error);
}

int run(const Options& o) {
  const auto role = o.get("role", "both");
  const bool sends = role == "both" || role == "send", receives = role == "both" || role == "receive";
  if (!sends && !receives) {
    std::fprintf(stderr, "outpost-sdk-bench: --role is both, send or receive\n");
    return 2;
  }
  const auto sender_cs = o.get("sender-cs"), receiver_cs = o.get("receiver-cs");
  if ((sends && sender_cs.empty()) || (receives && receiver_cs.empty()) || (role != "both" && o.get("tag").empty())) {
    std::fprintf(stderr, "outpost-sdk-bench: --sender-cs and --receiver-cs are required, and --tag with --role (see --help)\n");
    return 2;
  }
  const auto output = o.get("output", "out"), input = o.get("input", "in");
  const long rate = o.num("rate", 1000);
  const double seconds = o.real("seconds", 10);
  const auto size = static_cast<std::size_t>(std::max<long>(o.num("size", 256), 48));
  const auto window = static_cast<std::size_t>(o.num("window", 100));
  const auto outstanding_limit = static_cast<std::size_t>(o.num("outstanding", static_cast<long>(window)));
  const double drain = o.real("drain", 10);
  const auto drain_for = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(drain));

  Receiver receiver;
  receiver.warm_tag = "warm" + random_tag();
  receiver.warmup = static_cast<std::uint64_t>(o.num("warmup", 0));
  receiver.end_tag = o.get("tag") + "end";
  receiver.seen.assign(rate > 0 ? static_cast<std::size_t>(static_cast<double>(rate) * seconds) + 1 : 1 << 20, 0);
  receiver.latency_ns.reserve(receiver.seen.size());
  ConnectionEvents sender_events, receiver_events;

  std::optional<ModuleClient> b, a;
  if (receives) {
    b.emplace(ModuleClient::fromConnectionString(receiver_cs, client_options(o, "receiver", receiver_events)));
    b->onInputMessage(input, [&receiver](const Message& m) { receiver.on_message(m); });
    b->open();
  }

  if (role == "receive") {
    // Another process sends (--role send, same --tag); it waits for the ready file.
    {
      std::lock_guard lock(receiver.mutex);
      receiver.tag = o.get("tag");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the subscription, made after open()
    if (const auto ready = o.get("ready-file"); !ready.empty()) {
      if (FILE* f = std::fopen(ready.c_str(), "w")) {
        std::fputs("ready\n", f);
        std::fclose(f);
      }
    }
    const double cpu0 = cpu_seconds();
    const long switches0 = context_switches();
    std::unique_lock lock(receiver.mutex);
    // Until the sender's end marker (its count), then until all of it arrived or the drain ends.
    const auto give_up = Clock::now() + std::chrono::seconds(60) +
                         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    if (!receiver.changed.wait_until(lock, give_up, [&] { return receiver.expected.has_value(); }))
      std::fprintf(stderr, "outpost-sdk-bench: no end marker from the sender\n");
    receiver.changed.wait_until(lock, Clock::now() + drain_for,
                                [&] { return receiver.expected && receiver.unique >= *receiver.expected; });
    const double cpu = cpu_seconds() - cpu0;
    const long switches = context_switches() - switches0;
    const auto expected = receiver.expected.value_or(0);
    JsonLine j;
    j.str("tool", "outpost-sdk-bench").str("sdk", "outpost-client (C++)").str("role", "receive");
    j.str("mode", rate > 0 ? "rate" : "max").raw("rate", std::to_string(rate)).count("expected", expected);
    add_receive_fields(j, receiver, expected);
    add_latency(j, receiver);
    add_process_fields(j, cpu, switches, receiver.unique, receiver_events.disconnects.load(), "");
    lock.unlock();
    b->close();
    j.print();
    return expected > 0 && receiver.unique >= expected ? 0 : 1;
  }

  a.emplace(ModuleClient::fromConnectionString(sender_cs, client_options(o, "sender", sender_events)));
  a->open();
  std::string tag = o.get("tag");
  if (role == "both") {
    // Warm-up: until one message went all the way (B's subscription is made after open()).
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    std::uint64_t n = 0;
    std::unique_lock lock(receiver.mutex);
    while (!receiver.warm) {
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "outpost-sdk-bench: no warm-up message reached %s within 30 s\n", input.c_str());
        return 1;
      }
      lock.unlock();
      a->sendOutputEventAsync(output, Message(make_body(receiver.warm_tag, n++, now_ns(), size))).get();
      lock.lock();
      receiver.changed.wait_for(lock, std::chrono::milliseconds(200), [&] { return receiver.warm; });
    }
    tag = receiver.tag = random_tag();
  }

  const double cpu0 = cpu_seconds();
  const long switches0 = context_switches();
  const auto st = send_all(*a, output, tag, rate, seconds, size, outstanding_limit);
  const auto acked_done = Clock::now();
  if (role == "send") {
    // Tells the receiving process how many to expect.
    try {
      a->sendOutputEventAsync(output, Message(make_body(tag + "end", st.sent, 0, size))).get();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "outpost-sdk-bench: the end marker failed: %s\n", e.what());
    }
  } else {
    // Drain: B should get everything A sent (acknowledged or not).
    std::unique_lock lock(receiver.mutex);
    receiver.changed.wait_until(lock, acked_done + drain_for, [&] { return receiver.unique >= st.sent; });
  }
  const double cpu = cpu_seconds() - cpu0;
  const long switches = context_switches() - switches0;
  a->close();
  if (b) b->close();

  JsonLine j;
  j.str("tool", "outpost-sdk-bench").str("sdk", "outpost-client (C++)").str("role", role);
  j.str("mode", rate > 0 ? "rate" : "max").raw("rate", std::to_string(rate)).num("seconds", st.seconds, 3);
  j.count("size", size).count("window", window).count("outstanding", outstanding_limit);
  add_send_fields(j, st);
  std::unique_lock lock(receiver.mutex);
  if (role == "both") add_receive_fields(j, receiver, st.sent);
  j.num("acked_msg_s", st.acked_msg_s);
  if (role == "both") add_latency(j, receiver);
  j.count("late_sends", st.late_sends).num("max_behind_ms", st.max_behind_ms, 2);
  add_process_fields(j, cpu, switches, role == "both" ? receiver.unique : st.acked,
                     sender_events.disconnects.load() + receiver_events.disconnects.load(), st.first_error);
  j.print();
  const bool complete = role == "send" || receiver.unique >= st.sent;
  return complete && st.send_errors == 0 && st.ack_errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::printf(
          "usage: outpost-sdk-bench --sender-cs CS --receiver-cs CS [--ca FILE] [--output out] [--input in]\n"
          "                         [--rate 1000 (0: max)] [--seconds 10] [--size 256] [--window 100]\n"
          "                         [--outstanding N] [--drain 10] [--warmup 0]\n"
          "       two processes: --role receive --tag T --receiver-cs CS [--ready-file F] ..., then\n"
          "                      --role send --tag T --sender-cs CS ...\n"
          "Module A (sender) -> hub route -> module B (receiver) through the Outpost module SDK; one JSON line.\n");
      return 0;
    }
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "outpost-sdk-bench: expected --option value, got %s (see --help)\n", k.c_str());
      return 2;
    }
    o.values[k.substr(2)] = argv[++i];
  }
  try {
    return run(o);
  } catch (const ClientError& e) {
    std::fprintf(stderr, "outpost-sdk-bench: SDK error (%s): %s\n", std::string(outpost::client::to_string(e.code())).c_str(),
                 e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "outpost-sdk-bench: %s\n", e.what());
    return 3;
  }
}
