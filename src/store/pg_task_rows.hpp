#pragma once
// Row-level reads and writes of the PostgreSQL task tables (migration 2 in pg_schema.cpp), shared
// by the PgTaskStore sources (pg_task_store.cpp, pg_task_reads.cpp, pg_task_claim.cpp,
// pg_webhook_outbox.cpp). Internal to the store module. Every function runs on a connection
// inside a transaction the caller opened (PgDatabase::transaction).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/pg_database.hpp"
#include "store/task_rules.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::store::pg_rows {

// "SELECT <every column of a TaskRecord, in read_task's order> FROM tasks " + rest; with_request
// false: the request column empty (TaskRepository::get_brief, list).
std::string select_tasks(std::string_view rest, bool with_request = true);
// The same columns, for "... RETURNING " + task_columns(); with_request false: the request empty.
std::string task_columns(bool with_request = true);

// The statement's result, or its error as a Status.
Status run(PgConnection& c, std::string_view sql, const PgParams& params = {});

// A count or a limit as a parameter (size_t values beyond int64 clamp).
PgParam count(std::size_t n);

// Reads the rows of a select_tasks query (without results).
Result<std::vector<TaskRecord>> read_task_rows(const PgResult& rows);
// Attaches each task's results (one statement for all of them).
Status attach_results(PgConnection& c, std::vector<TaskRecord>& tasks);
// Runs a select_tasks query and returns its tasks with their results.
Result<std::vector<TaskRecord>> read_tasks(PgConnection& c, const std::string& sql,
                                           const PgParams& params);
// The task with its results, or nullopt: by its store key, or by the owner and the client's uuid.
Result<std::optional<TaskRecord>> find_task(PgConnection& c, std::string_view key);
Result<std::optional<TaskRecord>> find_owned_task(PgConnection& c, std::string_view owner,
                                                  std::string_view task_uuid, bool with_request = true);
// The store key of the owner's task with this uuid, or nullopt.
Result<std::optional<std::string>> find_key(PgConnection& c, std::string_view owner,
                                            std::string_view task_uuid);

using TaskState = rules::TaskState;
// "notFound" when there is no such task. `lock`: the row stays locked (FOR UPDATE) until the
// transaction ends, so that no claim or other write changes it between a check and a write.
Result<TaskState> find_state(PgConnection& c, std::string_view key, bool lock);

// Inserts the outbox row of `event` when the task wants it (rules::outbox_row); else nothing.
// Defined in pg_webhook_outbox.cpp.
Status add_outbox(PgConnection& c, std::string_view key, const TaskState& task, unsigned event,
                  std::int64_t now_ms);
Status add_outbox(PgConnection& c, const TaskRecord& task, unsigned event, std::int64_t now_ms);

Status upsert_result(PgConnection& c, std::string_view key, const ResultRecord& r);
// Inserts a prepared task row (not its results), under its uuid as key, or under scoped_task_key
// when another owner's task has that key; sets t.key. Maps unique violations to
// "duplicateTaskUUID" / "duplicateExternalId".
Status insert_task(PgConnection& c, TaskRecord& t);

// One statement with its parameters.
struct Statement {
  std::string sql;
  PgParams params;
};
// The statements claim_next runs to claim one of `owner`'s tasks at `now`, with parameters, for
// a test to EXPLAIN (pg_task_claim.cpp).
std::vector<Statement> claim_statements(std::string_view owner, std::int64_t now);

// This transaction's commit need not wait for the WAL flush: for the writes TaskQueue lets a
// power failure lose (claims, renewals, progress), like SQLite's RelaxedWrite.
Status relaxed(PgConnection& c);
// Reads that take several statements see one snapshot (the first statement of the transaction).
Status snapshot(PgConnection& c);

}  // namespace vidserve::store::pg_rows
