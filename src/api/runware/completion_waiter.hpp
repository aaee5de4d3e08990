#pragma once
// Lets a synchronous imageInference wait for its task without holding an io thread: the
// scheduler reports finished tasks here, and a waiter is called back once with the final record
// (or with nothing when its deadline passes or the server stops).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/task_store.hpp"

namespace vidserve::api::runware {

class CompletionWaiter {
 public:
  using Callback = std::function<void(std::optional<store::TaskRecord>)>;

  explicit CompletionWaiter(store::TaskStore& tasks) : tasks_(tasks) {}
  ~CompletionWaiter() { stop(); }

  void start();
  void stop();  // calls every pending waiter with nothing
  void wait(const std::string& owner, const std::string& task_uuid,
            std::chrono::steady_clock::time_point deadline, Callback done);
  void notify(const std::string& task_uuid);  // from the scheduler, after complete/fail

 private:
  struct Waiter {
    std::string owner;
    std::chrono::steady_clock::time_point deadline;
    Callback done;
  };
  void finish_if_terminal(const std::string& task_uuid);
  void expire_loop();

  store::TaskStore& tasks_;
  std::mutex mutex_;
  std::condition_variable stop_signal_;
  std::multimap<std::string, Waiter> waiters_;
  bool running_ = false;
  std::thread expirer_;
};

}  // namespace vidserve::api::runware
