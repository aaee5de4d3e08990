#pragma once
// The server's diagnostics: one spdlog sink on stderr, one line per event,
//   2026-05-01T12:00:00.123Z warning vidserve http: accept: Too many open files
// (UTC time, level, the component's logger name, the message). Every component logs through
// log::get(name); the level applies to all of them. CLI output of the commands is not logging and
// goes to stdout/stderr directly.
#include <spdlog/spdlog.h>

#include <string_view>

#include "common/result.hpp"

namespace vidserve::log {

// Logger names, printed before each message.
inline constexpr std::string_view kServer = "vidserve";             // lifecycle, workers, storage
inline constexpr std::string_view kHttp = "vidserve http";          // the HTTP/WebSocket server
inline constexpr std::string_view kWebhooks = "vidserve webhooks";  // webhook deliveries
inline constexpr std::string_view kMedia = "vidserve media";        // media store writes

// The logger of one component, created on first use with the shared sink and the current level.
// Thread-safe; the reference stays valid for the life of the process.
spdlog::logger& get(std::string_view name = kServer);

// Sets the level of every logger, present and future: trace, debug, info (the default), warning
// (or warn), error, critical, off. Error "invalidLogLevel" for any other name.
Status set_level(std::string_view name);

// The level named by the environment variable VIDSERVE_LOG_LEVEL when it is set and not empty;
// Ok and unchanged otherwise.
Status set_level_from_env();

}  // namespace vidserve::log
