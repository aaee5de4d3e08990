#pragma once
// The task lifecycle as this process sees it: each state change it makes is one line on the
// logger "vidserve tasks" (level info; failed: warning) and one count in
// vidserve_task_transitions_total (common/metrics.hpp). Transitions (metrics::transition):
//   queued     stored by a front-end (TaskRepository::enqueue)
//   claimed    taken by a worker (claim_next), with its attempt and worker id
//   finished   completed (complete)
//   failed     failed, with its error code (fail)
//   cancelled  cancelled by its owner (cancel)
//   deferred   handed back to the queue for later (defer: disk full, spend ledger busy)
// Fields: task_uuid, model, key_id (the owner id), api, and per transition attempt, worker, code.
#include <string_view>

#include "store/task_store.hpp"

namespace vidserve::store {

void note_transition(std::string_view transition, const TaskRecord& task,
                     std::string_view detail = {});

}  // namespace vidserve::store
