#include "core/task_spec.hpp"

#include <boost/describe.hpp>
#include <boost/json.hpp>

// Requests with a described base convert flattened: the base's members beside their own.
template <>
struct boost::json::is_described_class<vidserve::core::VideoRequest> : std::true_type {};
template <>
struct boost::json::is_described_class<vidserve::core::ImageRequest> : std::true_type {};

namespace vidserve::core {

// The request types' members, for Boost.JSON's conversions (value_from / try_value_to). Every
// data member is listed: a member missing here would be lost when a task is stored.
BOOST_DESCRIBE_STRUCT(InputRef, (), (value, path))
BOOST_DESCRIBE_STRUCT(FrameImage, (), (image, frame, frame_path))
BOOST_DESCRIBE_STRUCT(ReferenceVideo, (), (video, refer_type))
BOOST_DESCRIBE_STRUCT(Inputs, (),
                      (frame_images_path, frame_images, reference_images, reference_videos, reference_voices,
                       video, audio, image))
BOOST_DESCRIBE_STRUCT(Shot, (), (prompt, duration_s))
BOOST_DESCRIBE_STRUCT(KlingSettings, (),
                      (sound, keep_original_sound, fast, character_orientation, shot_type, multi_prompt,
                       sound_volume, original_audio_volume))
BOOST_DESCRIBE_STRUCT(Safety, (), (check_content, mode))
BOOST_DESCRIBE_STRUCT(TaskOptions, (),
                      (output_type, output_format, output_quality, number_results, ttl, delivery_method,
                       webhook_url, upload_endpoint, include_cost, check_nsfw, safety, seed))
BOOST_DESCRIBE_STRUCT(GenerationRequest, (),
                      (task_type, task_uuid, model, options, positive_prompt, negative_prompt, width, height,
                       inputs, klingai, unsupported_known))
BOOST_DESCRIBE_STRUCT(VideoRequest, (GenerationRequest), (duration, fps, cfg_scale))
BOOST_DESCRIBE_STRUCT(ImageRequest, (GenerationRequest), (resolution))

namespace {

namespace json = boost::json;

constexpr const char* kVersionKey = "taskSpec";

Error invalid(const std::string& why) {
  return Error{errc::kInvalidStoredTask, "the stored task cannot be read: " + why};
}

template <class Request>
Result<InferenceRequest> request_from(const json::value& v) {
  auto request = json::try_value_to<Request>(v);
  if (!request) return invalid("its request does not match this version (" + request.error().message() + ")");
  return InferenceRequest{std::move(*request)};
}

}  // namespace

const GenerationRequest& TaskSpec::generation() const {
  return std::visit([](const auto& r) -> const GenerationRequest& { return r; }, request);
}

GenerationRequest& TaskSpec::generation() {
  return std::visit([](auto& r) -> GenerationRequest& { return r; }, request);
}

std::string TaskSpec::caller_name(const std::string& runware_path) const {
  const auto it = caller_names.find(runware_path);
  return it == caller_names.end() ? runware_path : it->second;
}

std::string encode_task_spec(const TaskSpec& spec) {
  json::object o;
  o[kVersionKey] = kTaskSpecVersion;
  o["kind"] = std::holds_alternative<VideoRequest>(spec.request) ? "video" : "image";
  o["request"] = std::visit([](const auto& r) { return json::value_from(r); }, spec.request);
  o["callerNames"] = json::value_from(spec.caller_names);
  if (!spec.digest.empty()) o["digest"] = spec.digest;
  return json::serialize(o);
}

bool may_name_webhook(std::string_view stored) {
  // encode_task_spec writes "webhook_url":null when there is none (Boost.JSON adds no spaces).
  return stored.find("\"webhook_url\":null") == std::string_view::npos;
}

Result<TaskSpec> decode_task_spec(std::string_view stored) {
  boost::system::error_code ec;
  const auto v = json::parse(stored, ec);
  if (ec || !v.is_object()) return invalid("it is not JSON");
  const auto& o = v.get_object();
  const auto* version = o.if_contains(kVersionKey);
  if (version == nullptr || !version->is_int64()) return invalid("it has no task spec version");
  if (version->get_int64() != kTaskSpecVersion) {
    return invalid("it has task spec version " + std::to_string(version->get_int64()) + "; this build reads " +
                   std::to_string(kTaskSpecVersion));
  }
  const auto* kind = o.if_contains("kind");
  const auto* request = o.if_contains("request");
  if (kind == nullptr || !kind->is_string() || request == nullptr) return invalid("it has no kind or request");
  auto typed = kind->get_string() == "video"   ? request_from<VideoRequest>(*request)
               : kind->get_string() == "image" ? request_from<ImageRequest>(*request)
                                               : Result<InferenceRequest>(invalid("unknown kind"));
  if (!typed) return typed.error();
  TaskSpec spec{std::move(*typed), {}};
  if (const auto* names = o.if_contains("callerNames")) {
    auto map = json::try_value_to<std::map<std::string, std::string>>(*names);
    if (!map) return invalid("its caller names are not strings");
    spec.caller_names = std::move(*map);
  }
  if (const auto* digest = o.if_contains("digest"); digest != nullptr && digest->is_string()) {
    spec.digest = std::string(digest->get_string());
  }
  return spec;
}

Result<DecodedTask> decode_task(const catalog::Catalog& catalog, std::string_view stored) {
  auto spec = decode_task_spec(stored);
  if (!spec) return spec.error();
  const auto validation =
      std::visit([&](const auto& r) { return validate(catalog, r, Problems{}); }, spec->request);
  if (!validation.valid()) {
    const auto& p = validation.problems.front();
    return Error{p.code, "no longer valid against the catalog: " + p.parameter() + ": " + p.message};
  }
  DecodedTask decoded;
  decoded.seed = static_cast<std::uint64_t>(spec->options().seed.value_or(0));
  decoded.ttl_s = spec->options().ttl;
  decoded.upload_endpoint = spec->options().upload_endpoint;
  decoded.request = std::move(spec->request);
  decoded.plan = *validation.plan;
  decoded.quote = validation.quote;
  return decoded;
}

}  // namespace vidserve::core
