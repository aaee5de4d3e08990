#pragma once
// Whether the calling thread is one of the HTTP server's io threads, which must never wait long:
// a store that would wait out an outage of its database (PgDatabase's retries) fails at once
// there instead, so requests get a 503 and the server keeps answering (health, other requests)
// while the database is away. The io threads mark themselves when they start.
namespace vidserve::thread_role {

inline thread_local bool io_thread = false;

inline void mark_io_thread() {
  io_thread = true;
}
inline bool is_io_thread() {
  return io_thread;
}

}  // namespace vidserve::thread_role
