#pragma once
// GET /v1/tasks (vidserve's own, beside DELETE /v1/tasks/{taskUUID}): the query it takes and the
// item it answers per task.
#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "api/runware/envelope.hpp"
#include "store/task_store.hpp"

namespace vidserve::api::runware {

inline constexpr std::size_t kDefaultListLimit = 30;
inline constexpr std::size_t kMaxListLimit = 500;

// "status=success&limit=10" -> the store query (the api is left to the caller); a bad value adds
// a 400 invalidValue error naming the parameter to `out` and returns nullopt.
std::optional<store::TaskRepository::ListQuery> parse_list_query(std::string_view query,
                                                                 Envelope& out);

// {taskType, taskUUID, model, status, progress, createdAt, updatedAt} (times in ms since the
// epoch), with errorCode and errorMessage for a failed task.
boost::json::object list_item(const store::TaskRecord& record);

}  // namespace vidserve::api::runware
