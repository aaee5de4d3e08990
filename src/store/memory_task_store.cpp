#include "store/memory_task_store.hpp"

#include <algorithm>
#include <tuple>

#include "store/task_rules.hpp"

namespace vidserve::store {

using Lock = std::lock_guard<std::mutex>;

MemoryTaskStore::Entry* MemoryTaskStore::find(std::string_view key) {
  auto it = tasks_.find(std::string(key));
  return it == tasks_.end() ? nullptr : &it->second;
}

// A task's key is its uuid unless another owner had it first (see enqueue).
MemoryTaskStore::Entry* MemoryTaskStore::find_owned(std::string_view owner, std::string_view task_uuid) {
  for (auto* entry : {find(task_uuid), find(scoped_task_key(owner, task_uuid))}) {
    if (entry != nullptr && entry->task.owner == owner && entry->task.task_uuid == task_uuid) return entry;
  }
  return nullptr;
}

Result<TaskRecord> MemoryTaskStore::enqueue(TaskRecord task) {
  if (auto ok = rules::prepare_new_task(task, clock_.now_ms()); !ok) return ok.error();
  Lock lock(mutex_);
  if (find_owned(task.owner, task.task_uuid) != nullptr) {
    return rules::duplicate_task_uuid(task.task_uuid);
  }
  if (!task.external_id.empty() && find_external(task.owner, task.external_id) != nullptr) {
    return rules::duplicate_external_id(task.external_id);
  }
  if (const auto limit = max_active_per_owner(); limit > 0 && active_count(task.owner) >= limit) {
    return rules::too_many_queued(limit);
  }
  task.key = tasks_.count(task.task_uuid) != 0 ? scoped_task_key(task.owner, task.task_uuid) : task.task_uuid;
  tasks_[task.key] = Entry{next_seq_++, task};
  add_outbox(task, kWebhookSubmitted);
  return task;
}

const MemoryTaskStore::Entry* MemoryTaskStore::find_external(std::string_view owner,
                                                             std::string_view external_id) const {
  for (const auto& [uuid, entry] : tasks_) {
    if (entry.task.owner == owner && entry.task.external_id == external_id) return &entry;
  }
  return nullptr;
}

std::int64_t MemoryTaskStore::active_count(std::string_view owner) const {
  std::int64_t count = 0;
  for (const auto& [uuid, entry] : tasks_) {
    const auto status = entry.task.status;
    if (entry.task.owner == owner && (status == TaskStatus::Queued || status == TaskStatus::Processing)) ++count;
  }
  return count;
}

Result<TaskRecord> MemoryTaskStore::get_by_external_id(std::string_view owner, std::string_view external_id) {
  Lock lock(mutex_);
  const Entry* entry = external_id.empty() ? nullptr : find_external(owner, external_id);
  if (entry == nullptr) return rules::not_found(external_id);
  return entry->task;
}

Result<TaskRecord> MemoryTaskStore::get(std::string_view owner, std::string_view task_uuid) {
  Lock lock(mutex_);
  const Entry* entry = find_owned(owner, task_uuid);
  if (entry == nullptr) return rules::not_found(task_uuid);
  return entry->task;
}

MemoryTaskStore::Entry* MemoryTaskStore::next_claimable(std::int64_t now) {
  // Per owner its oldest claimable task; then the owner whose latest claim is the oldest.
  std::map<std::string_view, Entry*> oldest;
  for (auto& [uuid, entry] : tasks_) {
    const TaskRecord& t = entry.task;
    const bool claimable = (t.status == TaskStatus::Queued && t.not_before_ms <= now) ||
                           (t.status == TaskStatus::Processing && t.lease_expires_ms <= now);
    if (!claimable) continue;
    Entry*& best = oldest[t.owner];
    if (best == nullptr || std::tie(t.created_ms, entry.seq) < std::tie(best->task.created_ms, best->seq)) {
      best = &entry;
    }
  }
  auto turn = [this](const Entry* e) {
    const auto it = last_claim_.find(e->task.owner);
    return std::make_tuple(it == last_claim_.end() ? 0 : it->second, e->task.created_ms, e->seq);
  };
  Entry* chosen = nullptr;
  for (const auto& [owner, entry] : oldest) {
    if (chosen == nullptr || turn(entry) < turn(chosen)) chosen = entry;
  }
  return chosen;
}

Result<std::optional<TaskRecord>> MemoryTaskStore::claim_next(std::string_view worker_id,
                                                              std::int64_t lease_ms) {
  Lock lock(mutex_);
  const std::int64_t now = clock_.now_ms();
  Entry* chosen = next_claimable(now);
  if (chosen == nullptr) return std::optional<TaskRecord>{};
  TaskRecord& t = chosen->task;
  t.status = TaskStatus::Processing;
  t.attempts += 1;
  t.worker_id = std::string(worker_id);
  t.lease_expires_ms = now + lease_ms;
  t.not_before_ms = 0;
  t.updated_ms = now;
  last_claim_[t.owner] = ++claims_;
  if (t.attempts == 1) add_outbox(t, kWebhookProcessing);
  return std::optional<TaskRecord>{t};
}

Result<TaskRecord*> MemoryTaskStore::held(const Claim& claim) {
  Entry* entry = find(claim.key);
  if (entry == nullptr) return rules::not_found(claim.key);
  TaskRecord& t = entry->task;
  if (auto ok = rules::check_claim(t.status, t.worker_id, t.attempts, claim); !ok) return ok.error();
  return &t;
}

Status MemoryTaskStore::defer(const Claim& claim, std::int64_t delay_ms) {
  Lock lock(mutex_);
  auto t = held(claim);
  if (!t) return t.error();
  (*t)->status = TaskStatus::Queued;
  (*t)->worker_id.clear();
  (*t)->lease_expires_ms = 0;
  (*t)->updated_ms = clock_.now_ms();
  (*t)->not_before_ms = rules::defer_until((*t)->updated_ms, delay_ms);
  return Ok{};
}

Status MemoryTaskStore::renew_lease(const Claim& claim, std::int64_t lease_ms) {
  Lock lock(mutex_);
  auto t = held(claim);
  if (!t) return t.error();
  (*t)->updated_ms = clock_.now_ms();
  (*t)->lease_expires_ms = (*t)->updated_ms + lease_ms;
  return Ok{};
}

Status MemoryTaskStore::check_held(const Claim& claim) {
  Lock lock(mutex_);
  auto t = held(claim);
  if (!t) return t.error();
  return Ok{};
}

Status MemoryTaskStore::set_progress(const Claim& claim, int percent) {
  Lock lock(mutex_);
  auto t = held(claim);
  if (!t) return t.error();
  (*t)->progress = rules::clamp_progress(percent);
  (*t)->updated_ms = clock_.now_ms();
  return Ok{};
}

Status MemoryTaskStore::put_result(const Claim& claim, ResultRecord result) {
  if (auto ok = rules::check_result(result); !ok) return ok;
  Lock lock(mutex_);
  auto t = held(claim);
  if (!t) return t.error();
  auto& results = (*t)->results;
  auto it = std::lower_bound(results.begin(), results.end(), result.index,
                             [](const ResultRecord& r, int index) { return r.index < index; });
  if (it != results.end() && it->index == result.index) {
    result.provider_state = std::move(it->provider_state);
    *it = std::move(result);
  } else {
    result.provider_state.clear();
    results.insert(it, std::move(result));
  }
  (*t)->updated_ms = clock_.now_ms();
  return Ok{};
}

Status MemoryTaskStore::save_provider_state(const Claim& claim, int result_index, std::string state) {
  if (auto ok = rules::check_provider_state(state); !ok) return ok;
  Lock lock(mutex_);
  auto t = held(claim);
  if (!t) return t.error();
  for (auto& r : (*t)->results) {
    if (r.index != result_index) continue;
    r.provider_state = std::move(state);
    (*t)->updated_ms = clock_.now_ms();
    return Ok{};
  }
  return rules::no_result(claim.key, result_index);
}

Status MemoryTaskStore::finish(const Claim& claim, TaskStatus to, std::string_view code,
                               std::string_view message) {
  Lock lock(mutex_);
  auto held_task = held(claim);
  if (!held_task) return held_task.error();
  TaskRecord& t = **held_task;
  t.status = to;
  if (to == TaskStatus::Success) t.progress = 100;
  t.error_code = std::string(code);
  t.error_message = std::string(message);
  t.worker_id.clear();
  t.lease_expires_ms = 0;
  t.updated_ms = clock_.now_ms();
  add_outbox(t, kWebhookFinal);
  return Ok{};
}

Status MemoryTaskStore::complete(const Claim& claim) {
  return finish(claim, TaskStatus::Success, {}, {});
}

Status MemoryTaskStore::fail(const Claim& claim, std::string_view code, std::string_view message) {
  return finish(claim, TaskStatus::Error, code, message);
}

Status MemoryTaskStore::cancel(std::string_view owner, std::string_view task_uuid) {
  Lock lock(mutex_);
  Entry* entry = find_owned(owner, task_uuid);
  if (entry == nullptr) return rules::not_found(task_uuid);
  TaskRecord& t = entry->task;
  auto change = rules::check_cancel(task_uuid, t.status);
  if (!change) return change.error();
  if (*change) {
    t.status = TaskStatus::Cancelled;
    t.worker_id.clear();
    t.lease_expires_ms = 0;
    t.updated_ms = clock_.now_ms();
    add_outbox(t, kWebhookFinal);
  }
  return Ok{};
}

Result<std::int64_t> MemoryTaskStore::requeue_interrupted() {
  Lock lock(mutex_);
  std::int64_t count = 0;
  for (auto& [uuid, entry] : tasks_) {
    TaskRecord& t = entry.task;
    if (t.status != TaskStatus::Processing) continue;
    t.status = TaskStatus::Queued;
    t.worker_id.clear();
    t.lease_expires_ms = 0;
    t.updated_ms = clock_.now_ms();
    ++count;
  }
  return count;
}

Result<std::vector<TaskRecord>> MemoryTaskStore::older_requests(int version, int limit) {
  Lock lock(mutex_);
  std::vector<TaskRecord> out;
  for (const auto& [key, entry] : tasks_) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (entry.task.request_version >= version) continue;
    out.push_back(entry.task);
    out.back().results.clear();
  }
  return out;
}

