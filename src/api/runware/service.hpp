#pragma once
// The Runware task API (POST /v1), independent of the transport: a request body in, a status
// and a JSON body out. The HTTP and (later) WebSocket layers call it.
#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "api/auth.hpp"
#include "api/runware/completion_waiter.hpp"
#include "api/runware/reply_cache.hpp"
#include "api/runware/submitter.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "core/scheduler/task_runner.hpp"
#include "delivery/media_store.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::runware {

struct Services {
  const catalog::Catalog& catalog;
  store::TaskStore& tasks;
  delivery::MediaStore& media;
  const Authenticator& auth;
  core::InputFetcher fetch;        // for imageUpload
  std::function<void()> wake;      // a task was enqueued
  std::string public_base_url;     // "http://127.0.0.1:8080", prefix of media URLs
  std::chrono::milliseconds sync_timeout{120000};  // imageInference without deliveryMethod async
  std::size_t max_tasks_per_request = 100;
  std::shared_ptr<ReplyCache> finished = std::make_shared<ReplyCache>();
  Submitter* submitter = nullptr;          // durable commits off the io threads
  const Clock* clock = &SystemClock::instance();
  CompletionWaiter* waiter = nullptr;      // synchronous imageInference
};

struct Reply {
  int status = 200;
  std::string body;  // JSON
};

class Service {
 public:
  using ReplyCallback = std::function<void(Reply)>;

  explicit Service(Services services) : s_(std::move(services)) {}
  // `authorization` is the Authorization header ("" when absent). `done` is called once, possibly
  // later and on another thread (after the durable commit, or when a synchronous task finished).
  void handle_async(std::string_view body, std::string_view authorization, ReplyCallback done) const;
  // The same, waiting for the reply.
  Reply handle(std::string_view body, std::string_view authorization) const;

  // Decodes a stored task for the scheduler (the stored form is the wire JSON).
  Result<core::DecodedTask> decode_stored(const store::TaskRecord& record) const;

  const Services& services() const { return s_; }
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // Set once, right after the HTTP server bound its port (the port may be chosen by the OS).
  // Requests that arrive before it is set get 503: media URLs need it.
  void set_public_base_url(std::string url) {
    s_.public_base_url = std::move(url);
    ready_.store(true, std::memory_order_release);
  }

 private:
  Services s_;
  std::atomic<bool> ready_{false};
};

}  // namespace vidserve::api::runware
