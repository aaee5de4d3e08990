// The body of each API's webhook: Runware items in {"data":[...]} one per result, Kling's bare
// task object, APIMart's task view; and where the URL comes from.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/webhooks/webhook_notifier.hpp"
#include "api/webhooks/webhook_payloads.hpp"
#include "webhook_test_support.hpp"

namespace vidserve::api::webhooks {
namespace {

namespace json = boost::json;
using testing::World;

json::object parsed(const std::string& body) { return json::parse(body).as_object(); }

TEST(WebhookUrl, ReadsTheStoredWebhookUrl) {
  store::TaskRecord t;
  t.request = testing::runware_request("https://hooks.example/a?token=x");
  EXPECT_EQ(webhook_url(t), "https://hooks.example/a?token=x");
  t.request = testing::runware_request("");
  EXPECT_EQ(webhook_url(t), "");
  t.request = R"({"webhookURL": 5})";
  EXPECT_EQ(webhook_url(t), "");
  t.request = "not json";
  EXPECT_EQ(webhook_url(t), "");
}

TEST(WebhookPayloads, RunwareSendsOneDataEnvelopePerResultAsGetResponseShowsIt) {
  World w;
  const auto t = w.finished("runware", testing::runware_request(), 2);
  auto bodies = webhook_bodies(*w.context, t, kEventFinal);
  ASSERT_TRUE(bodies);
  ASSERT_EQ(bodies->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto body = parsed((*bodies)[i]);
    EXPECT_EQ(body.size(), 1u) << (*bodies)[i];
    const auto& data = body.at("data").as_array();
    ASSERT_EQ(data.size(), 1u);
    const auto& item = data[0].as_object();
    EXPECT_EQ(testing::text(item.at("taskType")), "videoInference");
    EXPECT_EQ(testing::text(item.at("taskUUID")), t.task_uuid);
    EXPECT_EQ(testing::text(item.at("status")), "success");
    EXPECT_EQ(testing::text(item.at("videoUUID")), t.results[i].media_uuid);
    EXPECT_EQ(testing::text(item.at("videoURL")), std::string(testing::kBase) + "/media/" + t.results[i].media_uuid + ".mp4");
    EXPECT_EQ(item.at("seed").to_number<std::int64_t>(), 42 + static_cast<std::int64_t>(i));
  }
}

TEST(WebhookPayloads, TasksFromBeforeTheApiColumnAreRunwareTasks) {
  World w;
  const auto t = w.finished("", testing::runware_request(), 1);
  auto bodies = webhook_bodies(*w.context, t, kEventFinal);
  ASSERT_TRUE(bodies);
  ASSERT_EQ(bodies->size(), 1u);
  EXPECT_EQ(testing::text(parsed((*bodies)[0]).at("data").as_array()[0].as_object().at("taskUUID")), t.task_uuid);
}

TEST(WebhookPayloads, RunwareFailureSendsTheErrorInAnErrorsEnvelope) {
  World w;
  const auto t = w.finished("runware", testing::runware_request(), 0);
  auto bodies = webhook_bodies(*w.context, t, kEventFinal);
  ASSERT_TRUE(bodies);
  ASSERT_EQ(bodies->size(), 1u);
  const auto body = parsed((*bodies)[0]);
  EXPECT_FALSE(body.contains("data"));
  const auto& error = body.at("errors").as_array().at(0).as_object();
  EXPECT_EQ(testing::text(error.at("code")), "inferenceError");
  EXPECT_EQ(testing::text(error.at("message")), "the engine gave up");
  EXPECT_EQ(testing::text(error.at("taskUUID")), t.task_uuid);
  EXPECT_EQ(testing::text(error.at("taskType")), "videoInference");
  EXPECT_EQ(testing::text(error.at("status")), "error");
}

TEST(WebhookPayloads, KlingSendsTheBareTaskObject) {
  World w;
  const auto request = testing::runware_request("http://cb.example/kling");
  const auto t = w.finished("kling:text2video", request, 1, "my-order-7");
  auto bodies = webhook_bodies(*w.context, t, kEventFinal);
  ASSERT_TRUE(bodies);
  ASSERT_EQ(bodies->size(), 1u);
  const auto task = parsed((*bodies)[0]);
  EXPECT_FALSE(task.contains("code"));  // no {code, message, data} envelope
  EXPECT_FALSE(task.contains("data"));
  EXPECT_EQ(testing::text(task.at("task_id")), t.task_uuid);
  EXPECT_EQ(testing::text(task.at("task_status")), "succeed");
  EXPECT_EQ(testing::text(task.at("task_info").at("external_task_id")), "my-order-7");
  const auto& video = task.at("task_result").at("videos").as_array().at(0).as_object();
  EXPECT_EQ(testing::text(video.at("id")), t.results[0].media_uuid);
  EXPECT_EQ(testing::text(video.at("url")), std::string(testing::kBase) + "/media/" + t.results[0].media_uuid + ".mp4");
  EXPECT_EQ(testing::text(video.at("duration")), "5");
  EXPECT_EQ(task.at("created_at").to_number<std::int64_t>(), t.created_ms);
  EXPECT_EQ(task.at("updated_at").to_number<std::int64_t>(), t.updated_ms);
}

TEST(WebhookPayloads, FailedKlingTaskSaysFailedWithTheReason) {
  World w;
  const auto t = w.finished("kling:image2video", testing::runware_request("http://cb.example/k"), 0);
  auto bodies = webhook_bodies(*w.context, t, kEventFinal);
  ASSERT_TRUE(bodies);
  ASSERT_EQ(bodies->size(), 1u);
  const auto task = parsed((*bodies)[0]);
  EXPECT_EQ(testing::text(task.at("task_status")), "failed");
  EXPECT_NE(std::string(task.at("task_status_msg").as_string()).find("the engine gave up"), std::string::npos);
  EXPECT_TRUE(task.at("task_result").at("videos").as_array().empty());
}

TEST(WebhookPayloads, ApimartSendsItsTaskViewWhenOneIsWiredIn) {
  World w;
  const auto t = w.finished("apimart", testing::runware_request(), 1);
  auto without = webhook_bodies(*w.context, t, kEventFinal);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, "noWebhookShape");
  TaskView view = [](const store::TaskRecord& r) {
    return json::object{{"id", "task_" + r.task_uuid}, {"status", "completed"}};
  };
  auto bodies = webhook_bodies(*w.context, t, kEventFinal, view);
  ASSERT_TRUE(bodies);
  ASSERT_EQ(bodies->size(), 1u);
  EXPECT_EQ(parsed((*bodies)[0]), (json::object{{"id", "task_" + t.task_uuid}, {"status", "completed"}}));
}

// A Kling-native task's "submitted" and "processing" callbacks say that state, even when they go
// out after the task moved on (a receiver that was down, a restart).
TEST(WebhookPayloads, KlingEventsSayTheStateTheyAnnounce) {
  World w;
  const auto t = w.finished("kling:text2video", testing::runware_request("http://cb.example/k"), 1);
  const std::pair<std::string_view, std::string> expected[] = {
      {kEventSubmitted, "submitted"}, {kEventProcessing, "processing"}, {kEventFinal, "succeed"}};
  for (const auto& [event, status] : expected) {
    auto bodies = webhook_bodies(*w.context, t, event);
    ASSERT_TRUE(bodies) << event;
    ASSERT_EQ(bodies->size(), 1u);
    const auto task = parsed((*bodies)[0]);
    EXPECT_EQ(testing::text(task.at("task_status")), status) << event;
    EXPECT_EQ(task.at("task_result").at("videos").as_array().empty(), event != kEventFinal) << event;
  }
}

TEST(WebhookPayloads, OnlyKlingHasIntermediateEvents) {
  World w;
  const auto t = w.finished("runware", testing::runware_request(), 1);
  auto bodies = webhook_bodies(*w.context, t, kEventSubmitted);
  ASSERT_FALSE(bodies);
  EXPECT_EQ(bodies.error().code, "noWebhookShape");
}

// A cancelled task's final webhook says cancelled in each API's own words.
TEST(WebhookPayloads, CancelledTaskReadsAsCancelled) {
  World w;
  auto cancelled = [&](const std::string& api) {
    auto t = testing::hooked_task(api, "http://cb.example/c");
    t.results.push_back({0, uuid::generate_v4(), "processing", ""});
    EXPECT_TRUE(w.tasks.enqueue(t));
    EXPECT_TRUE(w.tasks.cancel(testing::kOwner, t.task_uuid));
    return w.tasks.get(testing::kOwner, t.task_uuid).value();
  };
  auto runware = webhook_bodies(*w.context, cancelled("runware"), kEventFinal);
  ASSERT_TRUE(runware);
  ASSERT_EQ(runware->size(), 1u);
  const auto error = parsed((*runware)[0]).at("errors").as_array().at(0).as_object();
  EXPECT_EQ(testing::text(error.at("code")), "taskCancelled");
  auto kling = webhook_bodies(*w.context, cancelled("kling:text2video"), kEventFinal);
  ASSERT_TRUE(kling);
  const auto task = parsed((*kling)[0]);
  EXPECT_EQ(testing::text(task.at("task_status")), "failed");
  EXPECT_EQ(testing::text(task.at("task_status_msg")), "the task was cancelled");
}

TEST(LoggableUrl, DropsWhatMayCarryASecret) {
  EXPECT_EQ(loggable_url("https://hooks.example/path?token=secret#frag"), "https://hooks.example/path");
  EXPECT_EQ(loggable_url("https://user:pw@hooks.example:8443/p/q"), "https://hooks.example:8443/p/q");
  EXPECT_EQ(loggable_url("http://hooks.example"), "http://hooks.example");
  EXPECT_EQ(loggable_url("http://hooks.example/a@b"), "http://hooks.example/a@b");
  EXPECT_EQ(loggable_url("not a url?x"), "not a url");
}

}  // namespace
}  // namespace vidserve::api::webhooks
