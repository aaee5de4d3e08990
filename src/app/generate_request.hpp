#pragma once
// The Runware task `vidserve generate` submits, built from its flags: a --request file as the
// base, then each flag, then each --param. Inputs given as files become data URIs; URLs, data URIs
// and media UUIDs are passed as they are.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "common/result.hpp"

namespace vidserve::app {

struct GenerateOptions {
  std::string server = "http://127.0.0.1:8080", key, model, prompt, negative_prompt;
  std::string output;        // "" -> out.<extension of the output format>
  std::string request_file;  // a task JSON object (or an array of one) to start from
  std::vector<std::string> images, shots, params;
  std::optional<std::string> image_last, video, audio;
  std::optional<long long> seed;
  std::optional<bool> sound;
  std::optional<double> duration;
  std::optional<int> width, height, results;
  bool no_wait = false, as_json = false;
  int wait_s = 3600;  // how long to wait for the results before giving up (the task runs on)
};

struct GenerateRequest {
  boost::json::object task;
  std::string output;  // where the (first) result goes
  bool video = true;
};

// The task to submit, with outputFormat set from -o's extension; errors name the flag at fault.
Result<GenerateRequest> build_request(const GenerateOptions& options,
                                      const catalog::Catalog& catalog);

// The output format (outputFormat) an output path asks for: "out.webm" on a video model -> "WEBM";
// an extension the model's type cannot produce is an error naming the allowed extensions; a path
// without an extension gets the type's default (MP4, JPG).
Result<std::string> output_format_for(const std::string& path, bool video);
// The extension of an output format: "MP4" -> ".mp4", "JPG" -> ".jpg".
std::string extension_for(const std::string& output_format);

// "providerSettings.klingai.sound=true" -> sets that path in `task` to the JSON value true; a
// value that is not JSON is a string ("prompt=a cat").
Status apply_param(boost::json::object& task, const std::string& assignment);

// "a cat walks:3" -> {"prompt":"a cat walks","duration":3}.
Result<boost::json::object> parse_shot(const std::string& shot);

}  // namespace vidserve::app
