#include "api/routes.hpp"

#include "api/http/responses.hpp"
#include "api/media_route.hpp"
#include "common/metrics.hpp"
#include "delivery/media_urls.hpp"

namespace vidserve::api {

namespace bhttp = http::bhttp;

namespace {

// Replies of the transport-free services, sent on whichever thread produced them; the access
// log learns the status, size and key id from the reply (`access` lives as long as `respond`).
wire::ReplyCallback json_reply(const http::Request& req, ops::Access& access, http::Responder respond) {
  return [respond = std::move(respond), &access, version = req.version(),
          keep_alive = req.keep_alive()](wire::Reply reply) {
    access.status = reply.status;
    access.bytes = reply.body.size();
    access.key_id = std::move(reply.key_id);
    respond(http::json_response(version, keep_alive, static_cast<bhttp::status>(reply.status), std::move(reply.body),
                                reply.retry_after_s));
  };
}

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kRunwareTasks = "/v1/tasks/";  // DELETE /v1/tasks/{taskUUID}

}  // namespace

http::AsyncHandler make_routes(Apis apis, delivery::MediaStore& store, ops::OpsOptions ops_options) {
  return [apis, &store, ops_options](http::Request&& req, const http::ConnectionInfo& connection,
                                     http::Responder respond_now) {
    namespace route = metrics::route;
    // Every answer below goes out through the access log; `access` lives as long as `respond`.
    auto shared_access = ops::start_access(req, connection);
    auto& access = *shared_access;
    auto respond = ops::logged(std::move(shared_access), std::move(respond_now));
    const auto& runware = apis.runware;
    const std::string_view target(req.target().data(), req.target().size());
    const auto query_at = target.find('?');
    const auto path = target.substr(0, query_at);
    const auto query = query_at == std::string_view::npos ? std::string_view() : target.substr(query_at + 1);
    const auto method = view(req.method_string());
    const auto auth = view(req[bhttp::field::authorization]);
    if (req.method() == bhttp::verb::delete_ && path.rfind(kRunwareTasks, 0) == 0 &&
        path.size() > kRunwareTasks.size()) {
      // Runware has no cancel of its own: vidserve's, with the same Authorization as POST /v1.
      access.route = route::kRunwareCancel;
      return runware.cancel_async(path.substr(kRunwareTasks.size()), auth,
                                  json_reply(req, access, std::move(respond)));
    }
    if (apimart::ApimartService::owns(method, path)) {
      access.route = route::kApimart;
      return apis.apimart.handle(method, path, req.body(), auth, json_reply(req, access, std::move(respond)));
    }
    if (kling::NativeService::owns(path)) {
      access.route = route::kKling;
      return apis.kling.handle({method, path, query, req.body(), auth},
                               json_reply(req, access, std::move(respond)));
    }
    if (path.rfind(delivery::kMediaPathPrefix, 0) == 0 &&
        (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
      access.route = route::kMedia;
      http::Answered answered;
      auto response = media_response(req, store, &answered);
      access.status = answered.status;
      access.bytes = answered.bytes;
      return respond(std::move(response));
    }
    if ((path == "/v1" || path == "/v1/" || path == "/") && req.method() == bhttp::verb::post) {
      // Answered after the durable commit, from the committer thread; no io thread waits for it.
      access.route = route::kRunware;
      return runware.handle_async(req.body(), auth, json_reply(req, access, std::move(respond)));
    }
    if (auto answer = ops::ops_response(req, path, ops_options, access)) return respond(std::move(*answer));
    std::string body =
        R"json({"errors":[{"code":"notFound","message":"no such endpoint; vidserve serves POST /v1 (Runware) with DELETE /v1/tasks/{taskUUID}, /v1/videos/<product> (Kling) and /v1/videos/generations with /v1/tasks/{id} (APIMart)"}]})json";
    access.status = 404;
    access.bytes = body.size();
    respond(http::json_response(req, bhttp::status::not_found, std::move(body)));
  };
}

}  // namespace vidserve::api
