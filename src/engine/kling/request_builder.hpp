#pragma once
// Job -> the native Kling request (legacy /v1 API: one create endpoint per product, e.g.
// POST /v1/videos/text2video, image2video, omni-video, lip-sync): which endpoint, and
// the JSON body with model_name/mode from the catalog's `native` entry, durations as strings,
// aspect_ratio from the planned size, inputs as raw base64 (no data: prefix) and
// external_task_id = "<taskUUID>-<resultIndex>". Pure: no I/O, so every mapping is unit-tested.
#include <string>

#include "catalog/model.hpp"
#include "common/result.hpp"
#include "engine/engine.hpp"

namespace vidserve::engine::kling {

struct NativeRequest {
  std::string endpoint;  // "text2video", "omni-video", "avatar/image2video", "generations", ...
  bool image = false;    // an image task: /v1/images/..., results in task_result.images
  std::string body;      // JSON object text

  // "/v1/videos/text2video" or "/v1/images/generations"
  std::string create_path() const { return (image ? "/v1/images/" : "/v1/videos/") + endpoint; }
  // The task is queried under the product path it was created on.
  std::string query_path(const std::string& task_id) const { return create_path() + "/" + task_id; }
};

// Errors: "unsupportedByEngine" for requests the relay cannot express in Kling's API (e.g.
// reference voices, which need a Kling voice id), "invalidInput" for an input that cannot be sent.
Result<NativeRequest> build_request(const Job& job);

// Kling's video aspect ratios: the closest of 16:9, 9:16 and 1:1.
std::string video_aspect_ratio(catalog::Size size);
// Kling's image aspect ratios: the closest of 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9.
std::string image_aspect_ratio(catalog::Size size);
// "1k", "2k" or "4k": the tier whose pixel count (1024², 2048², 4096²) is nearest.
std::string image_resolution(catalog::Size size);

}  // namespace vidserve::engine::kling
