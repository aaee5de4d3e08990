#pragma once
// Validating a task another front-end translated from its own wire format. The common form is, for
// now, a Runware task JSON object: the Kling native translator (and APIMart through it) builds one,
// and the Runware task parser and core validation check it, so every API refuses and accepts
// exactly the same tasks. This declaration is the only door to that parser for the other
// front-ends; it is implemented in the Runware parser library
// (src/api/runware/translated_task.cpp). Once Kling translates into core types directly, it goes
// away.
#include <boost/json.hpp>
#include <optional>

#include "catalog/catalog.hpp"
#include "core/task_spec.hpp"
#include "core/validate.hpp"

namespace vidserve::api::tasks {

struct TaskCheck {
  core::Validation validation;                    // problems in Runware paths, and the plan
  std::optional<core::InferenceRequest> request;  // the typed request, when it is valid
};

TaskCheck check_translated_task(const boost::json::object& task, const catalog::Catalog& catalog);

}  // namespace vidserve::api::tasks
