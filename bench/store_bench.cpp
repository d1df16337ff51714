// Store throughput: appends per second under each fsync policy, read+ack throughput from
// the cache and from disk, and what one append() costs the thread that calls it (the hub's
// event loop). 256-byte bodies with a few properties, one queue.
//
//   outpost-store-bench [--dir PATH] [--messages N] [--only memory|append|latency|caller|read]
//
// The folder defaults to a fresh directory under the current one (so it is on the disk
// being measured, not a tmpfs) and is removed afterwards.
#include <malloc.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "outpost/core/clock.h"
#include "outpost/store/message_store.h"

namespace {

using namespace outpost;
using namespace outpost::store;
using Clock = std::chrono::steady_clock;

Message bench_message(int i) {
  Message m;
  m.body.assign(256, static_cast<char>('a' + i % 26));
  m.system.append("messageId", "bench-" + std::to_string(i));
  m.system.append("contentType", "application/json");
  m.application.append("source", "bench");
  return m;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<MessageStore> open_or_die(const StoreOptions& o) {
  auto opened = MessageStore::open(o, SystemClock::instance());
  if (!opened) {
    std::fprintf(stderr, "open failed: %s\n", opened.error().c_str());
    std::exit(1);
  }
  return std::move(*opened);
}

// Appends n messages without waiting, then waits for the last durability callback.
void bench_append(const std::filesystem::path& dir, FsyncPolicy policy, const char* name, int n) {
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.folder = dir;
  o.fsync = policy;
  auto store = open_or_die(o);
  const auto q = store->queue("bench");
  std::mutex m;
  std::condition_variable cv;
  int durable = 0;
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto r = store->append(bench_message(i), {{q, 0}}, [&](bool ok) {
      if (!ok) std::abort();
      std::lock_guard lock(m);
      if (++durable == n) cv.notify_one();
    });
    if (r.status != AppendStatus::accepted) std::abort();
  }
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return durable == n; });
  const double s = seconds_since(start);
  const auto fsyncs = store->counters().fsyncs;
  std::printf("%-34s %9d msgs %8.3f s %10.0f msg/s %7.1f MB/s %8llu fsyncs\n", name, n, s, n / s,
              static_cast<double>(store->disk_bytes()) / s / 1e6,
              static_cast<unsigned long long>(fsyncs));
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// What append() costs the calling thread: each call is timed on its own (messages,
// targets and callbacks are built beforehand, outside the timing), and the thread's CPU
// time is reported beside it. `per_second` > 0 paces the calls as the hub's loop would
// issue them between other work; 0 issues them back to back. Each call carries a
// durability callback, as the hub's do.
void bench_caller_cost(const std::filesystem::path& dir, FsyncPolicy policy, const char* name,
                       int n, int per_second) {
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.folder = dir;
  o.fsync = policy;
  auto store = open_or_die(o);
  const auto q = store->queue("bench");
  std::vector<Message> messages;
  for (int i = 0; i < 1024; ++i) messages.push_back(bench_message(i));
  const std::vector<QueueTarget> targets{{q, 0}};
  std::atomic<int> durable{0};
  std::vector<std::function<void(bool)>> callbacks(static_cast<std::size_t>(n));
  for (auto& c : callbacks) c = [&durable](bool ok) { if (!ok) std::abort(); durable.fetch_add(1); };
  std::vector<double> nanos(static_cast<std::size_t>(n));
  const auto interval = per_second > 0 ? std::chrono::nanoseconds(1'000'000'000 / per_second)
                                       : std::chrono::nanoseconds(0);
  const double cpu_start = thread_cpu_seconds();
  double spent = 0;
  auto next = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (per_second > 0) {
      next += interval;
      while (Clock::now() < next) {}  // the loop's other work
    }
    const auto start = Clock::now();
    const auto r = store->append(messages[static_cast<std::size_t>(i) % messages.size()], targets,
                                 std::move(callbacks[static_cast<std::size_t>(i)]));
    const auto took = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    if (r.status != AppendStatus::accepted) std::abort();
    nanos[static_cast<std::size_t>(i)] = took;
    spent += took;
  }
  // Back to back, the thread does nothing but append: its CPU time per call is the cost.
  const double cpu = per_second > 0 ? 0 : (thread_cpu_seconds() - cpu_start) / n * 1e9;
  store->flush();
  if (durable.load() != n) std::abort();
  std::sort(nanos.begin(), nanos.end());
  const auto at = [&](double p) { return nanos[static_cast<std::size_t>(p * (n - 1))]; };
  std::printf("%-34s %9d msgs   mean %6.0f ns  p50 %6.0f  p99 %6.0f  p99.9 %7.0f ns", name, n,
              spent / n, at(0.5), at(0.99), at(0.999));
  if (per_second == 0) std::printf("  cpu %5.0f ns", cpu);
  std::printf("\n");
}

