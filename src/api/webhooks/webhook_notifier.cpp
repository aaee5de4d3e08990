#include "api/webhooks/webhook_notifier.hpp"

#include <exception>

#include "api/webhooks/webhook_payloads.hpp"
#include "common/log.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::api::webhooks {

namespace {

void log_line(const std::string& text) {
  log::get(log::kWebhooks).warn("{}", text);
}

// A refused or malformed URL stays so; anything else without an answer may be transient.
bool retryable(const Result<int>& sent) {
  if (!sent)
    return sent.error().code != fetch::errc::kInvalidUrl &&
           sent.error().code != fetch::errc::kAddressRefused;
  const int status = *sent;
  return status >= 500 || status == 408 || status == 429;
}

std::string describe(const Result<int>& sent) {
  if (!sent) return sent.error().message;
  return "HTTP " + std::to_string(*sent);
}

}  // namespace

std::string loggable_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority = scheme_end + 3;
  const auto path = url.find('/', authority);
  const auto at = url.substr(0, path).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  return std::string(url.substr(0, authority)) + std::string(url.substr(at + 1));
}

WebhookNotifier::WebhookNotifier(NotifierDeps deps, WebhookOptions options)
    : deps_(std::move(deps)), options_(options), loop_([this] { return deliver_due(); }, deps_.wait) {
  if (options_.attempts < 1) options_.attempts = 1;
}

void WebhookNotifier::start() {
  {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
  }
  loop_.start();
}

void WebhookNotifier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  idle_.notify_all();
  loop_.stop();  // an attempt in flight finishes first
  std::unique_lock lock(mutex_);
  last_attempts(lock);
  const auto left = finished_.size() + deliveries_.size();
  if (left > 0) {
    log_line(std::to_string(left) + " webhook(s) not sent: the server is stopping (results stay readable by polling)");
  }
  dropped_ += left;
  finished_.clear();
  deliveries_.clear();
}

void WebhookNotifier::on_task_event(const store::TaskEvent& event) {
  // Most tasks have no webhook: keep them off the queue without parsing JSON on the worker's
  // thread. The delivery thread reads the stored spec properly.
  if (event.kind != store::TaskEvent::Kind::Finished || !event.may_have_webhook) return;
  const char* why = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!running_) {
      why = "the server is stopping";
    } else if (finished_.size() + deliveries_.size() >= options_.max_queued) {
      why = "too many webhooks queued";
    } else {
      finished_.push_back({event.owner, event.task_uuid});
    }
  }
  if (!why) {
    loop_.wake();
    return;
  }
  ++dropped_;
  log_line("task " + event.task_uuid + ": webhook not sent: " + why +
           " (the result stays readable by polling)");
}

void WebhookNotifier::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return !running_ || (finished_.empty() && deliveries_.empty() && !busy_); });
}

WebhookNotifier::Counts WebhookNotifier::counts() const {
  return {attempts_.load(), delivered_.load(), failed_.load(), dropped_.load()};
}

std::vector<WebhookNotifier::Delivery> WebhookNotifier::deliveries_for(const Finished& finished) const {
  auto record = deps_.tasks.get(finished.owner, finished.task_uuid);
  if (!record) {
    log_line("task " + finished.task_uuid + ": webhook not sent: cannot read the task: " + record.error().message);
    return {};
  }
  // A worker that lost its lease reports too; whoever finishes the task notifies again.
  if (!store::is_terminal(record->status)) return {};
  const auto url = webhook_url(*record);
  if (url.empty()) return {};
  auto bodies = deps_.format(*record);
  if (!bodies) {
    log_line("task " + finished.task_uuid + ": webhook not sent: " + bodies.error().message);
    return {};
  }
  std::vector<Delivery> out;
  for (auto& body : *bodies) out.push_back({record->task_uuid, url, std::move(body)});
  return out;
}

std::optional<std::chrono::milliseconds> WebhookNotifier::attempt(Delivery& d, bool last_chance) {
  ++d.attempts;
  ++attempts_;
  const auto sent = deps_.send(d.url, d.body, options_.timeout);
  if (sent && *sent >= 200 && *sent < 300) {
    ++delivered_;
    return std::nullopt;
  }
  if (retryable(sent) && d.attempts < options_.attempts && !last_chance) {
    auto delay = options_.first_backoff;
    for (int i = 1; i < d.attempts; ++i) delay *= options_.backoff_factor;
    return delay;
  }
  ++failed_;
  log_line("task " + d.task_uuid + ": POST " + loggable_url(d.url) + " failed after " + std::to_string(d.attempts) +
           " attempt(s), giving up: " + describe(sent) + (last_chance && retryable(sent) ? " (server stopping)" : "") +
           " (the result stays readable by polling)");
  return std::nullopt;
}

void WebhookNotifier::expand_next(std::unique_lock<std::mutex>& lock) {
  const auto finished = std::move(finished_.front());
  finished_.pop_front();
  busy_ = true;
  lock.unlock();
  std::vector<Delivery> ready;
  try {
    ready = deliveries_for(finished);
  } catch (const std::exception& e) {
    log_line("task " + finished.task_uuid + ": webhook not sent: " + e.what());
  }
  lock.lock();
  busy_ = false;
  const auto now = deps_.clock->monotonic_ms();
  for (auto& d : ready) deliveries_.emplace(now, std::move(d));
}

void WebhookNotifier::send_next(std::unique_lock<std::mutex>& lock, bool last_chance) {
  const auto next = deliveries_.begin();
  auto delivery = std::move(next->second);
  deliveries_.erase(next);
  busy_ = true;
  lock.unlock();
  std::optional<std::chrono::milliseconds> retry_in;
  try {
    retry_in = attempt(delivery, last_chance);
  } catch (const std::exception& e) {
    ++failed_;
    log_line("task " + delivery.task_uuid + ": POST " + loggable_url(delivery.url) + " failed: " + e.what());
  }
  lock.lock();
  busy_ = false;
  if (retry_in) deliveries_.emplace(deps_.clock->monotonic_ms() + retry_in->count(), std::move(delivery));
}

BackgroundLoop::Next WebhookNotifier::deliver_due() {
  std::unique_lock lock(mutex_);
  while (running_) {
    // Reading and formatting a task is local and quick: done first, so its first POST queues up.
    if (!finished_.empty()) {
      expand_next(lock);
      continue;
    }
    if (deliveries_.empty()) {
      idle_.notify_all();
      return std::nullopt;  // until notify()
    }
    const auto now = deps_.clock->monotonic_ms();
    if (deliveries_.begin()->first > now) return std::chrono::milliseconds(deliveries_.begin()->first - now);
    send_next(lock, false);
  }
  return std::nullopt;
}

// What is queued (tasks the workers finished while stopping, bodies waiting for a retry) gets one
// last attempt, for a bounded time; stop() logs the rest.
void WebhookNotifier::last_attempts(std::unique_lock<std::mutex>& lock) {
  const auto deadline = deps_.clock->monotonic_ms() + options_.stop_grace.count();
  while ((!finished_.empty() || !deliveries_.empty()) && deps_.clock->monotonic_ms() < deadline) {
    if (!finished_.empty()) {
      expand_next(lock);
    } else {
      send_next(lock, true);
    }
  }
}

}  // namespace vidserve::api::webhooks
