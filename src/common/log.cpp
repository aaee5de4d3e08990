#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/error_codes.hpp"
#include "common/log_event.hpp"

namespace vidserve::log {

namespace {

// The fields of the event being logged on this thread (log::event); spdlog formats a line on
// the thread that logs it (synchronous sink), while event() waits.
thread_local const std::initializer_list<Field>* t_fields = nullptr;

void append(spdlog::memory_buf_t& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

void append_json_string(spdlog::memory_buf_t& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      append(out, "\\n");
    } else if (c == '\r') {
      append(out, "\\r");
    } else if (c == '\t') {
      append(out, "\\t");
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      append(out, escaped);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// A text value goes in double quotes when it is empty or has a blank, '"', '=' or a control
// character; '"' and '\' are escaped inside them.
void append_text_value(spdlog::memory_buf_t& out, std::string_view value) {
  bool plain = !value.empty();
  for (const char c : value) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '=') plain = false;
  }
  if (plain) return append(out, value);
  append_json_string(out, value);
}

// "2026-05-01T12:00:00.123Z"
void append_time(spdlog::memory_buf_t& out, spdlog::log_clock::time_point when) {
  const auto since = when.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - seconds).count();
  const std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[96];  // wide enough for any int in each field (-Wformat-truncation)
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  append(out, text);
}

std::string_view level_name(spdlog::level::level_enum level) {
  const auto name = spdlog::level::to_string_view(level);
  return {name.data(), name.size()};
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(Format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (format_ == Format::Json) return json(msg, logger, text, dest);
    append_time(dest, msg.time);
    dest.push_back(' ');
    append(dest, level_name(msg.level));
    dest.push_back(' ');
    append(dest, logger);
    append(dest, ": ");
    append(dest, text);
    if (t_fields) {
      for (const auto& field : *t_fields) {
        dest.push_back(' ');
        append(dest, field.name());
        dest.push_back('=');
        append_text_value(dest, field.value());
      }
    }
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  static void json(const spdlog::details::log_msg& msg, std::string_view logger,
                   std::string_view text, spdlog::memory_buf_t& dest) {
    append(dest, R"({"ts":")");
    append_time(dest, msg.time);
    append(dest, R"(","level":)");
    append_json_string(dest, level_name(msg.level));
    append(dest, R"(,"logger":)");
    append_json_string(dest, logger);
    append(dest, R"(,"msg":)");
    append_json_string(dest, text);
    if (t_fields) {
      for (const auto& field : *t_fields) {
        dest.push_back(',');
        append_json_string(dest, field.name());
        dest.push_back(':');
        if (field.is_text()) {
          append_json_string(dest, field.value());
        } else {
          append(dest, field.value());
        }
      }
    }
    append(dest, "}\n");
  }

  Format format_;
};

struct Registry {
  std::mutex mutex;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
  std::atomic<Format> format{Format::Text};
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
};

Registry& registry() {
  static Registry* r = [] {
    auto* made = new Registry();  // never destroyed: loggers may be used until the process exits
    made->sink->set_formatter(std::make_unique<LineFormatter>(Format::Text));
    return made;
  }();
  return *r;
}

}  // namespace

Field::Field(std::string_view name, double value) : name_(name), quoted_(false) {
  if (!std::isfinite(value)) value = 0;
  char text[48];
  std::snprintf(text, sizeof text, "%.3f", value);
  number_ = text;
  while (number_.back() == '0') number_.pop_back();
  if (number_.back() == '.') number_.pop_back();
}

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

Status set_format(std::string_view name) {
  Format chosen;
  if (name == "text") {
    chosen = Format::Text;
  } else if (name == "json") {
    chosen = Format::Json;
  } else {
    return Error{errc::kInvalidLogFormat,
                 "log format '" + std::string(name.substr(0, 20)) + "' is not one of text, json"};
  }
  auto& r = registry();
  r.format = chosen;
  r.sink->set_formatter(std::make_unique<LineFormatter>(chosen));  // under the sink's lock
  return Ok{};
}

Format format() {
  return registry().format.load();
}

void event(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
           std::initializer_list<Field> fields) {
  if (!logger.should_log(level)) return;
  const auto* outer = t_fields;
  t_fields = &fields;
  logger.log(level, spdlog::string_view_t(msg.data(), msg.size()));
  t_fields = outer;
}

}  // namespace vidserve::log
