#include "common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/error_codes.hpp"

namespace vidserve::log {

namespace {

struct Registry {
  std::mutex mutex;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
};

Registry& registry() {
  static Registry* r = [] {
    auto* made = new Registry();  // never destroyed: loggers may be used until the process exits
    made->sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v", spdlog::pattern_time_type::utc));
    return made;
  }();
  return *r;
}

}  // namespace

spdlog::logger& get(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.loggers.find(name);
  if (it == r.loggers.end()) {
    auto logger = std::make_shared<spdlog::logger>(std::string(name), r.sink);
    logger->set_level(r.level);
    logger->flush_on(spdlog::level::trace);  // stderr: each line is written out at once
    it = r.loggers.emplace(std::string(name), std::move(logger)).first;
  }
  return *it->second;
}

Status set_level(std::string_view name) {
  const std::string text(name);
  const auto level = spdlog::level::from_str(text);  // off for an unknown name
  if (level == spdlog::level::off && text != "off") {
    return Error{errc::kInvalidLogLevel,
                 "log level '" + text.substr(0, 20) +
                     "' is not one of trace, debug, info, warning, error, critical, off"};
  }
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.level = level;
  for (auto& [_, logger] : r.loggers) logger->set_level(level);
  return Ok{};
}

Status set_level_from_env() {
  const char* value = std::getenv("VIDSERVE_LOG_LEVEL");
  if (!value || !*value) return Ok{};
  return set_level(value);
}

}  // namespace vidserve::log
