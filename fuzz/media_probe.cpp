// Fuzz target: media bytes as an input or upload brings them, decoded from memory: the content
// sniffer, the image decoder (media::decode_image, the still-image demuxers and decoders with
// their pixel limit), and a video container opened like MediaInput does (the MP4/MOV and
// Matroska/WebM demuxers), described as media::probe describes a file, then its first frames
// decoded; and the checks every untrusted input passes before use (media::inspect_image,
// inspect_video, inspect_audio: header sizes, truncation, every packet read). The input's first
// byte picks the demuxer list (bit 0) and which inspect_* run (bits 1 and 2); the rest are the
// media bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fetch/content_sniff.hpp"
#include "media/decoder.hpp"
#include "media/image_codec.hpp"
#include "media/inspect.hpp"
#include "media/libav_log.hpp"
#include "media/probe.hpp"

namespace {

constexpr int kMaxFrames = 3;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vidserve;
  static const bool quiet = (av_log_set_level(AV_LOG_QUIET), true);  // libav's own complaints
  (void)quiet;
  if (size == 0) return 0;
  const char* demuxers = (data[0] & 1) ? media::kImageDemuxers : media::kVideoDemuxers;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  (void)fetch::sniff_content_type(bytes);
  if (auto image = media::decode_image(bytes); image) {
    if (!media::is_valid(*image) ||
        static_cast<std::int64_t>(image->width) * image->height > media::kMaxDecodedPixels) {
      __builtin_trap();
    }
  }
  if (auto facts = media::inspect_image(bytes); facts && (facts->width <= 0 || facts->height <= 0)) {
    __builtin_trap();  // an accepted image always has a size
  }
  if (data[0] & 2) (void)media::inspect_video(bytes);
  if (data[0] & 4) (void)media::inspect_audio(bytes);
  auto input = media::MediaInput::open_memory(bytes, demuxers);
  if (!input) return 0;
  (void)media::describe(*input->format());
  int frames = 0;
  (void)media::decode_video(*input, [&](const AVFrame&) { return ++frames < kMaxFrames; });
  return 0;
}
