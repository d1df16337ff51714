// What ModuleClient and DeviceClient share: the identity, the connection, the callback
// thread, and IoT Hub's features on top of MQTT — telemetry and outputs, inputs and C2D,
// the twin (requests matched to responses by $rid), direct methods.
#pragma once
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "callback_thread.h"
#include "connection.h"
#include "credentials.h"
#include "outpost/client/client_options.h"
#include "outpost/client/message.h"
#include "outpost/client/methods.h"

namespace outpost::client::detail {

class ClientCore {
 public:
  ClientCore(Credentials credentials, ClientOptions options);
  ~ClientCore();

  void open() { connection_->open(); }
  void close() { connection_->close(); }

  std::future<void> send(Message message, const std::string& output_name);
  void on_input(const std::string& input_name, std::function<void(const Message&)> handler);
  void on_c2d(std::function<void(const Message&)> handler);

  std::string get_twin();
  void update_reported(const std::string& patch_json);
  void on_desired(std::function<void(const std::string&)> handler);
  void on_method(const std::string& name, MethodHandler handler);

  const Credentials& credentials() const { return credentials_; }
  const ClientOptions& options() const { return options_; }

 private:
  struct TwinReply {
    int status = 0;
    std::string body;
  };
  TwinReply twin_request(const std::string& topic_prefix, const std::string& body);
  void inbound(std::string topic, std::string payload);  // the link's I/O thread
  void on_twin_reply(const std::string& topic, std::string payload);
  void run_method(const std::string& name, const std::string& rid, const std::string& payload);
  void resend_twin_requests();

  const Credentials credentials_;
  const ClientOptions options_;
  std::unique_ptr<CallbackThread> callbacks_;
  std::unique_ptr<Connection> connection_;

  std::mutex mutex_;  // the handlers and the twin requests below
  std::map<std::string, std::function<void(const Message&)>> input_handlers_;
  std::function<void(const Message&)> c2d_handler_;
  std::function<void(const std::string&)> desired_handler_;
  std::map<std::string, MethodHandler> method_handlers_;
  struct PendingTwin {
    std::string topic;
    std::string body;
    std::promise<TwinReply> reply;
  };
  std::map<std::string, PendingTwin> twin_requests_;  // by $rid
  std::uint64_t next_rid_ = 1;
};

// The MQTT user name: {hub}/{d}[/{m}]/?api-version=…&DeviceClientType=outpost-client/…
std::string mqtt_username(const Credentials& credentials, const ClientOptions& options);

}  // namespace outpost::client::detail
