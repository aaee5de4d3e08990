#pragma once
// A stored task as Kling's query endpoints show it: task_status submitted|processing|succeed|
// failed, task_result.videos[{id, url, duration}], times in Unix milliseconds. task_status_msg
// says why a task failed (the parameter at fault by the caller's name) and, for a succeeded one,
// that the preview engine made it and the engine's notes on the inputs ("; " between them).
#include <boost/json.hpp>

#include "api/tasks/context.hpp"

namespace vidserve::api::kling {

boost::json::object native_task(const tasks::Context& s, const store::TaskRecord& record);

}  // namespace vidserve::api::kling
