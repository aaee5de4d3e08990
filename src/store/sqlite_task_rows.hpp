#pragma once
// Row-level reads and writes of the SQLite task tables, shared by the SqliteTaskStore sources
// (sqlite_task_store.cpp, sqlite_task_claim.cpp). Internal to the store module.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/sqlite_database.hpp"
#include "store/task_rules.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::store::sqlite_rows {

using Session = SqliteDatabase::Session;

// "SELECT <every column of a TaskRecord, in read_task's order> FROM tasks "; append a WHERE
// clause. with_request false: the request column empty (TaskRepository::get_brief, list).
std::string select_task(bool with_request = true);

Error corrupt_status(const std::string& text);

// The columns of select_task() (without results).
Result<TaskRecord> read_task(const Statement& s);
// Reads all rows of a select_task() query (without results).
Result<std::vector<TaskRecord>> read_task_rows(Statement& stmt);
// The same, then attaches each task's results.
Result<std::vector<TaskRecord>> read_tasks(Session& s, Statement& stmt);
// The task with its results, or nullopt: by its store key (the column task_uuid), or by the
// owner and the client's uuid (the column client_uuid).
Result<std::optional<TaskRecord>> find_task(Session& s, std::string_view key);
// with_request false: the request left empty (select_task(false)).
Result<std::optional<TaskRecord>> find_owned_task(Session& s, std::string_view owner, std::string_view task_uuid,
                                                  bool with_request = true);
// The store key of the owner's task with this uuid, or nullopt.
Result<std::optional<std::string>> find_key(Session& s, std::string_view owner, std::string_view task_uuid);
// The key a new task of this owner gets: its uuid, or scoped_task_key when that key is taken.
Result<std::string> choose_key(Session& s, std::string_view owner, std::string_view task_uuid);

using TaskState = rules::TaskState;
Result<TaskState> find_state(Session& s, std::string_view key);

// Inserts the outbox row of `event` when the task wants it (rules::outbox_row); else nothing.
// Defined in sqlite_webhook_outbox.cpp.
Status add_outbox(Session& s, std::string_view key, const TaskState& task, unsigned event, std::int64_t now_ms);
Status add_outbox(Session& s, const TaskRecord& task, unsigned event, std::int64_t now_ms);

Status upsert_result(Session& s, std::string_view key, const ResultRecord& r);
// Inserts a prepared task row (not its results) under t.key; maps constraint failures to
// "duplicateTaskUUID" / "duplicateExternalId".
Status insert_task(Session& s, const TaskRecord& t);

}  // namespace vidserve::store::sqlite_rows
