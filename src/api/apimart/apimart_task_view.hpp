#pragma once
// A stored task as APIMart's GET /v1/tasks/{task_id} shows it: id "task_<uuid>", status
// pending|processing|completed|failed|cancelled, progress, times in Unix seconds;
// result.videos[{url: [..], duration, notes}] when completed (notes: the engine's notes on how it
// used the inputs, only when there are some; result.note says a preview made it); error {code,
// message, type, param} when failed, param being the caller's field at fault.
#include <boost/json.hpp>
#include <string_view>

#include "api/tasks/context.hpp"

namespace vidserve::api::apimart {

// A task id as APIMart shows it: this prefix and the task uuid.
inline constexpr std::string_view kTaskPrefix = "task_";

boost::json::object task_view(const tasks::Context& s, const store::TaskRecord& t);

}  // namespace vidserve::api::apimart
