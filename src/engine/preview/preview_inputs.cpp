#include "engine/preview/preview_inputs.hpp"

#include <algorithm>
#include <cmath>

#include "common/io_error.hpp"
#include "fetch/error_codes.hpp"
#include "media/audio_source.hpp"
#include "media/image_codec.hpp"
#include "media/probe.hpp"

namespace vidserve::engine::preview {

namespace {

bool is_image_role(const std::string& role) {
  return role.rfind("frame:", 0) == 0 || role == "referenceImage" || role == "image";
}

bool is_video_role(const std::string& role) {
  return role == "video" || role == "referenceVideo";
}

// What the container holds, read from the spool file or from memory (never copied to disk).
Result<media::ProbeInfo> probe_input(const InputMedia& input) {
  if (input.blob.file) return media::probe(input.blob.file->path());
  auto opened = media::MediaInput::open_memory(
      input.blob.bytes, is_video_role(input.role) ? media::kVideoDemuxers : media::kAudioTrackDemuxers);
  if (!opened) return opened.error();
  return media::describe(*opened->format());
}

Result<TimedInput> timed_input(const InputMedia& input) {
  auto info = probe_input(input);
  if (!info && info.error().code == io_errc::kStorageFull) return info.error();  // not the input's fault
  if (!info) {
    return Error{fetch::errc::kInvalidInput,
                 "the input is not a readable media file: " + info.error().message, input.path};
  }
  TimedInput timed;
  timed.role = input.role;
  if (input.blob.file) {
    timed.ref.path = input.blob.file->path();
  } else {
    timed.ref.bytes = input.blob.bytes;
  }
  const bool sideways = info->rotation == 90 || info->rotation == 270;  // shown upright
  timed.size = sideways ? catalog::Size{info->height, info->width} : catalog::Size{info->width, info->height};
  // A container that declares no length (a streamed WebM): the length the worker measured.
  timed.duration_s = info->duration_s > 0 ? info->duration_s : input.duration_s;
  timed.fps = info->fps;
  timed.has_audio = info->has_audio;
  return timed;
}

Status take_image(const InputMedia& input, InputFacts& facts) {
  auto bytes = input.blob.load();  // images are in memory unless a server mislabelled one
  if (!bytes) return bytes.error();
  auto image = media::decode_image(*bytes);
  if (!image) {
    return Error{fetch::errc::kInvalidInput, "the input is not a decodable image: " + image.error().message,
                 input.path};
  }
  if (!facts.size) facts.size = catalog::Size{image->width, image->height};
  if (input.role == "frame:last") {
    facts.last_frame = std::move(image).value();
  } else if (!facts.first_frame || input.role == "frame:first") {
    facts.first_frame = std::move(image).value();
    facts.first_frame_role = input.role;
  }
  return Ok{};
}

}  // namespace

Result<InputFacts> inspect_inputs(const std::vector<InputMedia>& inputs) {
  InputFacts facts;
  for (const auto& input : inputs) {
    if (is_image_role(input.role)) {
      if (auto s = take_image(input, facts); !s) return s.error();
    } else if (is_video_role(input.role) || input.role == "audio") {
      auto timed = timed_input(input);
      if (!timed) return timed.error();
      if (input.role == "audio") {
        if (!facts.audio) facts.audio = std::move(*timed);
      } else if (!facts.video || input.role == "video") {
        facts.video = std::move(*timed);
      }
    }
  }
  if (facts.video && facts.video->size.width > 0) facts.size = facts.video->size;
  if (facts.video && facts.video->duration_s > 0) {
    facts.duration_s = facts.video->duration_s;
  } else if (facts.audio && facts.audio->duration_s > 0) {
    facts.duration_s = facts.audio->duration_s;
  }
  return facts;
}

std::string describe_role(const std::string& role) {
  if (role == "frame:first") return "the first frame";
  if (role == "frame:last") return "the last frame";
  if (role == "referenceImage") return "the reference image";
  if (role == "referenceVideo") return "the reference video";
  if (role == "video") return "the input video";
  return "the " + role;
}

catalog::Size fit_preview_size(catalog::Size size) {
  constexpr double kMaxSide = 1920;
  const double scale = std::min(1.0, kMaxSide / std::max(size.width, size.height));
  auto even = [](double v) { return std::max(2, static_cast<int>(std::lround(v / 2)) * 2); };
  return {even(size.width * scale), even(size.height * scale)};
}

catalog::Size closest_listed_size(const std::vector<catalog::Size>& sizes, catalog::Size reference,
                                  const std::string& tier) {
  auto tier_of = [](const catalog::Size& s) {
    const int side = std::max(s.width, s.height);
    return side <= 1600 ? std::string("1k") : side <= 3200 ? std::string("2k") : std::string("4k");
  };
  const double want = std::log(static_cast<double>(reference.width) / std::max(1, reference.height));
  const catalog::Size* best = nullptr;
  double best_diff = 0;
  for (const auto& s : sizes) {
    if (tier_of(s) != tier) continue;
    const double diff = std::abs(std::log(static_cast<double>(s.width) / s.height) - want);
    if (!best || diff < best_diff) {
      best = &s;
      best_diff = diff;
    }
  }
  return best ? *best : (sizes.empty() ? catalog::Size{1024, 1024} : sizes.front());
}

}  // namespace vidserve::engine::preview
