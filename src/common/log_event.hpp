#pragma once
// Events with fields, and the line format, for the loggers of common/log.hpp. Two formats:
//   text (the default): the UTC time, the level, the logger, the message, then the event's fields
//     as name=value (a value that is empty or has a blank, '"' or '=' in double quotes):
//     2026-05-01T12:00:00.123Z info vidserve access: access method=POST route=runware status=200
//   json: one object per line, the fields ts, level, logger, msg first, then the event's fields
//     (numbers as JSON numbers):
//     {"ts":"2026-05-01T12:00:00.123Z","level":"info","logger":"vidserve access","msg":"access",...}
// Lines logged without fields (log::get(name).warn(...)) have the same format without fields.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/log.hpp"

namespace vidserve {
namespace errc {
// --log-format names no format.
inline constexpr const char* kInvalidLogFormat = "invalidLogFormat";
}  // namespace errc

namespace log {

inline constexpr std::string_view kAccess = "vidserve access";  // one line per HTTP request
inline constexpr std::string_view kTasks = "vidserve tasks";    // task lifecycle

enum class Format { Text, Json };
// "text" or "json"; error "invalidLogFormat" for any other name. Applies to every logger.
Status set_format(std::string_view name);
Format format();

// One field of an event: a name (a fixed identifier chosen by the caller) and a value, a string
// or a number. A string value is referred to, not copied: it must outlive the event() call.
class Field {
 public:
  Field(std::string_view name, std::string_view value) : name_(name), text_(value) {}
  Field(std::string_view name, const std::string& value) : name_(name), text_(value) {}
  Field(std::string_view name, const char* value) : name_(name), text_(value) {}
  Field(std::string_view name, std::int64_t value) : name_(name), number_(std::to_string(value)), quoted_(false) {}
  Field(std::string_view name, int value) : Field(name, static_cast<std::int64_t>(value)) {}
  Field(std::string_view name, std::uint64_t value) : name_(name), number_(std::to_string(value)), quoted_(false) {}
  // A number with up to 3 decimals (milliseconds, seconds).
  Field(std::string_view name, double value);

  std::string_view name() const { return name_; }
  std::string_view value() const { return quoted_ ? text_ : std::string_view(number_); }
  bool is_text() const { return quoted_; }

 private:
  std::string_view name_;
  std::string_view text_;
  std::string number_;
  bool quoted_ = true;
};

// Logs `msg` with the fields on `logger` at `level` (one line, in the current format). Nothing
// is formatted when the level is off for this logger.
void event(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
           std::initializer_list<Field> fields);

}  // namespace log
}  // namespace vidserve
