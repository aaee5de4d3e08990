// MemoryTaskStore's WebhookOutbox: the rows in a vector, in insertion order.
#include <algorithm>

#include "store/memory_task_store.hpp"
#include "store/task_rules.hpp"

namespace vidserve::store {

using Lock = std::lock_guard<std::mutex>;

void MemoryTaskStore::add_outbox(const TaskRecord& task, unsigned event) {
  auto row = rules::outbox_row(task.owner, task.key, task.task_uuid, task.webhook_url,
                               task.webhook_events, event, clock_.now_ms());
  if (row) outbox_.push_back(std::move(*row));
}

OutboxMessage* MemoryTaskStore::pending_message(std::string_view id) {
  for (auto& m : outbox_) {
    if (m.id == id) return m.state == OutboxState::Pending ? &m : nullptr;
  }
  return nullptr;
}

Result<std::vector<OutboxMessage>> MemoryTaskStore::due_messages(std::int64_t now_ms,
                                                                 std::size_t limit,
                                                                 std::int64_t lease_ms) {
  Lock lock(mutex_);
  std::vector<OutboxMessage*> due;
  for (auto& m : outbox_) {
    if (m.state == OutboxState::Pending && m.due_ms <= now_ms) due.push_back(&m);
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto* a, const auto* b) { return a->due_ms < b->due_ms; });
  std::vector<OutboxMessage> out;
  for (std::size_t i = 0; i < due.size() && i < limit; ++i) {
    out.push_back(*due[i]);
    if (lease_ms > 0) due[i]->due_ms = now_ms + lease_ms;
  }
  return out;
}

Result<std::optional<std::int64_t>> MemoryTaskStore::next_due() {
  Lock lock(mutex_);
  std::optional<std::int64_t> next;
  for (const auto& m : outbox_) {
    if (m.state == OutboxState::Pending && (!next || m.due_ms < *next)) next = m.due_ms;
  }
  return next;
}

Result<OutboxMessage> MemoryTaskStore::outbox_message(std::string_view id) {
  Lock lock(mutex_);
  for (const auto& m : outbox_) {
    if (m.id == id) return m;
  }
  return rules::no_message(id);
}

Status MemoryTaskStore::render(std::string_view id, const std::vector<std::string>& bodies) {
  if (bodies.empty()) return rules::no_bodies(id);
  Lock lock(mutex_);
  auto it = std::find_if(outbox_.begin(), outbox_.end(), [&](const auto& m) { return m.id == id; });
  if (it == outbox_.end()) return rules::no_message(id);
  if (it->rendered) return Ok{};
  it->rendered = true;
  it->body = bodies[0];
  auto more = rules::further_parts(*it, bodies);
  outbox_.insert(outbox_.end(), more.begin(), more.end());
  return Ok{};
}

Status MemoryTaskStore::settle(std::string_view id, OutboxState state, std::int64_t due_ms,
                               std::string_view error) {
  Lock lock(mutex_);
  OutboxMessage* m = pending_message(id);
  if (m == nullptr) return rules::no_message(id);
  m->attempts += 1;
  m->state = state;
  if (state == OutboxState::Pending) m->due_ms = due_ms;
  m->last_error = std::string(error);
  return Ok{};
}

Result<std::int64_t> MemoryTaskStore::give_up_url(std::string_view url, std::string_view reason) {
  Lock lock(mutex_);
  std::int64_t count = 0;
  for (auto& m : outbox_) {
    if (m.state != OutboxState::Pending || m.url != url) continue;
    m.state = OutboxState::GivenUp;
    m.last_error = std::string(reason);
    ++count;
  }
  return count;
}

Result<std::int64_t> MemoryTaskStore::outbox_backlog() {
  Lock lock(mutex_);
  return static_cast<std::int64_t>(std::count_if(outbox_.begin(), outbox_.end(), [](const auto& m) {
    return m.state == OutboxState::Pending;
  }));
}

Result<std::int64_t> MemoryTaskStore::prune_outbox(std::int64_t before_ms, std::size_t limit) {
  Lock lock(mutex_);
  std::int64_t removed = 0;
  std::erase_if(outbox_, [&](const OutboxMessage& m) {
    if (static_cast<std::size_t>(removed) >= limit || m.state == OutboxState::Pending ||
        m.created_ms >= before_ms)
      return false;
    ++removed;
    return true;
  });
  return removed;
}

}  // namespace vidserve::store
