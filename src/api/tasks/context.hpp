#pragma once
// What every front-end (Runware, Kling native, APIMart) and the webhooks share: the catalog, the
// task repository, the media store, API keys, the durable submitter, the clock and the public base
// URL of media links. One Context is built by whoever assembles the server and outlives the
// front-ends, which keep a reference to it.
#include <atomic>
#include <functional>
#include <string>

#include "api/auth.hpp"
#include "api/tasks/submitter.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "delivery/media_store.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::tasks {

class Context {
 public:
  Context(const catalog::Catalog& catalog_, store::TaskRepository& tasks_,
          delivery::MediaStore& media_, const Authenticator& auth_)
      : catalog(catalog_), tasks(tasks_), media(media_), auth(auth_) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const catalog::Catalog& catalog;
  store::TaskRepository& tasks;
  delivery::MediaStore& media;
  const Authenticator& auth;
  Submitter* submitter = nullptr;  // durable commits off the io threads
  std::function<void()> wake;      // a task was enqueued
  const Clock* clock = &SystemClock::instance();

  // Set once, right after the HTTP server bound its port (the port may be chosen by the OS).
  // Until then every front-end answers 503: media URLs need it.
  void set_public_base_url(std::string url) {
    public_base_url_ = std::move(url);
    ready_.store(true, std::memory_order_release);
  }
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // "http://127.0.0.1:8080", the prefix of media URLs; "" before set_public_base_url.
  const std::string& public_base_url() const { return public_base_url_; }

 private:
  std::string public_base_url_;
  std::atomic<bool> ready_{false};
};

}  // namespace vidserve::api::tasks
