#pragma once
// In-memory TaskStore: the fake that unit tests of other modules use instead of SQLite.
// Same contract as SqliteTaskStore (both run the contract suite), nothing survives the object.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::store {

class MemoryTaskStore final : public TaskStore, public WebhookOutbox {
 public:
  // `clock` must outlive the store.
  explicit MemoryTaskStore(const Clock& clock) : clock_(clock) {}

  Result<TaskRecord> enqueue(TaskRecord task) override;
  Result<TaskRecord> get(std::string_view owner, std::string_view task_uuid) override;
  Result<std::optional<TaskRecord>> claim_next(std::string_view worker_id,
                                               std::int64_t lease_ms) override;
  Status renew_lease(const Claim& claim, std::int64_t lease_ms) override;
  Status check_held(const Claim& claim) override;
  Status defer(const Claim& claim, std::int64_t delay_ms) override;
  Status set_progress(const Claim& claim, int percent) override;
  Status put_result(const Claim& claim, ResultRecord result) override;
  Status save_provider_state(const Claim& claim, int result_index, std::string state) override;
  Status complete(const Claim& claim) override;
  Status fail(const Claim& claim, std::string_view code, std::string_view message) override;
  Status cancel(std::string_view owner, std::string_view task_uuid) override;
  Result<std::int64_t> requeue_interrupted() override;
  Result<std::vector<TaskRecord>> older_requests(int version, int limit) override;
  Status rewrite_requests(const std::vector<RequestRewrite>& rewrites) override;
  Result<std::map<TaskStatus, std::int64_t>> count_by_status() override;
  Result<TaskRecord> get_by_external_id(std::string_view owner, std::string_view external_id) override;
  Result<std::vector<FinishedTask>> finished_before(std::int64_t updated_before_ms,
                                                    std::size_t limit) override;
  Result<std::int64_t> remove_finished(const std::vector<FinishedTask>& tasks) override;
  using TaskRepository::list;
  Result<std::vector<TaskRecord>> list(std::string_view owner, const ListQuery& query) override;

  // WebhookOutbox (memory_webhook_outbox.cpp).
  Result<std::vector<OutboxMessage>> due_messages(std::int64_t now_ms, std::size_t limit,
                                                  std::int64_t lease_ms) override;
  Result<std::optional<std::int64_t>> next_due() override;
  Result<OutboxMessage> outbox_message(std::string_view id) override;
  Status render(std::string_view id, const std::vector<std::string>& bodies) override;
  Result<std::int64_t> give_up_url(std::string_view url, std::string_view reason) override;
  Result<std::int64_t> outbox_backlog() override;
  Result<std::int64_t> prune_outbox(std::int64_t before_ms, std::size_t limit) override;

 private:
  struct Entry {
    std::uint64_t seq = 0;  // enqueue order, breaks created_ms ties
    TaskRecord task;
  };
  Entry* find(std::string_view key);
  Entry* find_owned(std::string_view owner, std::string_view task_uuid);
  const Entry* find_external(std::string_view owner, std::string_view external_id) const;
  std::int64_t active_count(std::string_view owner) const;
  // The task claim_next takes now (see TaskStore::claim_next), or nullptr.
  Entry* next_claimable(std::int64_t now);
  // The task `claim` still holds (rules::check_claim), with mutex_ held.
  Result<TaskRecord*> held(const Claim& claim);
  Status finish(const Claim& claim, TaskStatus to, std::string_view code, std::string_view message);

  // With mutex_ held: the outbox row of `event` when the task wants it.
  void add_outbox(const TaskRecord& task, unsigned event);
  // With mutex_ held: the Pending message with this id, or nullptr.
  OutboxMessage* pending_message(std::string_view id);
  Status settle(std::string_view id, OutboxState state, std::int64_t due_ms, std::string_view error) override;

  const Clock& clock_;
  std::mutex mutex_;
  std::vector<OutboxMessage> outbox_;  // insertion order
  std::unordered_map<std::string, Entry> tasks_;
  std::uint64_t next_seq_ = 0;
  // Per owner, the number of the owner's latest claim (claims are numbered from 1).
  std::map<std::string, std::uint64_t, std::less<>> last_claim_;
  std::uint64_t claims_ = 0;
};

}  // namespace vidserve::store
