#include "api/webhooks/webhook_notifier.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <random>

#include "api/webhooks/webhook_signature.hpp"
#include "api/wire/error_codes.hpp"
#include "common/log.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::api::webhooks {

namespace {

void log_line(const std::string& text) {
  log::get(log::kWebhooks).warn("{}", text);
}

// A refused or malformed URL stays so.
bool refused(const Result<int>& sent) {
  return !sent &&
         (sent.error().code == fetch::errc::kInvalidUrl || sent.error().code == fetch::errc::kAddressRefused);
}

std::string describe(const Result<int>& sent) {
  if (!sent) return sent.error().message;
  return "HTTP " + std::to_string(*sent);
}

std::string what(const store::OutboxMessage& m) {
  return "task " + m.task_uuid + ": webhook " + m.id + " (" + m.event + ") to " + loggable_url(m.url);
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
    : deps_(std::move(deps)), options_(options), loop_([this] { return deliver_due(); }) {
  options_.backoff_factor = std::max(1, options_.backoff_factor);
  options_.jitter = std::clamp(options_.jitter, 0.0, 1.0);
  options_.batch = std::max<std::size_t>(1, options_.batch);
}

void WebhookNotifier::start() {
  if (running_.exchange(true)) return;
  stopping_ = false;
  loop_.start();
  loop_.wake();  // what a previous run left due goes out first
}

void WebhookNotifier::stop() {
  stopping_ = true;
  running_ = false;
  loop_.stop();
}

void WebhookNotifier::on_task_event(const store::TaskEvent& event) {
  if (event.kind == store::TaskEvent::Kind::Finished && event.may_have_webhook && running_) loop_.wake();
}

WebhookNotifier::Counts WebhookNotifier::counts() const {
  return {attempts_.load(), delivered_.load(), retried_.load(), given_up_.load()};
}

std::chrono::milliseconds WebhookNotifier::backoff(const WebhookOptions& o, int attempts, double u) {
  double delay = static_cast<double>(o.first_backoff.count());
  const double cap = static_cast<double>(o.max_backoff.count());
  for (int i = 1; i < attempts && delay < cap; ++i) delay *= o.backoff_factor;
  delay = std::min(delay, cap) * (1.0 - o.jitter * std::clamp(u, 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(delay)));
}

double WebhookNotifier::random_unit() {
  if (deps_.random) return deps_.random();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

BackgroundLoop::Next WebhookNotifier::deliver_due() {
  const auto now = deps_.clock->now_ms();
  // The messages are taken for three attempt timeouts, so another API node's loop never sends
  // them meanwhile; no attempt starts that could end after the lease (the rest of the batch is
  // due again when the lease ends).
  const std::int64_t timeout = options_.timeout.count();
  const std::int64_t lease = 3 * timeout;
  auto due = deps_.outbox.due_messages(now, options_.batch, lease);
  if (!due) {
    log_line("cannot read the webhook outbox: " + due.error().message);
    return options_.poll;
  }
  gone_.clear();
  for (auto& message : *due) {
    if (stopping_) break;
    if (gone_.count(message.url) != 0) continue;  // given up in this pass (410)
    const auto at = deps_.clock->now_ms();
    if (at + timeout > now + lease) break;
    deliver(std::move(message), at);
  }
  if (due->size() == options_.batch) return std::chrono::milliseconds(0);  // more may be due
  prune(now);
  auto next = deps_.outbox.next_due();
  if (!next || !*next) return options_.poll;
  const auto wait = std::max<std::int64_t>(0, **next - deps_.clock->now_ms());
  return std::min(std::chrono::milliseconds(wait), options_.poll);
}

void WebhookNotifier::prune(std::int64_t now_ms) {
  const auto now = deps_.clock->monotonic_ms();
  if (last_prune_ms_ != 0 && now - last_prune_ms_ < 3600 * 1000) return;
  last_prune_ms_ = now;
  auto pruned = deps_.outbox.prune_outbox(now_ms - options_.keep_settled.count(), 1000);
  if (!pruned) log_line("cannot prune the webhook outbox: " + pruned.error().message);
}

std::optional<store::OutboxMessage> WebhookNotifier::rendered(store::OutboxMessage message) {
  auto task = deps_.tasks.get(message.owner, message.task_uuid);
  if (!task) {
    give_up(message, "the task cannot be read: " + task.error().message);
    return std::nullopt;
  }
  auto bodies = [&]() -> Result<std::vector<std::string>> {
    try {
      return deps_.format(*task, message.event);
    } catch (const std::exception& e) {
      return Error{wire::errc::kWebhookFailed, e.what()};
    }
  }();
  if (!bodies || bodies->empty()) {
    give_up(message, bodies ? "nothing to send" : bodies.error().message);
    return std::nullopt;
  }
  if (auto ok = deps_.outbox.render(message.id, *bodies); !ok) {
    log_line(what(message) + ": cannot store its body: " + ok.error().message);
    return std::nullopt;
  }
  auto stored = deps_.outbox.outbox_message(message.id);
  if (!stored || stored->state != store::OutboxState::Pending) return std::nullopt;
  return std::move(stored).value();
}

fetch::Headers WebhookNotifier::signed_headers(const store::OutboxMessage& m, std::int64_t now_ms) {
  const auto timestamp = now_ms / 1000;
  fetch::Headers headers{{"webhook-id", m.id}, {"webhook-timestamp", std::to_string(timestamp)}};
  auto secret = deps_.secret ? deps_.secret(m.owner) : Result<std::string>(std::string());
  if (!secret) {
    log_line(what(m) + ": sent unsigned, the key's secret cannot be read: " + secret.error().message);
    return headers;
  }
  if (secret->empty()) return headers;
  auto signature = webhook_signature(*secret, m.id, timestamp, m.body);
  if (!signature) {
    log_line(what(m) + ": sent unsigned: " + signature.error().message);  // the message never holds the secret
    return headers;
  }
  headers.emplace_back("webhook-signature", std::move(signature).value());
  return headers;
}

void WebhookNotifier::deliver(store::OutboxMessage message, std::int64_t now_ms) {
  if (!message.rendered) {
    auto ready = rendered(std::move(message));
    if (!ready) return;
    message = std::move(*ready);
  }
  const auto headers = signed_headers(message, now_ms);
  ++attempts_;
  const auto sent = [&]() -> Result<int> {
    try {
      return deps_.send(message.url, message.body, headers, options_.timeout);
    } catch (const std::exception& e) {
      return Error{wire::errc::kWebhookFailed, e.what()};
    }
  }();
  settle(message, sent, deps_.clock->now_ms());
}

void WebhookNotifier::give_up(const store::OutboxMessage& m, const std::string& reason) {
  ++given_up_;
  log_line(what(m) + ": giving up after " + std::to_string(m.attempts) + " attempt(s): " + reason +
           " (the result stays readable by polling)");
  if (auto ok = deps_.outbox.give_up(m.id, reason); !ok) log_line(what(m) + ": " + ok.error().message);
}

void WebhookNotifier::settle(const store::OutboxMessage& m, const Result<int>& sent, std::int64_t now_ms) {
  if (sent && *sent >= 200 && *sent < 300) {
    ++delivered_;
    if (auto ok = deps_.outbox.mark_delivered(m.id); !ok) log_line(what(m) + ": " + ok.error().message);
    return;
  }
  store::OutboxMessage attempted = m;
  attempted.attempts += 1;
  if (sent && *sent == 410) {
    give_up(attempted, "HTTP 410 Gone: no more webhooks to this URL are attempted");
    gone_.insert(m.url);
    auto more = deps_.outbox.give_up_url(m.url, "HTTP 410 Gone from this URL");
    if (more) given_up_ += static_cast<std::uint64_t>(*more);
    return;
  }
  if (refused(sent)) return give_up(attempted, describe(sent));
  const auto delay = backoff(options_, attempted.attempts, random_unit());
  if (now_ms + delay.count() > m.created_ms + options_.retry_for.count()) {
    return give_up(attempted, describe(sent) + ", and the retry period is over");
  }
  ++retried_;
  if (auto ok = deps_.outbox.reschedule(m.id, now_ms + delay.count(), describe(sent)); !ok) {
    log_line(what(m) + ": " + ok.error().message);
  }
}

}  // namespace vidserve::api::webhooks
