#include "api/routes.hpp"

#include "api/http/file_response.hpp"
#include "api/http/responses.hpp"

namespace vidserve::api {

namespace bhttp = http::bhttp;

namespace {

bhttp::message_generator media(const http::Request& req, delivery::MediaStore& store) {
  const std::string_view target(req.target().data(), req.target().size());
  auto name = target.substr(std::string_view("/media/").size());
  name = name.substr(0, name.find('?'));
  const auto uuid = std::string(name.substr(0, name.find('.')));
  auto record = store.find(uuid);
  if (!record) {
    return http::json_response(req, bhttp::status::not_found,
                               R"({"errors":[{"code":"mediaNotFound","message":"no such media, or it expired"}]})");
  }
  // Media ids are random UUIDs: the URL itself is the capability, as with hosted result URLs.
  return http::file_response(req, record->path, record->content_type, "\"" + uuid + "\"");
}

}  // namespace

http::AsyncHandler make_routes(const runware::Service& runware, delivery::MediaStore& store) {
  return [&runware, &store](http::Request&& req, const http::ConnectionInfo&, http::Responder respond) {
    const std::string_view target(req.target().data(), req.target().size());
    const auto path = target.substr(0, target.find('?'));
    if (path.rfind("/media/", 0) == 0 && (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
      return respond(media(req, store));
    }
    if ((path == "/v1" || path == "/v1/" || path == "/") && req.method() == bhttp::verb::post) {
      const auto auth = req[bhttp::field::authorization];
      // Answered after the durable commit, from the committer thread; no io thread waits for it.
      return runware.handle_async(req.body(), std::string_view(auth.data(), auth.size()),
                                  [respond, version = req.version(), keep_alive = req.keep_alive()](runware::Reply reply) {
                                    respond(http::json_response(version, keep_alive,
                                                                static_cast<bhttp::status>(reply.status),
                                                                std::move(reply.body)));
                                  });
    }
    if (path == "/health" && req.method() == bhttp::verb::get) {
      return respond(http::json_response(req, bhttp::status::ok, R"({"status":"ok"})"));
    }
    respond(http::json_response(req, bhttp::status::not_found,
                                R"({"errors":[{"code":"notFound","message":"no such endpoint; the Runware task API is POST /v1"}]})"));
  };
}

}  // namespace vidserve::api
