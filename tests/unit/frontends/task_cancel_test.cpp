// tasks::cancel_task, shared by the three front-ends: the store's cancel on the committer thread,
// the task's media removed, one Finished event for waiters and WebSocket pushes; another API's,
// another key's or an unknown task is notFound, a finished one invalidState, twice is fine.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <vector>

#include "api/tasks/intake.hpp"
#include "api/wire/error_codes.hpp"
#include "context_fixture.hpp"

namespace vidserve::api::tasks {
namespace {

using namespace std::chrono_literals;

class RecordedEvents final : public store::TaskEvents {
 public:
  void publish(const store::TaskEvent& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  }
  void listen(store::TaskEventListener&) override {}
  std::vector<store::TaskEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<store::TaskEvent> events_;
};

class CancelTaskTest : public ContextTest {
 protected:
  CancelTaskTest() : submitter_(tasks_) {
    context_.submitter = &submitter_;
    context_.events = &events_;
    submitter_.start();
  }
  ~CancelTaskTest() override { submitter_.stop(); }

  void enqueue(const std::string& uuid, const std::string& api = "apimart",
               const std::string& owner = "owner") {
    store::TaskRecord t;
    t.task_uuid = uuid;
    t.owner = owner;
    t.api = api;
    t.task_type = "videoInference";
    t.model = "klingai:5@3";
    t.results.push_back({0, "media-" + uuid, "processing", ""});
    ASSERT_TRUE(tasks_.enqueue(t));
  }

  Result<store::TaskRecord> cancel(const std::string& id, const std::string& api = "apimart",
                                   const std::string& owner = "owner") {
    std::promise<Result<store::TaskRecord>> answer;
    cancel_task(context_, owner, id, api,
                [&](Result<store::TaskRecord> r) { answer.set_value(std::move(r)); });
    auto future = answer.get_future();
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  }

  Submitter submitter_;
  RecordedEvents events_;
};

TEST_F(CancelTaskTest, AQueuedTaskIsCancelledAndPublishedOnce) {
  enqueue("a");
  auto cancelled = cancel("a");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, store::TaskStatus::Cancelled);
  EXPECT_EQ(tasks_.get("owner", "a")->status, store::TaskStatus::Cancelled);
  auto again = cancel("a");  // twice: the same answer, no second event
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, store::TaskStatus::Cancelled);
  const auto events = events_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, store::TaskEvent::Kind::Finished);
  EXPECT_EQ(events[0].owner, "owner");
  EXPECT_EQ(events[0].task_uuid, "a");
}

TEST_F(CancelTaskTest, MediaTheTaskAlreadyStoredIsRemoved) {
  enqueue("a");
  ASSERT_TRUE(tasks_.claim_next("w", 60'000));
  ASSERT_TRUE(media_.save("owner", "a", "media-a", "bytes", "video/mp4", std::nullopt));
  ASSERT_TRUE(cancel("a"));
  EXPECT_FALSE(media_.find("media-a"));
}

TEST_F(CancelTaskTest, OtherKeysOtherApisAndUnknownTasksAreNotFound) {
  enqueue("a");
  enqueue("r", "runware");
  EXPECT_EQ(cancel("a", "apimart", "intruder").error().code, store::errc::kNotFound);
  EXPECT_EQ(cancel("r", "apimart").error().code, store::errc::kNotFound);
  EXPECT_EQ(cancel("missing").error().code, store::errc::kNotFound);
  EXPECT_EQ(tasks_.get("owner", "a")->status, store::TaskStatus::Queued);
  EXPECT_EQ(tasks_.get("owner", "r")->status, store::TaskStatus::Queued);
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(CancelTaskTest, AFinishedTaskCannotBeCancelled) {
  enqueue("a");
  auto claimed = tasks_.claim_next("w", 60'000);
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_TRUE(tasks_.complete(store::claim_of(**claimed)));
  ASSERT_TRUE(media_.save("owner", "a", "media-a", "bytes", "video/mp4", std::nullopt));
  const auto refused = cancel("a");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, store::errc::kInvalidState);
  EXPECT_TRUE(media_.find("media-a"));  // its results stay
  EXPECT_TRUE(events_.events().empty());
}

TEST_F(CancelTaskTest, AStoppedSubmitterAnswersServiceUnavailable) {
  enqueue("a");
  submitter_.stop();
  EXPECT_EQ(cancel("a").error().code, wire::errc::kServiceUnavailable);
  EXPECT_EQ(tasks_.get("owner", "a")->status, store::TaskStatus::Queued);
}

}  // namespace
}  // namespace vidserve::api::tasks