Status MemoryTaskStore::rewrite_requests(const std::vector<RequestRewrite>& rewrites) {
  Lock lock(mutex_);
  for (const auto& r : rewrites) {
    Entry* entry = find(r.key);
    if (entry == nullptr) continue;
    entry->task.request = r.request;
    entry->task.request_version = r.version;
  }
  return Ok{};
}

Result<std::map<TaskStatus, std::int64_t>> MemoryTaskStore::count_by_status() {
  Lock lock(mutex_);
  std::map<TaskStatus, std::int64_t> counts;
  for (auto s : {TaskStatus::Queued, TaskStatus::Processing, TaskStatus::Success, TaskStatus::Error,
                 TaskStatus::Cancelled}) {
    counts[s] = 0;
  }
  for (const auto& [uuid, entry] : tasks_) counts[entry.task.status] += 1;
  return counts;
}

Result<std::vector<TaskRepository::FinishedTask>> MemoryTaskStore::finished_before(std::int64_t updated_before_ms,
                                                                              std::size_t limit) {
  Lock lock(mutex_);
  std::vector<const Entry*> old;
  for (const auto& [uuid, entry] : tasks_) {
    if (is_terminal(entry.task.status) && entry.task.updated_ms < updated_before_ms) old.push_back(&entry);
  }
  std::sort(old.begin(), old.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->task.updated_ms, a->seq) < std::tie(b->task.updated_ms, b->seq);
  });
  std::vector<FinishedTask> out;
  for (std::size_t i = 0; i < old.size() && i < limit; ++i) out.push_back({old[i]->task.owner, old[i]->task.task_uuid});
  return out;
}

