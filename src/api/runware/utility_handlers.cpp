// imageUpload and modelSearch.
#include <algorithm>

#include "api/http/error_codes.hpp"
#include "api/runware/error_codes.hpp"
#include "api/runware/handlers.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "core/error_codes.hpp"
#include "fetch/content_sniff.hpp"
#include "fetch/fetch_pool.hpp"
#include "worker/input_check.hpp"

namespace vidserve::api::runware::handlers {

namespace json = boost::json;

json::object pong_item() {
  return json::object{{"taskType", "ping"}, {"pong", true}};
}

json::object authentication_item(const std::string& connection_session_uuid) {
  return json::object{{"taskType", "authentication"}, {"connectionSessionUUID", connection_session_uuid}};
}

void read_image_upload(const json::object& task, Envelope& out, std::vector<Upload>& uploads) {
  auto task_uuid = string_field(task, "taskUUID");
  auto image = string_field(task, "image");
  if (image.empty()) {
    out.error(400, core::errc::kMissingParameter,
              "imageUpload needs `image`: a data URI, base64 data or an http(s) URL.",
              "imageUpload", task_uuid, "image");
    return;
  }
  uploads.push_back({std::move(task_uuid), std::move(image)});
}

void image_upload(const Services& s, const Upload& upload, const std::string& owner, Envelope& out) {
  const auto& task_uuid = upload.task_uuid;
  auto blob = s.fetch(upload.image, owner);
  if (!blob) {
    const bool stopping = blob.error().code == fetch::errc::kFetchCancelled;
    out.error(stopping ? 503 : 400, blob.error().code, "image: " + blob.error().message, "imageUpload", task_uuid,
              "image");
    return;
  }
  // The bytes decide, not the declared type: only complete PNG, JPEG and WebP images within the
  // pixel cap (read from the header, nothing decoded) are stored, so an SVG (scripts), a video,
  // random bytes or a decompression bomb never become a served "image".
  if (auto checked = worker::check_input("image", *blob, nullptr); !checked) {
    out.error(400, checked.error().code, "image: " + checked.error().message, "imageUpload", task_uuid, "image");
    return;
  }
  blob->content_type = fetch::sniff_content_type(blob->bytes);
  const auto image_uuid = uuid::generate_v4();
  auto saved = s.context.media.save(owner, task_uuid, image_uuid, blob->bytes, blob->content_type, std::nullopt);
  if (!saved) {
    out.error(500, http::errc::kInternalServerError,
              "the image could not be stored: " + saved.error().message, "imageUpload", task_uuid);
    return;
  }
  out.data.push_back(json::object{
      {"taskType", "imageUpload"},
      {"taskUUID", task_uuid},
      {"imageUUID", image_uuid},
      {"imageURL", s.context.media.url(image_uuid, blob->content_type)}});
}

namespace {

json::object model_entry(const catalog::Model& m) {
  const bool video = m.type == catalog::ModelType::Video;
  json::array capabilities;
  for (const auto& k : m.workflow_kinds()) capabilities.emplace_back(k);
  json::object entry{{"air", m.air},          {"name", m.name},
                     {"version", m.air.substr(m.air.find('@') + 1)},
                     {"category", video ? "video" : "image"},
                     {"architecture", "klingai"}, {"type", video ? "video" : "image"},
                     {"tags", json::array{"kling"}}, {"private", false},
                     {"capabilities", std::move(capabilities)}, {"source", "catalog"}};
  for (const auto& w : m.workflows) {
    if (!w.size.values.empty()) {
      entry["defaultWidth"] = w.size.values.front().width;
      entry["defaultHeight"] = w.size.values.front().height;
      break;
    }
  }
  return entry;
}

bool matches(const catalog::Model& m, const std::string& search, const std::string& type) {
  auto lower = [](std::string v) {
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v;
  };
  const bool video = m.type == catalog::ModelType::Video;
  if (!type.empty() && lower(type) != (video ? "video" : "image")) return false;
  if (search.empty()) return true;
  const auto needle = lower(search);
  return lower(m.air).find(needle) != std::string::npos || lower(m.name).find(needle) != std::string::npos;
}

std::size_t size_field(const json::object& o, const char* key, std::size_t fallback) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() && v->get_int64() >= 0 ? static_cast<std::size_t>(v->get_int64()) : fallback;
}

}  // namespace

void model_search(const Services& s, const json::object& task, Envelope& out) {
  const auto search = string_field(task, "search");
  const auto type = string_field(task, "type");
  const auto limit = std::min<std::size_t>(size_field(task, "limit", 20), 100);
  const auto offset = size_field(task, "offset", 0);
  json::array results;
  std::size_t total = 0;
  for (const auto& m : s.context.catalog.models()) {
    if (!matches(m, search, type)) continue;
    if (total >= offset && results.size() < limit) results.push_back(model_entry(m));
    ++total;
  }
  out.data.push_back(json::object{{"taskType", "modelSearch"},
                                  {"taskUUID", string_field(task, "taskUUID")},
                                  {"totalResults", total},
                                  {"results", std::move(results)}});
}

std::optional<int> over_rate(const Services& s, const std::string& owner, Envelope& out) {
  const auto wait = s.context.over_rate(owner);
  if (wait) {
    out.error(429, errc::kRateLimitExceeded,
              "this API key is over its request rate; retry in " + std::to_string(*wait) + " s.", "", "");
  }
  return wait;
}

}  // namespace vidserve::api::runware::handlers
