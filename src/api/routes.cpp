#include "api/routes.hpp"

#include "api/http/responses.hpp"
#include "api/media_route.hpp"
#include "common/metrics.hpp"
#include "delivery/media_urls.hpp"

namespace vidserve::api {

namespace bhttp = http::bhttp;

namespace {

// Replies of the transport-free services, sent on whichever thread produced them, with the CORS
// headers of the request; the access log learns the status, size and key id from the reply
// (`access` lives as long as `respond`).
wire::ReplyCallback json_reply(const http::Request& req, ops::Access& access, http::Responder respond,
                               http::HeaderList cors = {}) {
  return [respond = std::move(respond), &access, version = req.version(), keep_alive = req.keep_alive(),
          cors = std::move(cors)](wire::Reply reply) {
    access.status = reply.status;
    access.bytes = reply.body.size();
    access.key_id = std::move(reply.key_id);
    respond(http::json_response(version, keep_alive, static_cast<bhttp::status>(reply.status), std::move(reply.body),
                                reply.retry_after_s, cors));
  };
}

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

constexpr std::string_view kRunwareTasks = "/v1/tasks/";    // DELETE /v1/tasks/{taskUUID}
constexpr std::string_view kRunwareTaskList = "/v1/tasks";  // GET /v1/tasks?status=S&limit=N
constexpr std::string_view kNotFound =
    R"json({"errors":[{"code":"notFound","message":"no such endpoint; vidserve serves POST /v1 (Runware) with GET /v1/tasks and DELETE /v1/tasks/{taskUUID}, /v1/videos/<product> (Kling), /v1/videos/generations with /v1/tasks/{id} (APIMart), /media/, /healthz, /readyz and /metrics"}]})json";

struct Exchange {
  const http::Request& req;
  std::string_view path, query, method, auth;
  ops::Access& access;
  const http::HeaderList& cors;
};

// The three APIs and the media; false when the request is none of theirs (`respond` untouched).
bool route_api(const Apis& apis, delivery::MediaStore& store, const Exchange& x, http::Responder& respond) {
  namespace route = metrics::route;
  const auto& req = x.req;
  const auto& path = x.path;
  if (req.method() == bhttp::verb::delete_ && path.rfind(kRunwareTasks, 0) == 0 && path.size() > kRunwareTasks.size()) {
    // Runware has no cancel of its own: vidserve's, with the same Authorization as POST /v1.
    x.access.route = route::kRunwareCancel;
    apis.runware.cancel_async(path.substr(kRunwareTasks.size()), x.auth,
                              json_reply(req, x.access, std::move(respond), x.cors));
  } else if (req.method() == bhttp::verb::get && path == kRunwareTaskList) {
    x.access.route = route::kRunwareList;
    apis.runware.list_async(x.query, x.auth, json_reply(req, x.access, std::move(respond), x.cors));
  } else if (apimart::ApimartService::owns(x.method, path)) {
    x.access.route = route::kApimart;
    apis.apimart.handle(x.method, path, req.body(), x.auth, json_reply(req, x.access, std::move(respond), x.cors));
  } else if (kling::NativeService::owns(path)) {
    x.access.route = route::kKling;
    apis.kling.handle({x.method, path, x.query, req.body(), x.auth},
                      json_reply(req, x.access, std::move(respond), x.cors));
  } else if (path.rfind(delivery::kMediaPathPrefix, 0) == 0 &&
             (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
    x.access.route = route::kMedia;
    http::Answered answered;
    auto response = media_response(req, store, x.cors, &answered);
    x.access.status = answered.status;
    x.access.bytes = answered.bytes;
    respond(std::move(response));
  } else if ((path == "/v1" || path == "/v1/" || path == "/") && req.method() == bhttp::verb::post) {
    // Answered after the durable commit, from the committer thread; no io thread waits for it.
    x.access.route = route::kRunware;
    apis.runware.handle_async(req.body(), x.auth, json_reply(req, x.access, std::move(respond), x.cors));
  } else {
    return false;
  }
  return true;
}

}  // namespace

http::AsyncHandler make_routes(Apis apis, delivery::MediaStore& store, CorsPolicy cors, ops::OpsOptions ops_options) {
  return [apis, &store, cors = std::move(cors), ops_options](http::Request&& req, const http::ConnectionInfo& connection,
                                                             http::Responder respond_now) {
    // Every answer below goes out through the access log; `access` lives as long as `respond`.
    auto shared_access = ops::start_access(req, connection);
    auto& access = *shared_access;
    auto respond = ops::logged(std::move(shared_access), std::move(respond_now));
    const std::string_view target(req.target().data(), req.target().size());
    const auto query_at = target.find('?');
    const auto path = target.substr(0, query_at);
    const auto query = query_at == std::string_view::npos ? std::string_view() : target.substr(query_at + 1);
    if (req.method() == bhttp::verb::options) {
      http::Answered answered;
      if (auto answer = cors.answer_options(req, path, &answered)) {
        access.route = metrics::route::kPreflight;
        access.status = answered.status;
        access.bytes = answered.bytes;
        return respond(std::move(*answer));
      }
    }
    const auto cors_headers = cors.headers_for(req);
    const Exchange exchange{req, path, query, view(req.method_string()), view(req[bhttp::field::authorization]),
                            access, cors_headers};
    if (route_api(apis, store, exchange, respond)) return;
    if (auto answer = ops::ops_response(req, path, ops_options, access, cors_headers)) {
      return respond(std::move(*answer));
    }
    std::string body(kNotFound);
    access.status = 404;
    access.bytes = body.size();
    respond(http::json_response(req, bhttp::status::not_found, std::move(body), cors_headers));
  };
}

}  // namespace vidserve::api
