#include "app/stop_signals.hpp"

#include <pthread.h>

#include <csignal>

namespace vidserve::app {

namespace {

sigset_t stop_signals(bool hangup) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (hangup) sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_stop_signals(bool hangup) {
  const sigset_t set = stop_signals(hangup);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal(const std::function<void()>& on_hangup) {
  const sigset_t set = stop_signals(static_cast<bool>(on_hangup));
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal != SIGHUP) return signal;
    on_hangup();
  }
}

}  // namespace vidserve::app