Result<std::int64_t> MemoryTaskStore::remove_finished(const std::vector<FinishedTask>& tasks) {
  Lock lock(mutex_);
  std::int64_t removed = 0;
  for (const auto& f : tasks) {
    const Entry* entry = find_owned(f.owner, f.task_uuid);
    if (entry == nullptr || !is_terminal(entry->task.status)) continue;
    tasks_.erase(entry->task.key);
    ++removed;
  }
  return removed;
}

Result<std::vector<TaskRecord>> MemoryTaskStore::list(std::string_view owner, const ListQuery& query) {
  Lock lock(mutex_);
  std::vector<const Entry*> mine;
  for (const auto& [uuid, entry] : tasks_) {
    if (entry.task.owner == owner && (query.api.empty() || entry.task.api == query.api) &&
        (!query.status || entry.task.status == *query.status)) {
      mine.push_back(&entry);
    }
  }
  std::sort(mine.begin(), mine.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->task.created_ms, a->seq) > std::tie(b->task.created_ms, b->seq);
  });
  std::vector<TaskRecord> out;
  for (std::size_t i = query.offset; i < mine.size() && out.size() < query.limit; ++i) {
    out.push_back(mine[i]->task);
    out.back().request.clear();
  }
  return out;
}

}  // namespace vidserve::store
