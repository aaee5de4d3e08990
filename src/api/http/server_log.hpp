#pragma once
// Diagnostics of the HTTP layer go to stderr, one line each.
#include <cstdio>
#include <string_view>

namespace vidserve::api::http {

inline void log_error(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "vidserve http: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
}

}  // namespace vidserve::api::http
