#pragma once
// SIGINT and SIGTERM (and SIGHUP where it reloads something) for the long-running commands
// (serve, worker): blocked before any thread starts, so that every thread inherits the mask and
// only the main thread, waiting, takes them.
#include <functional>

namespace vidserve::app {

// Blocks SIGINT and SIGTERM, and SIGHUP with `hangup`, in the calling thread (and every thread
// it starts afterwards).
void block_stop_signals(bool hangup = false);
// Blocks until SIGINT or SIGTERM arrives; returns the signal. With `on_hangup` (and SIGHUP
// blocked), each SIGHUP calls it on this thread and the wait goes on.
int wait_for_stop_signal(const std::function<void()>& on_hangup = {});

}  // namespace vidserve::app
