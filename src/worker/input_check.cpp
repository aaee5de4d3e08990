#include "worker/input_check.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/io_error.hpp"
#include "common/text.hpp"
#include "media/inspect.hpp"

namespace vidserve::worker {
namespace {

enum class Kind { Image, Video, Audio };

struct RoleNeeds {
  Kind kind;
  const char* limits;  // key in Model::input_limits
};

RoleNeeds needs_of(const std::string& role) {
  if (role == "video" || role == "referenceVideo") return {Kind::Video, "video"};
  if (role == "audio") return {Kind::Audio, "audio"};
  if (role == "referenceVoice") return {Kind::Audio, "voice"};
  return {Kind::Image, "image"};
}

const char* code_of(Kind kind) {
  switch (kind) {
    case Kind::Video:
      return media::errc::kInvalidVideo;
    case Kind::Audio:
      return media::errc::kInvalidAudio;
    default:
      return media::errc::kInvalidImage;
  }
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// mp4/mov/m4a are all read by the "mov,mp4,m4a,..." demuxer; the others are named as formats.
bool format_allowed(const std::string& demuxer, const std::vector<std::string>& formats) {
  if (formats.empty()) return true;
  for (const auto& f : formats) {
    if (demuxer.find(f == "mov" || f == "m4a" ? "mov" : f) != std::string::npos) return true;
  }
  return false;
}

Status check_limits(const media::MediaFacts& facts, std::size_t bytes,
                    const catalog::MediaLimits& l, const char* code) {
  auto refuse = [code](const std::string& message) { return Error{code, message}; };
  if (l.max_bytes && static_cast<std::int64_t>(bytes) > *l.max_bytes) {
    return refuse("the file has " + std::to_string(bytes) + " bytes; this model takes at most " +
                  std::to_string(*l.max_bytes) + ".");
  }
  if (facts.width > 0 && facts.height > 0) {
    const int shorter = std::min(facts.width, facts.height),
              longer = std::max(facts.width, facts.height);
    const auto size = std::to_string(facts.width) + "x" + std::to_string(facts.height);
    if (l.min_side && shorter < *l.min_side) {
      return refuse("it is " + size + "; this model needs at least " + std::to_string(*l.min_side) +
                    " pixels a side.");
    }
    if (l.max_side && longer > *l.max_side) {
      return refuse("it is " + size + "; this model takes at most " + std::to_string(*l.max_side) +
                    " pixels a side.");
    }
    const double aspect = static_cast<double>(facts.width) / facts.height;
    if ((l.min_aspect && aspect < *l.min_aspect) || (l.max_aspect && aspect > *l.max_aspect)) {
      return refuse("it is " + size + "; this model takes width/height from " +
                    number(l.min_aspect.value_or(0)) + " to " + number(l.max_aspect.value_or(0)) +
                    ".");
    }
  }
  if (facts.duration_s > 0) {
    if (l.min_seconds && facts.duration_s < *l.min_seconds) {
      return refuse("it lasts " + number(facts.duration_s) + " s; this model needs at least " +
                    number(*l.min_seconds) + " s.");
    }
    if (l.max_seconds && facts.duration_s > *l.max_seconds) {
      return refuse("it lasts " + number(facts.duration_s) + " s; this model takes at most " +
                    number(*l.max_seconds) + " s.");
    }
  }
  if (!format_allowed(facts.format, l.formats)) {
    return refuse("its format is not one this model takes (" + text::join_list(l.formats, " or ") +
                  ").");
  }
  return Ok{};
}

// Video and audio in a spool file are inspected there; an image is always read from memory.
Result<media::MediaFacts> inspect(Kind kind, const fetch::Blob& blob) {
  if (kind != Kind::Image && blob.file) {
    // A spool file that cannot be read is the server's trouble, not a bad input.
    if (::access(blob.file->path().c_str(), R_OK) != 0) return io_error(errno, "cannot read a spooled input");
    return kind == Kind::Video ? media::inspect_video_file(blob.file->path())
                               : media::inspect_audio_file(blob.file->path());
  }
  auto bytes = blob.load();
  if (!bytes) return bytes.error();
  return kind == Kind::Image   ? media::inspect_image(*bytes)
         : kind == Kind::Video ? media::inspect_video(*bytes)
                               : media::inspect_audio(*bytes);
}

}  // namespace

Status check_input(const std::string& role, const fetch::Blob& blob, const catalog::Model* model) {
  auto seconds = check_input_seconds(role, blob, model);
  if (!seconds) return seconds.error();
  return Ok{};
}

Result<double> check_input_seconds(const std::string& role, const fetch::Blob& blob, const catalog::Model* model) {
  const auto needs = needs_of(role);
  const auto facts = inspect(needs.kind, blob);
  if (!facts) return facts.error();
  if (needs.kind == Kind::Image &&
      static_cast<long long>(facts->width) * facts->height > kMaxInputPixels) {
    return Error{media::errc::kInvalidImage,
                 "it is " + std::to_string(facts->width) + "x" + std::to_string(facts->height) +
                     " pixels; at most " + std::to_string(kMaxInputPixels) + " pixels are taken."};
  }
  // A video or audio whose length is unknown (no duration in its header and no timestamps on its
  // packets) would pass every limit in seconds and be priced and rendered as 0 s long.
  if (needs.kind != Kind::Image && !(facts->duration_s > 0)) {
    return Error{code_of(needs.kind), "its length cannot be measured: neither its header nor its packets give a duration."};
  }
  if (!model) return facts->duration_s;
  const auto limits = model->input_limits.find(needs.limits);
  if (limits == model->input_limits.end()) return facts->duration_s;
  if (auto checked = check_limits(*facts, blob.size(), limits->second, code_of(needs.kind)); !checked) {
    return checked.error();
  }
  return facts->duration_s;
}

}  // namespace vidserve::worker
