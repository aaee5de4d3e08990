// HttpLoop: calls answered on the loop thread, the connect-time SSRF check on that path, timers.
#include "fetch/http_loop.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fetch/error_codes.hpp"
#include "loopback_server.hpp"

namespace vidserve::fetch {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::http_response;
using testing::LoopbackServer;
using testing::RecordedRequest;

AddressGuard loopback_allowed() { return AddressGuard::with_allow_list("127.0.0.1/32").value(); }

LoopCall get_call(const UrlTarget& target) {
  LoopCall call;
  call.method = "GET";
  call.target = target;
  call.limits.timeout = 10s;
  return call;
}

TEST(HttpLoop, AnswersACallOnTheLoopThread) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) { c.send(http_response(201, "made")); });
  HttpLoop loop(loopback_allowed(), {}, {});
  loop.start();
  auto target = resolve_url_target(server.url("/thing"), loop.guard());
  ASSERT_TRUE(target);
  std::promise<std::pair<Result<HttpResponse>, std::thread::id>> answered;
  loop.send(get_call(*target), [&](Result<HttpResponse> r) { answered.set_value({std::move(r), std::this_thread::get_id()}); });
  auto [response, thread] = answered.get_future().get();
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "made");
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_EQ(loop.connections_opened(), 1u);
  loop.stop();
}

// A target pinned to an address the loop's guard refuses (as after DNS rebinding) is refused when
// the socket opens: nothing reaches the server.
TEST(HttpLoop, TheSocketCheckRefusesWhatTheGuardRefuses) {
  LoopbackServer server([](const RecordedRequest&, Connection& c) { c.send(http_response(200, "no")); });
  auto target = resolve_url_target(server.url("/"), loopback_allowed());
  ASSERT_TRUE(target);
  HttpLoop loop(AddressGuard{}, {}, {});  // refuses loopback
  loop.start();
  std::promise<Result<HttpResponse>> answered;
  loop.send(get_call(*target), [&](Result<HttpResponse> r) { answered.set_value(std::move(r)); });
  auto response = answered.get_future().get();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, errc::kAddressRefused);
  EXPECT_TRUE(server.requests().empty());
  loop.stop();
}

TEST(HttpLoop, TimersRunInTheOrderTheyAreDue) {
  HttpLoop loop(loopback_allowed(), {}, {});
  loop.start();
  std::mutex mutex;
  std::vector<std::string> order;
  std::promise<void> both;
  loop.after(60ms, [&] {
    std::lock_guard lock(mutex);
    order.push_back("late");
    both.set_value();
  });
  loop.after(5ms, [&] {
    std::lock_guard lock(mutex);
    order.push_back("early");
  });
  ASSERT_EQ(both.get_future().wait_for(10s), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<std::string>{"early", "late"}));
  loop.stop();
}

// stop() answers a call still in flight with "fetchCancelled".
TEST(HttpLoop, StopAnswersCallsInFlight) {
  std::promise<void> release;
  auto released = release.get_future().share();
  LoopbackServer server([released](const RecordedRequest&, Connection& c) {
    released.wait_for(10s);
    c.send(http_response(200, "late"));
  });
  HttpLoop loop(loopback_allowed(), {}, {});
  loop.start();
  auto target = resolve_url_target(server.url("/slow"), loop.guard());
  ASSERT_TRUE(target);
  std::promise<Result<HttpResponse>> answered;
  loop.send(get_call(*target), [&](Result<HttpResponse> r) { answered.set_value(std::move(r)); });
  for (int i = 0; i < 1000 && server.requests().empty(); ++i) std::this_thread::sleep_for(5ms);
  loop.stop();
  auto response = answered.get_future().get();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, errc::kFetchCancelled);
  release.set_value();
}

}  // namespace
}  // namespace vidserve::fetch
