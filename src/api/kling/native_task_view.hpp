#pragma once
// A stored task as Kling's query endpoints show it: task_status submitted|processing|succeed|
// failed, task_result.videos[{id, url, duration}], times in Unix milliseconds.
#include <boost/json.hpp>

#include "api/tasks/context.hpp"

namespace vidserve::api::kling {

boost::json::object native_task(const tasks::Context& s, const store::TaskRecord& record);

}  // namespace vidserve::api::kling
