#pragma once
// What the store keeps about one result (store::ResultRecord::payload): a small line-based
// key=value text, so the store stays free of JSON and the format stays readable in the database.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/money.hpp"

namespace vidserve::core {

struct ResultPayload {
  std::string content_type;          // video/mp4, image/jpeg, ...
  std::uint64_t seed = 0;
  std::optional<money::Micros> cost_micros;  // per result, when the catalog prices the plan
  int width = 0, height = 0;
  double duration_s = 0;
  std::string engine;                // which engine produced it
  // A result that could not be made: why, and the task's field at fault ("" when none).
  std::string error_code, error_message, error_parameter;
  // The task's uploadEndpoint, once the result was PUT there ("" otherwise).
  std::string upload_url = {};
  // The engine's notes on how the inputs were used (engine::Output::notes), one line each.
  std::vector<std::string> notes = {};
};

std::string encode(const ResultPayload& payload);
ResultPayload decode_result_payload(const std::string& text);

}  // namespace vidserve::core
