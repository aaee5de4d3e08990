#pragma once
// SIGINT and SIGTERM for the long-running commands (serve, worker): blocked before any thread
// starts, so that every thread inherits the mask and only the main thread, waiting, takes them.
namespace vidserve::app {

// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts afterwards).
void block_stop_signals();
// Blocks until SIGINT or SIGTERM arrives; returns the signal.
int wait_for_stop_signal();

}  // namespace vidserve::app
