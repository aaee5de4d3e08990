#pragma once
// Diagnostics of the HTTP layer: one line each through the "vidserve http" logger (common/log.hpp).
#include <string_view>

#include "common/log.hpp"

namespace vidserve::api::http {

inline void log_error(std::string_view what, std::string_view detail) {
  log::get(log::kHttp).error("{}: {}", what, detail);
}

}  // namespace vidserve::api::http
