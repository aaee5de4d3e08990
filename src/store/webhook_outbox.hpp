#pragma once
// WebhookOutbox: the durable queue of webhook deliveries. A task that names a webhook URL
// (TaskRecord::webhook_url) and asks for an event (TaskRecord::webhook_events) gets an outbox row
// in the same transaction that changes the task: enqueue (kWebhookSubmitted), the first claim
// (kWebhookProcessing), complete, fail and cancel (kWebhookFinal). So a webhook is never lost
// between a state change and its delivery, whatever crashes. The delivery loop
// (api/webhooks/WebhookNotifier) reads the due rows, renders and signs each body once (render:
// every retry sends the same bytes under the same id) and records what became of each attempt.
//
// Bodies are opaque here: the store knows no JSON or HTTP. Times are wall-clock ms (they survive
// a restart). Implemented by SqliteTaskStore, PgTaskStore and MemoryTaskStore (contract suite
// in tests/unit/store/webhook_outbox_contract_test.cpp). Thread-safe; failures as values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vidserve::store {

// TaskRecord::webhook_events bits.
inline constexpr unsigned kWebhookSubmitted = 1;   // the task was accepted (enqueue)
inline constexpr unsigned kWebhookProcessing = 2;  // its first move to Processing (claim_next)
inline constexpr unsigned kWebhookFinal = 4;       // Success, Error or Cancelled

enum class OutboxState { Pending, Delivered, GivenUp };
std::string_view to_string(OutboxState state);
// The state to_string names; nullopt for any other text.
std::optional<OutboxState> parse_outbox_state(std::string_view text);

struct OutboxMessage {
  std::string id;         // "msg_" + uuid: the webhook-id, stable across retries
  std::string owner;      // the task's owner (whose secret signs it)
  std::string task_key;   // TaskRecord::key
  std::string task_uuid;  // the client's uuid
  std::string event;      // "submitted", "processing" or "final"
  std::string url;
  std::int64_t created_ms = 0;
  std::int64_t due_ms = 0;  // not sent before this time
  int attempts = 0;         // attempts made so far
  bool rendered = false;    // body holds the bytes to send (set once, by render)
  std::string body;
  OutboxState state = OutboxState::Pending;
  std::string last_error;  // why the last attempt failed, or why it was given up

  bool operator==(const OutboxMessage&) const = default;
};

class WebhookOutbox {
 public:
  virtual ~WebhookOutbox() = default;

  // Up to `limit` Pending messages with due_ms <= now_ms, by due_ms then insertion order, as they
  // were before this call. With lease_ms > 0 the messages are taken: in the same transaction
  // their due_ms moves to now_ms + lease_ms, so that no other caller (another API node's
  // delivery loop) takes them before the lease ends or the taker settles them; a taker that dies
  // leaves them due again when the lease ends.
  virtual Result<std::vector<OutboxMessage>> due_messages(std::int64_t now_ms, std::size_t limit,
                                                          std::int64_t lease_ms = 0) = 0;
  // The earliest due_ms of a Pending message, nullopt when none is pending.
  virtual Result<std::optional<std::int64_t>> next_due() = 0;
  // The message with this id ("notFound" otherwise).
  virtual Result<OutboxMessage> outbox_message(std::string_view id) = 0;
  // Sets the body of a message that is not rendered yet (no-op when it is): bodies[0] becomes
  // its body; each further body becomes a new Pending, rendered message with the id
  // `id + "_" + i` (i = 1, 2, ...), due at once (its due_ms is the message's created_ms), after
  // it in insertion order. One transaction.
  // "invalidArgument" when bodies is empty.
  virtual Status render(std::string_view id, const std::vector<std::string>& bodies) = 0;
  // Pending -> Delivered; attempts + 1.
  Status mark_delivered(std::string_view id) { return settle(id, OutboxState::Delivered, 0, {}); }
  // Stays Pending, due again at due_ms; attempts + 1; `error` kept as last_error.
  Status reschedule(std::string_view id, std::int64_t due_ms, std::string_view error) {
    return settle(id, OutboxState::Pending, due_ms, error);
  }
  // Pending -> GivenUp; attempts + 1; `reason` kept as last_error.
  Status give_up(std::string_view id, std::string_view reason) {
    return settle(id, OutboxState::GivenUp, 0, reason);
  }
  // Every Pending message to this exact URL -> GivenUp (a receiver answered 410 Gone). Returns how
  // many.
  virtual Result<std::int64_t> give_up_url(std::string_view url, std::string_view reason) = 0;
  // Number of Pending messages.
  virtual Result<std::int64_t> outbox_backlog() = 0;
  // Deletes up to `limit` Delivered or GivenUp messages created before `before_ms`; how many.
  virtual Result<std::int64_t> prune_outbox(std::int64_t before_ms, std::size_t limit) = 0;

 protected:
  // One attempt's outcome on a Pending message: attempts + 1, the new state, due_ms when it stays
  // Pending, `error` as last_error; "notFound" unless the message is Pending.
  virtual Status settle(std::string_view id, OutboxState state, std::int64_t due_ms, std::string_view error) = 0;
};

}  // namespace vidserve::store
