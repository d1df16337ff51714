#include <cmath>
#include <ctime>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "outpost/net/address.h"
#include "outpost/http_client/http_client.h"
#include "outpost/net/http_server.h"

namespace outpost::net {
namespace {

TEST(HostPort, ParsesAndExplainsErrors) {
  EXPECT_EQ(parse_host_port("127.0.0.1:1883")->port, 1883);
  EXPECT_EQ(parse_host_port("[::1]:8883")->host, "::1");
  EXPECT_EQ(parse_host_port("localhost").error(), "'localhost' has no port (expected host:port)");
  EXPECT_EQ(parse_host_port("h:99999").error(), "'h:99999': port must be a number from 0 to 65535");
  EXPECT_EQ(parse_host_port(":80").error(), "':80' has no host");
  EXPECT_EQ(parse_host_port("::1:80").error(), "'::1:80': write IPv6 addresses as [addr]:port");
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<HttpServer>(loop, [this](HttpRequest&& req, HttpResponder responder) {
      if (req.path == "/echo") {
        responder.send(HttpResponse::json(200, "{\"method\":\"" + req.method + "\",\"body\":\"" + req.body +
                                                   "\",\"q\":\"" + req.query_param("a b").value_or("") +
                                                   "\",\"h\":\"" + req.header("x-test").value_or("") + "\"}"));
      } else if (req.path == "/throw") {
        throw std::runtime_error("a handler bug");
      } else if (req.path == "/later") {
        later_ready.set_value(responder);
      } else if (req.path == "/stream") {
        stream = responder.stream(200, {{"Content-Type", "text/event-stream"}});
        stream_open.set_value();
      } else {
        responder.send(HttpResponse::text(404, "no such path: " + req.path + "\n"));
      }
    });
    auto port_or = server->listen("127.0.0.1:0");
    ASSERT_TRUE(port_or) << port_or.error();
    base = "http://127.0.0.1:" + std::to_string(*port_or);
    thread = std::thread([this] { loop.run(); });
  }
  void TearDown() override {
    loop.post([this] { server->stop(); });
    loop.stop();
    thread.join();
  }
  EventLoop loop;
  std::unique_ptr<HttpServer> server;
  std::promise<HttpResponder> later_ready;
  std::shared_ptr<HttpStream> stream;
  std::promise<void> stream_open;
  std::string base;
  std::thread thread;
};

TEST_F(HttpServerTest, ServesRequestsWithQueryHeadersAndBody) {
  auto r = http_request("PUT", base + "/echo?a%20b=c%2Fd", {{"X-Test", "yes"}}, "payload");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"method":"PUT","body":"payload","q":"c/d","h":"yes"})");
  EXPECT_EQ(r->header("content-type"), "application/json; charset=utf-8");
  // A Date, as IoT Hub sends: `outpost check` compares clocks with it.
  std::tm date{};
  EXPECT_NE(strptime(r->header("date").c_str(), "%a, %d %b %Y %H:%M:%S GMT", &date), nullptr) << r->header("date");
  EXPECT_LT(std::abs(std::difftime(timegm(&date), std::time(nullptr))), 5.0);
  auto missing = http_request("GET", base + "/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpServerTest, AnswersLaterFromAnotherThread) {
  auto pending = std::async(std::launch::async, [&] { return http_request("GET", base + "/later"); });
  ASSERT_EQ(pending.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  auto parked = later_ready.get_future();
  ASSERT_EQ(parked.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "the request never reached the handler";
  parked.get().send(HttpResponse::text(504, "timeout\n"));  // from this thread, not the loop
  auto r = pending.get();
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 504);
}

TEST_F(HttpServerTest, StreamsChunks) {
  std::string received;
  auto reader = std::async(std::launch::async, [&] {
    return http_stream(base + "/stream", {}, [&](std::string_view data) {
      received.append(data);
      return received.find("two") == std::string::npos;
    });
  });
  stream_open.get_future().wait();
  stream->write("data: one\n\n");
  stream->write("data: two\n\n");
  auto status = reader.get();
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(*status, 200);
  EXPECT_EQ(received, "data: one\n\ndata: two\n\n");
  stream->close();
}

TEST_F(HttpServerTest, AHandlerThatThrowsGetsA500AndTheServerGoesOn) {
  auto r = http_request("GET", base + "/throw");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 500);
  auto again = http_request("GET", base + "/nothing");
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->status, 404);
}

TEST_F(HttpServerTest, RejectsOversizedBodies) {
  auto r = http_request("POST", base + "/echo", {}, std::string(2 << 20, 'x'));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 413);
}

}  // namespace
}  // namespace outpost::net
