#pragma once
// Durable submission without holding an io thread: handlers hand their validated tasks to one
// committer thread, which stores everything that arrived meanwhile in one transaction (one fsync)
// and then calls each handler back. The acknowledgement is sent only from that callback.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/task_store.hpp"

namespace vidserve::api::runware {

class Submitter {
 public:
  using Callback = std::function<void(std::vector<Result<store::TaskRecord>>)>;

  explicit Submitter(store::TaskStore& tasks) : tasks_(tasks) {}
  ~Submitter() { stop(); }

  void start();
  // Commits what is queued, calls its callbacks, then refuses new work.
  void stop();
  // False (and `done` is not called) once stopped.
  bool submit(std::vector<store::TaskRecord> records, Callback done);

 private:
  struct Group {
    std::vector<store::TaskRecord> records;
    Callback done;
  };
  void run();

  store::TaskStore& tasks_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::vector<Group> queue_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace vidserve::api::runware
