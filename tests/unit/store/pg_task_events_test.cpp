// PgTaskEvents: events cross processes (two pools on one schema stand for two processes), a
// process hears its own events once, another schema hears nothing, and the listener comes back
// after its connection is killed.
#include "store/pg_task_events.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "pg_test_support.hpp"
#include "store/pg_database.hpp"

namespace vidserve::store {
namespace {

using testing::PgTestSchema;

class Recorder final : public TaskEventListener {
 public:
  void on_task_event(const TaskEvent& event) override {
    std::lock_guard lock(mutex_);
    seen_.push_back(event);
  }
  std::vector<TaskEvent> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  // Waits up to 10 s for `count` events.
  bool wait_for(std::size_t count) {
    for (int i = 0; i < 1000; ++i) {
      if (seen().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<TaskEvent> seen_;
};

TaskEvent finished(const std::string& uuid) {
  TaskEvent e;
  e.kind = TaskEvent::Kind::Finished;
  e.owner = "key_a";
  e.task_uuid = uuid;
  e.progress = 100;
  e.may_have_webhook = true;
  return e;
}

TEST(PgTaskEvents, PayloadRoundTrips) {
  TaskEvent e = finished("3f1c0a7e-1111-4222-8333-944455556666");
  auto back = decode_task_event(encode_task_event("origin-1", e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->origin, "origin-1");
  EXPECT_EQ(back->event.kind, e.kind);
  EXPECT_EQ(back->event.owner, e.owner);
  EXPECT_EQ(back->event.task_uuid, e.task_uuid);
  EXPECT_EQ(back->event.progress, 100);
  EXPECT_TRUE(back->event.may_have_webhook);
  EXPECT_FALSE(decode_task_event("garbage"));
  EXPECT_FALSE(decode_task_event("o\n7\n1\n0\nowner\nuuid"));  // unknown kind
}

TEST(PgTaskEvents, AnotherProcessHearsEachEventOnceAndThePublisherOnce) {
  PgTestSchema schema, other_schema;
  PgTaskEvents a(schema.open()), b(schema.open()), elsewhere(other_schema.open());
  Recorder heard_a, heard_b, heard_elsewhere;
  a.listen(heard_a);
  b.listen(heard_b);
  elsewhere.listen(heard_elsewhere);
  a.start();
  b.start();
  elsewhere.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // LISTEN is in place
  for (int i = 0; i < 50; ++i) a.publish(finished("task-" + std::to_string(i)));
  ASSERT_TRUE(heard_b.wait_for(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto seen = heard_b.seen();
  ASSERT_EQ(seen.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(seen[i].task_uuid, "task-" + std::to_string(i));
  EXPECT_EQ(heard_a.seen().size(), 50u);  // at once, not again from PostgreSQL
  EXPECT_EQ(heard_elsewhere.seen().size(), 0u);
  EXPECT_EQ(a.received(), 0u);
  a.stop();
  b.stop();
  elsewhere.stop();
}

TEST(PgTaskEvents, TheListenerComesBackAfterItsConnectionIsKilled) {
  PgTestSchema schema;
  PgTaskEvents a(schema.open()), b(schema.open());
  Recorder heard_b;
  b.listen(heard_b);
  a.start();
  b.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  a.publish(finished("before"));
  ASSERT_TRUE(heard_b.wait_for(1));
  // b's LISTENing backend dies (its channel names this test's schema).
  ASSERT_TRUE(testing::pg_admin(
      testing::test_pg_url(),
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %" +
          schema.name() + "%' AND application_name = 'vidserve'"));
  // Events published while it reconnects may be missed (they are hints); keep publishing until
  // one arrives.
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    a.publish(finished("after-" + std::to_string(i)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    back = heard_b.seen().size() > 1;
  }
  EXPECT_TRUE(back);
  a.stop();
  b.stop();
}

}  // namespace
}  // namespace vidserve::store
