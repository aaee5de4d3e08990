// The production Sender against a loopback receiver: the JSON body and its Content-Type arrive,
// the receiver's status comes back, and the SSRF guard refuses loopback unless it is allowed.
#include <gtest/gtest.h>

#include "api/webhooks/http_sender.hpp"
#include "loopback_server.hpp"

namespace vidserve::api::webhooks {
namespace {

using namespace std::chrono_literals;
using fetch::testing::LoopbackServer;

fetch::HttpClient loopback_client() {
  return fetch::HttpClient(fetch::AddressGuard::with_allow_list("127.0.0.0/8").value());
}

TEST(HttpSender, PostsJsonAndReturnsTheStatus) {
  LoopbackServer receiver([](const fetch::testing::RecordedRequest&, fetch::testing::Connection& c) {
    c.send(fetch::testing::http_response(503, "busy"));
  });
  auto send = http_sender(loopback_client());
  auto status = send(receiver.url("/hook?token=t"), R"({"data":[]})", {{"webhook-id", "msg_1"}}, 2000ms);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 503);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/hook?token=t");
  EXPECT_EQ(requests[0].body, R"({"data":[]})");
  EXPECT_EQ(requests[0].header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(requests[0].header("webhook-id").value_or(""), "msg_1");
}

TEST(HttpSender, ASilentReceiverTimesOut) {
  LoopbackServer receiver([](const fetch::testing::RecordedRequest&, fetch::testing::Connection& c) {
    c.wait_until_closed(5s);
  });
  auto send = http_sender(loopback_client());
  auto status = send(receiver.url("/hook"), "{}", {}, 300ms);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "fetchTimeout");
}

TEST(HttpSender, LoopbackIsRefusedUnlessAllowed) {
  LoopbackServer receiver([](const fetch::testing::RecordedRequest&, fetch::testing::Connection& c) {
    c.send(fetch::testing::http_response(200, ""));
  });
  auto send = http_sender(fetch::HttpClient(fetch::AddressGuard()));
  auto status = send(receiver.url("/hook"), "{}", {}, 2000ms);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "addressRefused");
  EXPECT_TRUE(receiver.requests().empty());
}

}  // namespace
}  // namespace vidserve::api::webhooks
