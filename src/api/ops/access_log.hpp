#pragma once
// The access log and HTTP metrics: one line per answered request (logger "vidserve access",
// level info) with the method, the route (a fixed label, metrics::route), the status, the body
// bytes, the milliseconds from the request's arrival to its response, the caller's key id (once
// a front-end authenticated it; never the key or the Authorization header) and the peer address;
// and the same request counted in vidserve_http_*.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/http/types.hpp"
#include "common/clock.hpp"

namespace vidserve::api::ops {

struct Access {
  std::string method;
  std::string_view route;  // a metrics::route constant
  std::string remote;
  Clock::MonotonicTime started = SystemClock::instance().monotonic();
  // Filled by whoever builds the response.
  int status = 0;
  std::uint64_t bytes = 0;
  std::string key_id = {};
};

std::shared_ptr<Access> start_access(const http::Request& req,
                                     const http::ConnectionInfo& connection);

// `respond`, which first writes the access line and records the metrics of `access` (filled by
// then with the status, bytes and key id).
http::Responder logged(std::shared_ptr<Access> access, http::Responder respond);

}  // namespace vidserve::api::ops
