// The Runware parser behind tasks::check_translated_task (see src/api/tasks/task_check.hpp).
#include "api/runware/document_check.hpp"
#include "api/tasks/task_check.hpp"

namespace vidserve::api::tasks {

TaskCheck check_translated_task(const boost::json::object& task, const catalog::Catalog& catalog) {
  auto verdict = runware::check_task(task, 0, catalog);
  return {std::move(verdict.validation), std::move(verdict.request)};
}

}  // namespace vidserve::api::tasks
