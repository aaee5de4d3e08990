#pragma once
// One background thread that runs a step function when woken, or when the wait the last step
// asked for runs out, until stopped. The submitter's commits, the completion waiter's expiry,
// the webhook deliveries and the server's sweeps each run on one.
//
//   start() → wait (first: the period, or until woken) → step → wait (what the step returned)
//   → step → ... → stop()
//
// Wakes are not counted: any number of wake() calls while a step runs give one more step after
// it, so the step must take everything that is ready (a queue swap, a scan). stop() ends a wait at
// once, lets a running step finish and joins; steps that must end sooner check their own state.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace vidserve {

class BackgroundLoop {
 public:
  // The longest wait before the next step (a wake() ends it sooner; zero: step again at once),
  // or nullopt: wait for a wake().
  using Next = std::optional<std::chrono::milliseconds>;
  using Step = std::function<Next()>;
  // Replaces the timed waits, never the waits for a wake(): tests advance a FakeClock by the
  // delay and return at once, so backoffs are tested without sleeping. Called on the loop's
  // thread, with no lock held.
  using TimedWait = std::function<void(std::chrono::milliseconds delay)>;

  // The first step waits for a wake(); each step says how long the next one may wait.
  explicit BackgroundLoop(Step step, TimedWait timed_wait = nullptr);
  // A step every `period`, and when woken.
  BackgroundLoop(std::chrono::milliseconds period, std::function<void()> step);
  ~BackgroundLoop() { stop(); }  // never from the loop's own thread
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Starts the thread; nothing while it runs. After a stop() that joined, starts it again.
  void start();
  // A step soon: ends the current wait, or follows the step that is running.
  void wake();
  // Idempotent, from any thread: no step starts any more; waits for a running step and joins.
  // From within a step it returns at once (the loop ends after that step); a later stop() or the
  // destructor, on another thread, joins.
  void stop();

 private:
  void run();
  // Waits as `next` says; false when stopping.
  bool wait_turn(std::unique_lock<std::mutex>& lock, Next next);

  Step step_;
  TimedWait timed_wait_;
  Next first_wait_;
  std::mutex thread_mutex_;  // start() and the joining stop(): the std::thread object
  std::mutex mutex_;         // the flags below
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread::id loop_id_;
  std::thread thread_;
};

}  // namespace vidserve
