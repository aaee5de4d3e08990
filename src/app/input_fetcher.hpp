#pragma once
// The server's input fetching: fetch::InputResolver with uploads and earlier results looked up
// in the media store (only the owner's own), http(s) inputs through the SSRF guard
// (VIDSERVE_FETCH_ALLOW lists CIDRs let through despite being loopback or private), and the
// fetch pool that runs every URL fetch off the io threads and the workers.
#include <chrono>
#include <memory>
#include <string>

#include "delivery/media_store.hpp"
#include "fetch/fetch_pool.hpp"
#include "fetch/input_resolver.hpp"
#include "worker/task_runner.hpp"

namespace vidserve::app {

struct FetchSettings {
  fetch::FetchPoolOptions pool;
  std::chrono::milliseconds input_timeout{60'000};   // total per URL input of a task
  std::chrono::milliseconds upload_timeout{30'000};  // total per imageUpload URL
  // Where URL inputs of tasks are downloaded (fetch::ResolverLimits::spool_dir): large video and
  // audio stay there while their task needs them. Empty: in memory.
  std::string spool_dir;
  std::size_t spool_over_bytes = 4 * 1024 * 1024;
  // Total per PUT of a result to its task's uploadEndpoint (each attempt).
  std::chrono::milliseconds result_upload_timeout{10 * 60'000};
};

class InputFetcher {
 public:
  static Result<std::unique_ptr<InputFetcher>> create(delivery::MediaStore& media,
                                                      const FetchSettings& settings = {});
  // Task inputs, resolved on the calling thread (input_timeout per URL).
  worker::InputFetcher as_function() const;
  // Task inputs; URLs are fetched on the pool (on the calling thread when the pool is full).
  worker::AsyncInputFetcher as_async_function() const;
  // imageUpload: resolved on the calling thread (upload_timeout per URL). Call it from the pool.
  worker::InputFetcher for_uploads() const;
  // Results to their uploadEndpoint: a streamed PUT through the same SSRF guard, ended by stop().
  delivery::PutStream for_result_uploads() const;

  fetch::FetchPool& pool() { return *pool_; }
  void start() { pool_->start(); }
  // Cancels transfers in flight (they end within about a second) and runs what is queued.
  void stop() { pool_->stop(); }

 private:
  InputFetcher() = default;
  std::unique_ptr<fetch::FetchPool> pool_;
  std::unique_ptr<fetch::InputResolver> inputs_;
  std::unique_ptr<fetch::InputResolver> uploads_;
  std::unique_ptr<fetch::HttpClient> http_;
  fetch::FetchLimits result_upload_limits_;
};

}  // namespace vidserve::app
