// LocalTaskEvents: every listener hears every event, in the order the listeners were added.
#include "store/task_events.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vidserve::store {
namespace {

struct Recorder final : TaskEventListener {
  Recorder(std::string name_, std::vector<std::string>& log_) : name(std::move(name_)), log(log_) {}
  void on_task_event(const TaskEvent& e) override {
    log.push_back(name + ":" + e.owner + "/" + e.task_uuid + ":" + std::to_string(e.progress));
  }
  std::string name;
  std::vector<std::string>& log;
};

TEST(LocalTaskEvents, EveryListenerHearsEveryEventInOrder) {
  LocalTaskEvents events;
  events.publish({TaskEvent::Kind::Progress, "a", "t1", 10, false});  // nobody listens: dropped
  std::vector<std::string> log;
  Recorder first("first", log), second("second", log);
  events.listen(first);
  events.listen(second);
  events.publish({TaskEvent::Kind::Progress, "a", "t1", 40, false});
  events.publish({TaskEvent::Kind::Finished, "b", "t2", 100, true});
  EXPECT_EQ(log, (std::vector<std::string>{"first:a/t1:40", "second:a/t1:40", "first:b/t2:100",
                                           "second:b/t2:100"}));
}

// A listener may publish from its callback (no lock is held while listeners run).
TEST(LocalTaskEvents, AListenerMayPublish) {
  LocalTaskEvents events;
  struct Echo final : TaskEventListener {
    explicit Echo(TaskEvents& e) : events(e) {}
    void on_task_event(const TaskEvent& e) override {
      seen.push_back(e.task_uuid);
      if (e.task_uuid == "t1") events.publish({TaskEvent::Kind::Finished, e.owner, "t2", 100, false});
    }
    TaskEvents& events;
    std::vector<std::string> seen;
  } echo(events);
  events.listen(echo);
  events.publish({TaskEvent::Kind::Finished, "a", "t1", 100, false});
  EXPECT_EQ(echo.seen, (std::vector<std::string>{"t1", "t2"}));
}

// Queue wakes: every wake added in this process is called by publish_queued; an implementation
// for a shared store is told (send_queued) and calls the wakes when another process queued.
TEST(LocalTaskEvents, PublishQueuedCallsEveryWake) {
  LocalTaskEvents events;
  events.publish_queued();  // no wake yet: nothing happens
  int first = 0, second = 0;
  events.on_queued([&] { ++first; });
  events.on_queued([&] { ++second; });
  events.publish_queued();
  events.publish_queued();
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 2);
}

TEST(TaskEvents, ASharedImplementationSendsQueuedAndWakesOnWhatItHears) {
  struct Shared final : TaskEvents {
    void publish(const TaskEvent&) override {}
    void listen(TaskEventListener&) override {}
    void send_queued() override { ++sent; }
    void heard_from_another_process() { wake_workers(); }
    int sent = 0;
  } events;
  int woken = 0;
  events.on_queued([&] { ++woken; });
  events.publish_queued();
  EXPECT_EQ(events.sent, 1);
  EXPECT_EQ(woken, 1);
  events.heard_from_another_process();
  EXPECT_EQ(events.sent, 1);  // what another process queued is not sent back
  EXPECT_EQ(woken, 2);
}

}  // namespace
}  // namespace vidserve::store
