#include "engine/preview/preview_inputs.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/io_error.hpp"
#include "common/uuid.hpp"
#include "fetch/error_codes.hpp"
#include "media/image_codec.hpp"
#include "media/probe.hpp"

namespace vidserve::engine::preview {

namespace {

bool is_image_role(const std::string& role) {
  return role.rfind("frame:", 0) == 0 || role == "referenceImage" || role == "image";
}

bool is_timed_role(const std::string& role) {
  return role == "video" || role == "referenceVideo" || role == "audio";
}

Result<media::ProbeInfo> probe_bytes(const std::string& bytes, const std::string& scratch_dir) {
  const auto path = std::filesystem::path(scratch_dir) / (".probe-" + uuid::generate_v4());
  std::error_code ec;
  {
    errno = 0;
    std::ofstream out(path, std::ios::binary);
    if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush()) {
      const int errnum = errno;  // of the failed write(2)
      out.close();
      std::filesystem::remove(path, ec);
      return io_error(errnum, "cannot write a scratch copy of the input");  // no path: clients see it
    }
  }
  auto info = media::probe(path.string());
  std::filesystem::remove(path, ec);
  return info;
}

}  // namespace

Result<InputFacts> inspect_inputs(const std::vector<InputMedia>& inputs, const std::string& scratch_dir) {
  InputFacts facts;
  for (const auto& input : inputs) {
    if (is_image_role(input.role)) {
      auto bytes = input.blob.load();  // images are in memory unless a server mislabelled one
      if (!bytes) return bytes.error();
      auto image = media::decode_image(*bytes);
      if (!image) {
        return Error{fetch::errc::kInvalidInput,
                     "the input is not a decodable image: " + image.error().message, input.path};
      }
      if (!facts.size) facts.size = catalog::Size{image->width, image->height};
      if (input.role == "frame:last") {
        facts.last_frame = std::move(image).value();
      } else if (!facts.first_frame || input.role == "frame:first") {
        facts.first_frame = std::move(image).value();
      }
    } else if (is_timed_role(input.role)) {
      // A large input is already in a spool file: probed there, not copied.
      auto info = input.blob.file ? media::probe(input.blob.file->path()) : probe_bytes(input.blob.bytes, scratch_dir);
      if (!info && info.error().code == io_errc::kStorageFull) return info.error();  // not the input's fault
      if (!info) {
        return Error{fetch::errc::kInvalidInput,
                     "the input is not a readable media file: " + info.error().message, input.path};
      }
      if (!facts.duration_s && info->duration_s > 0) facts.duration_s = info->duration_s;
      if (!facts.size && info->width > 0) facts.size = catalog::Size{info->width, info->height};
    }
  }
  return facts;
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
