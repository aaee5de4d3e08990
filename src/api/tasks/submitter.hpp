#pragma once
// Durable submission without holding an io thread: handlers hand their validated tasks to one
// committer thread (a BackgroundLoop), which stores everything that arrived meanwhile in one
// transaction (one fsync) and then calls each handler back. The acknowledgement is sent only from
// that callback.
#include <functional>
#include <mutex>
#include <vector>

#include "common/background_loop.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::tasks {

class Submitter {
 public:
  using Callback = std::function<void(std::vector<Result<store::TaskRecord>>)>;
  // True while there is room for new tasks and their media (see --min-free-space). Called on the
  // committer thread before each commit. Empty: always room.
  using SpaceCheck = std::function<bool()>;

  explicit Submitter(store::TaskStore& tasks, SpaceCheck has_space = nullptr)
      : tasks_(tasks), has_space_(std::move(has_space)), committer_([this] { return commit_queued(); }) {}
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
  // One step of the committer: everything queued in one commit. Waits for the next submit.
  BackgroundLoop::Next commit_queued();
  std::vector<Result<store::TaskRecord>> commit(std::vector<store::TaskRecord> records);

  store::TaskStore& tasks_;
  SpaceCheck has_space_;
  std::mutex mutex_;
  std::vector<Group> queue_;
  bool running_ = false;
  BackgroundLoop committer_;  // last: its thread stops before the members it uses go
};

}  // namespace vidserve::api::tasks
