#pragma once
// Durable submission without holding an io thread: handlers hand their validated tasks to one
// committer thread (a BackgroundLoop), which stores everything that arrived meanwhile in one
// transaction (one fsync) and then calls each handler back. The acknowledgement is sent only from
// that callback.
//
// Idempotency: a task refused as a duplicate (its owner already used its taskUUID, or its Kling
// external_task_id; or refused for the owner's queue cap while it has that task) whose stored namesake was created through the same API from the same request
// (core::TaskSpec::digest) is answered with that stored task, as if it had just been stored: the
// client gets the first acknowledgement again, and nothing runs or is charged twice. A duplicate
// with a different request keeps its error.
#include <functional>
#include <mutex>
#include <optional>
#include <string>
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
  // Runs `job` on the committer thread before the next commit: another durable write a handler
  // must not wait for on an io thread (a cancel). False (and `job` is not run) once stopped.
  bool run(std::function<void()> job);

 private:
  struct Group {
    std::vector<store::TaskRecord> records;
    Callback done;
  };
  // One step of the committer: everything queued in one commit. Waits for the next submit.
  BackgroundLoop::Next commit_queued();
  std::vector<Result<store::TaskRecord>> commit(std::vector<store::TaskRecord> records);
  // The stored task a refused duplicate resubmits, or nothing when it is another request.
  struct Submitted {
    std::string owner, task_uuid, external_id, api, request;
  };
  std::optional<store::TaskRecord> resubmitted(const Submitted& submitted, const Error& duplicate);

  store::TaskStore& tasks_;
  SpaceCheck has_space_;
  std::mutex mutex_;
  std::vector<Group> queue_;
  std::vector<std::function<void()>> jobs_;
  bool running_ = false;
  BackgroundLoop committer_;  // last: its thread stops before the members it uses go
};

}  // namespace vidserve::api::tasks
