#include "log_follower.h"

#include <ctime>
#include <sstream>

#include "management_api.h"

namespace outpost::daemon {

std::optional<std::pair<std::int64_t, std::int64_t>> log_line_time(const std::string& line) {
  std::tm tm{};
  const char* rest = ::strptime(line.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  std::int64_t nanos = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
      if (digits < 9) nanos = nanos * 10 + (*rest - '0');
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (*rest != 'Z') return std::nullopt;
  return std::pair{static_cast<std::int64_t>(::timegm(&tm)), nanos};
}

LogFollower::LogFollower(net::EventLoop& loop, RuntimeWorker& worker, runtime::ModuleRuntime& runtime, std::string name,
                         runtime::LogOptions asked, std::shared_ptr<net::HttpStream> stream)
    : loop_(loop), worker_(worker), runtime_(runtime), name_(std::move(name)), asked_(asked), stream_(std::move(stream)),
      timer_(loop.make_timer()) {}

void LogFollower::start() {
  auto self = shared_from_this();
  stream_->on_close([self] { self->timer_->cancel(); });
  poll();
}

void LogFollower::poll() {
  if (!stream_->open()) return;
  // Always read with timestamps: they tell which lines were sent already.
  auto options = asked_;
  options.timestamps = true;
  if (!first_) {
    options.tail.reset();
    if (last_) options.since = last_->first;
  }
  if (first_) {
    // Where following starts: should the first read send nothing (tail=0, an empty log),
    // later reads send only what is newer than this, not the whole log.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now);
    started_ = {seconds.count(), std::chrono::duration_cast<std::chrono::nanoseconds>(now - seconds).count()};
  }
  first_ = false;
  auto self = shared_from_this();
  auto* runtime = &runtime_;
  const auto name = name_;
  worker_.run<Result<std::string>>([runtime, name, options] { return runtime->logs(name, options); },
                                   [self](Result<std::string> stamped) { self->deliver(std::move(stamped)); });
}

void LogFollower::deliver(Result<std::string> stamped) {
  if (!stream_->open()) return;
  if (!stamped) {  // the module is gone: the stream ends, as Docker's does
    stream_->close();
    return;
  }
  std::istringstream lines(*stamped);
  std::string out;
  // Lines collected together share a stamp; stamps grow between collections (output_log.h).
  const auto sent_up_to = last_;
  for (std::string line; std::getline(lines, line);) {
    const auto when = log_line_time(line);
    if (when && sent_up_to && *when <= *sent_up_to) continue;
    if (when) last_ = when;
    const auto space = line.find(' ');
    out += (asked_.timestamps || space == std::string::npos ? line : line.substr(space + 1)) + "\n";
  }
  if (asked_.until && last_ && last_->first > *asked_.until) {
    if (!out.empty()) stream_->write(docker_log_frames(out));
    stream_->close();
    return;
  }
  if (!out.empty()) stream_->write(docker_log_frames(out));
  if (!last_) last_ = started_;
  auto self = shared_from_this();
  timer_->start(std::chrono::seconds(1), [self] { self->poll(); });
}

}  // namespace outpost::daemon
