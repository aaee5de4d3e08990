#pragma once
// The stored form of an inference task, whichever API it came through: the validated typed
// request and what its front-end needs to answer in its own shape. Front-ends build it once at
// intake; workers and every later read decode it, never a wire format.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "catalog/catalog.hpp"
#include "common/result.hpp"
#include "core/error_codes.hpp"
#include "core/pricing.hpp"
#include "core/request.hpp"
#include "core/validate.hpp"

namespace vidserve::core {

using InferenceRequest = std::variant<VideoRequest, ImageRequest>;

struct TaskSpec {
  // Validated at intake; the seed is always set (chosen then when the client gave none), so a
  // resumed task renders exactly what it would have before a restart.
  InferenceRequest request;
  // The caller's name of each input by Runware path ("inputs.frameImages[1].image" -> "image_tail"),
  // for errors in a Kling or APIMart client's own field names; empty for Runware's own tasks.
  std::map<std::string, std::string> caller_names;
  // Names the request as its client sent it, whatever task uuid it got and before the server
  // chose a seed for it: equal for two submissions of the same request (a resubmission is
  // answered with the first one's acknowledgement). "" on tasks stored before it existed.
  std::string digest = {};

  const GenerationRequest& generation() const;
  GenerationRequest& generation();
  const TaskOptions& options() const { return generation().options; }
  // The caller's name of a Runware path, else the path itself.
  std::string caller_name(const std::string& runware_path) const;
};

// Version 1: {"taskSpec":1,"kind":"video"|"image","request":{...},"callerNames":{...}}, every
// member of the request present (null when absent). A change to the request types needs a new
// version and a conversion of stored rows.
inline constexpr std::int64_t kTaskSpecVersion = 1;

std::string encode_task_spec(const TaskSpec& spec);
// "invalidStoredTask" when `stored` is not a task spec of a version this build reads.
Result<TaskSpec> decode_task_spec(std::string_view stored);
// Without parsing: false when the stored spec certainly names no webhook URL (most tasks), so a
// caller on a busy thread can skip decoding it.
bool may_name_webhook(std::string_view stored);

// A stored task as a worker runs it: its spec checked again against today's catalog (which may
// have changed since the task was accepted: such a task fails clearly), its plan and its price.
struct DecodedTask {
  InferenceRequest request;
  Plan plan;
  std::optional<Quote> quote;
  std::uint64_t seed = 0;
  std::optional<std::int64_t> ttl_s;
  std::optional<std::string> upload_endpoint = {};  // where each result is PUT once stored
};
Result<DecodedTask> decode_task(const catalog::Catalog& catalog, std::string_view stored);

}  // namespace vidserve::core
