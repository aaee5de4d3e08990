#pragma once
// Jobs made the way the server makes them: Runware JSON -> parse_task -> validate against the
// built-in catalog -> plan, plus the fetched inputs with their roles.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/runware/task_parser.hpp"
#include "catalog/catalog.hpp"
#include "core/validate.hpp"
#include "engine/engine.hpp"

namespace vidserve::engine::testing_support {

inline const std::string kUuid = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

// `task_json` is a Runware task without taskUUID; taskType defaults to videoInference.
inline Job make_job(const std::string& task_json, std::vector<InputMedia> inputs = {},
                    int result_index = 0, const std::string& task_uuid = kUuid) {
  auto task = boost::json::parse(task_json).as_object();
  if (!task.contains("taskType")) task["taskType"] = "videoInference";
  task["taskUUID"] = task_uuid;
  auto parsed = api::runware::parse_task(task);
  Job job;
  job.task_uuid = task_uuid;
  job.result_index = result_index;
  job.inputs = std::move(inputs);
  const auto& catalog = catalog::Catalog::builtin();
  std::optional<core::Plan> plan;
  std::string problems;
  const auto collect = [&](const core::Validation& v) {
    for (const auto& p : v.problems) problems += p.message + " ";
    plan = v.plan;
  };
  if (auto* video = std::get_if<core::VideoRequest>(&parsed.request)) {
    collect(core::validate(catalog, *video, parsed.problems));
    job.request = *video;
  } else if (auto* image = std::get_if<core::ImageRequest>(&parsed.request)) {
    collect(core::validate(catalog, *image, parsed.problems));
    job.request = *image;
  }
  EXPECT_TRUE(plan) << task_json << ": " << problems;
  if (plan) job.plan = *plan;
  job.content_type = output_content_type(job.plan);
  return job;
}

}  // namespace vidserve::engine::testing_support
