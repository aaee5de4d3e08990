#include "api/ops/access_log.hpp"

#include <algorithm>

#include "common/log_event.hpp"
#include "common/metrics.hpp"

namespace vidserve::api::ops {

std::shared_ptr<Access> start_access(const http::Request& req,
                                     const http::ConnectionInfo& connection) {
  auto access = std::make_shared<Access>();
  const auto method = req.method_string();
  access->method.assign(method.data(), std::min<std::size_t>(method.size(), 16));
  access->route = metrics::route::kOther;
  access->remote = connection.remote_address;
  return access;
}

http::Responder logged(std::shared_ptr<Access> access, http::Responder respond) {
  return [access = std::move(access),
          respond = std::move(respond)](http::bhttp::message_generator message) {
    const auto& a = *access;
    const double seconds =
        std::chrono::duration<double>(SystemClock::instance().monotonic() - a.started).count();
    metrics::record_http(a.route, a.status, seconds, a.bytes);
    static auto& logger = log::get(log::kAccess);
    log::event(logger, spdlog::level::info, "access",
               {{"method", a.method},
                {"route", a.route},
                {"status", a.status},
                {"bytes", a.bytes},
                {"ms", seconds * 1000},
                {"key_id", a.key_id},
                {"remote", a.remote}});
    respond(std::move(message));
  };
}

}  // namespace vidserve::api::ops
