#include "api/media_route.hpp"

#include "api/http/file_response.hpp"
#include "api/http/responses.hpp"
#include "delivery/media_urls.hpp"

namespace vidserve::api {

namespace bhttp = http::bhttp;

namespace {

// Only media types are served as themselves; anything else (which no engine or upload produces)
// would go out as opaque bytes.
std::string served_type(const std::string& stored) {
  static constexpr std::string_view kServed[] = {
      "image/png",       "image/jpeg", "image/webp", "video/mp4", "video/webm",
      "video/quicktime", "audio/mpeg", "audio/mp4",  "audio/wav", "audio/ogg"};
  for (auto type : kServed) {
    if (stored == type) return stored;
  }
  return "application/octet-stream";
}

}  // namespace

bhttp::message_generator media_response(const http::Request& req, delivery::MediaStore& store,
                                        const http::HeaderList& extra, http::Answered* answered) {
  http::Answered ignored;
  auto& note = answered ? *answered : ignored;
  const std::string_view target(req.target().data(), req.target().size());
  auto name = target.substr(delivery::kMediaPathPrefix.size());
  name = name.substr(0, name.find('?'));
  const auto uuid = std::string(name.substr(0, name.find('.')));
  auto record = store.find(uuid);
  auto location = record ? store.locate(*record) : Result<delivery::MediaLocation>(record.error());
  if (location) {
    if (const auto* remote = std::get_if<delivery::RemoteUrl>(&*location)) {
      note = {307, 0};
      return http::redirect_response(req, remote->url, extra);
    }
    // Media ids are random UUIDs: the URL itself is the capability, as with hosted result URLs.
    const auto& file = std::get<delivery::LocalFile>(*location);
    return http::file_response(req, file.path.string(), served_type(record->content_type),
                               "\"" + uuid + "\"", extra, &note);
  }
  std::string body = R"({"errors":[{"code":"mediaNotFound","message":"no such media, or it expired"}]})";
  note = {404, req.method() == bhttp::verb::head ? 0 : body.size()};
  return http::json_response(req, bhttp::status::not_found, std::move(body), extra);
}

}  // namespace vidserve::api
