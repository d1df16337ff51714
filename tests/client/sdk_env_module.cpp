// A module written with the C++ SDK as IoT Edge runs one: ModuleClient::fromEnvironment()
// (token and trust bundle from the workload API named by IOTEDGE_WORKLOADURI) connects to the
// gateway, sends one output event, reads its twin, stays connected across a token renewal
// (OUTPOST_TOKEN_LIFETIME seconds, when set: tokens signed by the workload API again), writes
// what happened to result.json in its folder, and stays up until stopped.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <condition_variable>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "outpost/client/outpost_client.h"

namespace {

void report(const nlohmann::json& result) {
  { std::ofstream("result.json.tmp") << result.dump(); }
  std::rename("result.json.tmp", "result.json");
}

}  // namespace

int main() {
  using namespace outpost::client;
  std::mutex mutex;
  std::condition_variable changed;
  int renewals = 0;
  ClientOptions options;
  const char* lifetime = std::getenv("OUTPOST_TOKEN_LIFETIME");
  if (lifetime) options.tokenLifetime = std::chrono::seconds(std::atoi(lifetime));
  options.onConnectionStatus = [&](ConnectionStatus status, ConnectionReason reason, const std::string&) {
    std::lock_guard lock(mutex);
    if (status == ConnectionStatus::connected && reason == ConnectionReason::token_renewal) ++renewals;
    changed.notify_all();
  };
  std::string step = "fromEnvironment";
  try {
    auto client = ModuleClient::fromEnvironment(options);
    step = "open";
    client.open();
    step = "send";
    client.sendOutputEvent("out1", Message(nlohmann::json{{"from", client.moduleId()}}.dump()));
    step = "twin";
    const auto twin = nlohmann::json::parse(client.getTwin());
    if (lifetime) {
      step = "token renewal";
      std::unique_lock lock(mutex);
      if (!changed.wait_for(lock, std::chrono::seconds(60), [&] { return renewals >= 1; }))
        throw ClientError(ErrorCode::timeout, "no token renewal within 60 s");
      lock.unlock();
      client.sendOutputEvent("out1", Message("after the renewal"));
    }
    report({{"ok", true}, {"module", client.moduleId()}, {"twin", twin}, {"renewals", renewals}});
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    int signal = 0;
    sigwait(&stop, &signal);
    return 0;
  } catch (const ClientError& e) {
    report({{"ok", false}, {"step", step}, {"code", std::string(to_string(e.code()))}, {"error", e.what()}});
    return 1;
  }
}
