#include "store/webhook_outbox.hpp"

#include <array>

#include "common/uuid.hpp"
#include "store/error_codes.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

namespace {

std::string_view event_name(unsigned event) {
  if (event == kWebhookSubmitted) return "submitted";
  if (event == kWebhookProcessing) return "processing";
  return "final";
}

}  // namespace

std::string_view to_string(OutboxState state) {
  constexpr std::array<std::string_view, 3> kNames = {"pending", "delivered", "givenUp"};
  return kNames.at(static_cast<std::size_t>(state));
}

std::optional<OutboxState> parse_outbox_state(std::string_view text) {
  for (auto s : {OutboxState::Pending, OutboxState::Delivered, OutboxState::GivenUp}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

namespace rules {

std::optional<OutboxMessage> outbox_row(std::string_view owner, std::string_view key,
                                        std::string_view task_uuid, std::string_view url,
                                        unsigned wanted, unsigned event, std::int64_t now_ms) {
  if (url.empty() || (wanted & event) == 0) return std::nullopt;
  OutboxMessage m;
  m.id = "msg_" + uuid::generate_v4();
  m.owner = std::string(owner);
  m.task_key = std::string(key);
  m.task_uuid = std::string(task_uuid);
  m.event = std::string(event_name(event));
  m.url = std::string(url);
  m.created_ms = now_ms;
  m.due_ms = now_ms;
  return m;
}

Error no_bodies(std::string_view id) {
  return Error{errc::kInvalidArgument, "webhook " + std::string(id) + ": nothing to render"};
}

std::vector<OutboxMessage> further_parts(const OutboxMessage& message,
                                         const std::vector<std::string>& bodies) {
  std::vector<OutboxMessage> out;
  for (std::size_t i = 1; i < bodies.size(); ++i) {
    OutboxMessage m = message;
    m.id = message.id + "_" + std::to_string(i);
    m.due_ms = message.created_ms;  // due at once, even when the first part was put back
    m.rendered = true;
    m.body = bodies[i];
    out.push_back(std::move(m));
  }
  return out;
}

Error no_message(std::string_view id) {
  return Error{errc::kNotFound, "no webhook message '" + std::string(id) + "'"};
}

}  // namespace rules

}  // namespace vidserve::store