// One message in flight at a time (a publisher waiting for each PUBACK): the time from
// append() to its on_durable, i.e. what group commit adds to a hop.
void bench_durable_latency(const std::filesystem::path& dir, int n) {
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.folder = dir;
  auto store = open_or_die(o);
  const auto q = store->queue("bench");
  std::vector<double> micros;
  micros.reserve(n);
  std::mutex m;
  std::condition_variable cv;
  for (int i = 0; i < n; ++i) {
    bool durable = false;
    const auto start = Clock::now();
    store->append(bench_message(i), {{q, 0}}, [&](bool) {
      std::lock_guard lock(m);
      durable = true;
      cv.notify_one();
    });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return durable; });
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("%-34s %9d msgs   p50 %6.0f us   p99 %6.0f us\n", "durable latency, 1 in flight", n,
              micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
}

void bench_read_ack(const std::filesystem::path& dir, int n) {
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.folder = dir;
  o.cache_bytes = 64 << 20;  // room for all of them: the cached path
  {
    auto store = open_or_die(o);
    const auto q = store->queue("bench");
    for (int i = 0; i < n; ++i) store->append(bench_message(i), {{q, 0}}, nullptr);
    store->flush();
    auto start = Clock::now();
    Sequence after = 0;
    int consumed = 0;
    for (;;) {
      const auto batch = store->read(q, after, 100);
      if (batch.empty()) break;
      for (const auto& e : batch) store->ack(q, e.seq);
      after = batch.back().seq;
      consumed += static_cast<int>(batch.size());
    }
    const double s = seconds_since(start);
    std::printf("%-34s %9d msgs %8.3f s %10.0f msg/s\n", "read+ack, cached", consumed, s, consumed / s);
    // Refill for the cold run.
    for (int i = 0; i < n; ++i) store->append(bench_message(i), {{q, 0}}, nullptr);
  }
  o.cache_bytes = 0;  // reopened, nothing cached: every read is a pread + decode
  auto store = open_or_die(o);
  const auto q = store->queue("bench");
  auto start = Clock::now();
  Sequence after = 0;
  int consumed = 0;
  for (;;) {
    const auto batch = store->read(q, after, 100);
    if (batch.empty()) break;
    for (const auto& e : batch) store->ack(q, e.seq);
    after = batch.back().seq;
    consumed += static_cast<int>(batch.size());
  }
  const double s = seconds_since(start);
  std::printf("%-34s %9d msgs %8.3f s %10.0f msg/s\n", "read+ack, from disk (page cache)", consumed, s,
              consumed / s);
}

long rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

// What the in-memory index costs per queued message (no cache): entries with a TTL,
// as on an offline $upstream queue.
void bench_index_memory(const std::filesystem::path& dir, int n) {
  std::filesystem::remove_all(dir);
  StoreOptions o;
  o.folder = dir;
  o.fsync = FsyncPolicy::never;
  o.cache_bytes = 0;
  auto store = open_or_die(o);
  const auto q = store->queue("bench");
  const auto expires = SystemClock::instance().unix_millis() + 3'600'000;
  for (int i = 0; i < 1000; ++i) store->append(bench_message(i), {{q, expires}}, nullptr);
  store->flush();
  const long rss_before = rss_kib();
  const auto heap_in_use = [] { const auto mi = mallinfo2(); return mi.uordblks + mi.hblkhd; };
  const auto heap_before = heap_in_use();
  for (int i = 1000; i < n; ++i) store->append(bench_message(i), {{q, expires}}, nullptr);
  store->flush();
  const double heap = static_cast<double>(heap_in_use() - heap_before);
  const long rss = rss_kib() - rss_before;
  std::printf("%-34s %9d msgs %6.1f MiB heap %6.1f MiB RSS %5.1f bytes/msg\n",
              "index memory, 1 queue with TTL", n - 1000, heap / (1 << 20), rss / 1024.0,
              heap / (n - 1000));
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir_arg;
  std::string only;
  int n = 200'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir_arg = argv[++i];
    else if (std::strcmp(argv[i], "--messages") == 0 && i + 1 < argc) n = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--dir PATH] [--messages N] [--only memory|append|latency|caller|read]\n",
                   argv[0]);
      return 2;
    }
  }
  const auto run = [&](const char* part) { return only.empty() || only == part; };
  spdlog::set_level(spdlog::level::warn);
  std::string base = dir_arg.empty() ? "./store-bench-XXXXXX" : dir_arg + "/store-bench-XXXXXX";
  if (::mkdtemp(base.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = std::filesystem::path(base) / "store";
  std::printf("store bench in %s, 256-byte bodies\n", base.c_str());
  if (run("memory")) bench_index_memory(dir, n);  // first, before other runs leave freed memory
  if (run("append")) {
    bench_append(dir, FsyncPolicy::group, "append, group commit", n);
    bench_append(dir, FsyncPolicy::always, "append, fsync always", std::max(1, n / 50));
    bench_append(dir, FsyncPolicy::never, "append, never fsync", n);
  }
  if (run("latency")) bench_durable_latency(dir, std::max(100, n / 100));
  if (run("caller")) {
    bench_caller_cost(dir, FsyncPolicy::group, "append() on caller, back to back", n, 0);
    bench_caller_cost(dir, FsyncPolicy::group, "append() on caller, 40k/s", std::max(1, n / 4), 40'000);
    bench_caller_cost(dir, FsyncPolicy::never, "append() on caller, never fsync", n, 0);
  }
  if (run("read")) bench_read_ack(dir, n);
  std::filesystem::remove_all(base);
  return 0;
}
