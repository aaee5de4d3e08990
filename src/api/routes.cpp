#include "api/routes.hpp"

#include "api/http/responses.hpp"
#include "api/media_route.hpp"
#include "delivery/media_urls.hpp"

namespace vidserve::api {

namespace bhttp = http::bhttp;

namespace {

// Replies of the transport-free services, sent on whichever thread produced them.
wire::ReplyCallback json_reply(const http::Request& req, http::Responder respond, http::HeaderList cors = {}) {
  return [respond = std::move(respond), version = req.version(), keep_alive = req.keep_alive(),
          cors = std::move(cors)](wire::Reply reply) {
    respond(http::json_response(version, keep_alive, static_cast<bhttp::status>(reply.status), std::move(reply.body),
                                reply.retry_after_s, cors));
  };
}

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kRunwareTasks = "/v1/tasks/";  // DELETE /v1/tasks/{taskUUID}
constexpr std::string_view kRunwareTaskList = "/v1/tasks";  // GET /v1/tasks?status=S&limit=N

}  // namespace

http::AsyncHandler make_routes(Apis apis, delivery::MediaStore& store, CorsPolicy cors) {
  return [apis, &store, cors = std::move(cors)](http::Request&& req, const http::ConnectionInfo&, http::Responder respond) {
    const auto& runware = apis.runware;
    const std::string_view target(req.target().data(), req.target().size());
    const auto query_at = target.find('?');
    const auto path = target.substr(0, query_at);
    const auto query = query_at == std::string_view::npos ? std::string_view() : target.substr(query_at + 1);
    const auto method = view(req.method_string());
    const auto auth = view(req[bhttp::field::authorization]);
    if (req.method() == bhttp::verb::options) {
      if (auto answer = cors.answer_options(req, path)) return respond(std::move(*answer));
    }
    auto cors_headers = cors.headers_for(req);
    if (req.method() == bhttp::verb::delete_ && path.rfind(kRunwareTasks, 0) == 0 &&
        path.size() > kRunwareTasks.size()) {
      // Runware has no cancel of its own: vidserve's, with the same Authorization as POST /v1.
      return runware.cancel_async(path.substr(kRunwareTasks.size()), auth, json_reply(req, std::move(respond), cors_headers));
    }
    if (req.method() == bhttp::verb::get && path == kRunwareTaskList) {
      return runware.list_async(query, auth, json_reply(req, std::move(respond)));
    }
    if (apimart::ApimartService::owns(method, path)) {
      return apis.apimart.handle(method, path, req.body(), auth, json_reply(req, std::move(respond), cors_headers));
    }
    if (kling::NativeService::owns(path)) {
      return apis.kling.handle({method, path, query, req.body(), auth}, json_reply(req, std::move(respond), cors_headers));
    }
    if (path.rfind(delivery::kMediaPathPrefix, 0) == 0 &&
        (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
      return respond(media_response(req, store, cors_headers));
    }
    if ((path == "/v1" || path == "/v1/" || path == "/") && req.method() == bhttp::verb::post) {
      // Answered after the durable commit, from the committer thread; no io thread waits for it.
      return runware.handle_async(req.body(), auth, json_reply(req, std::move(respond), cors_headers));
    }
    if (path == "/health" && req.method() == bhttp::verb::get) {
      return respond(http::json_response(req, bhttp::status::ok, R"({"status":"ok"})", cors_headers));
    }
    respond(http::json_response(req, bhttp::status::not_found,
                                R"json({"errors":[{"code":"notFound","message":"no such endpoint; vidserve serves POST /v1 (Runware) with DELETE /v1/tasks/{taskUUID}, /v1/videos/<product> (Kling) and /v1/videos/generations with /v1/tasks/{id} (APIMart)"}]})json",
                                cors_headers));
  };
}

}  // namespace vidserve::api
