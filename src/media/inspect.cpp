#include "media/inspect.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "media/decoder.hpp"
#include "media/image_header.hpp"
#include "media/probe.hpp"

namespace vidserve::media {
namespace {

// How far the last packet may end before the declared duration (rounding, audio priming, edit
// lists): 0.1 s and 2 % of the duration.
double end_tolerance_s(double declared_s) {
  return 0.1 + 0.02 * declared_s;
}

std::string two_decimals(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// Reads (does not decode) every packet. A file cut short shows in one of three ways: the demuxer
// fails (MP4: a sample beyond the end), flags a packet corrupt, or simply stops early (Matroska
// and WebM: the last cluster is missing), which the packets' end time, short of the duration the
// header declares, gives away.
// Reads every packet; answers where the last one ends (seconds from the stream's start).
Result<double> read_all_packets(AVFormatContext* format, double declared_s) {
  PacketPtr packet(av_packet_alloc());
  if (!packet) return media_error("out of memory allocating a packet");
  double end_s = 0;
  while (true) {
    const int err = av_read_frame(format, packet.get());
    if (err == AVERROR_EOF) break;
    if (err < 0) return av_error(err, "the file ends early or is damaged");
    const bool corrupt = (packet->flags & AV_PKT_FLAG_CORRUPT) != 0;
    if (packet->pts != AV_NOPTS_VALUE) {
      const AVStream& st = *format->streams[packet->stream_index];
      const int64_t start = st.start_time == AV_NOPTS_VALUE ? 0 : st.start_time;
      end_s = std::max(end_s, seconds(packet->pts - start + std::max<int64_t>(packet->duration, 0),
                                      st.time_base));
    }
    av_packet_unref(packet.get());
    if (corrupt) return media_error("the file ends early or is damaged");
  }
  if (declared_s > 0 && end_s + end_tolerance_s(declared_s) < declared_s) {
    return media_error("its packets end at " + two_decimals(end_s) + " s of the " +
                       two_decimals(declared_s) + " s it declares");
  }
  return end_s;
}

// `input`: the container opened from memory or from a file, with the kind's demuxers.
Result<MediaFacts> inspect_container(Result<MediaInput> input, const char* code, const char* kind) {
  if (!input)
    return Error{code, std::string("not a ") + kind + " file this server reads (" +
                           input.error().message + ")"};
  AVFormatContext* format = input->format();
  const ProbeInfo info = describe(*format);
  MediaFacts facts;
  facts.format = info.format_name;
  facts.has_video = !info.video_codec.empty();
  facts.width = info.width;
  facts.height = info.height;
  facts.duration_s = info.duration_s;
  facts.has_audio = info.has_audio;
  auto end_s = read_all_packets(format, facts.duration_s);
  if (!end_s) {
    return Error{code, std::string("the ") + kind + " is truncated or damaged: " + end_s.error().message};
  }
  // A streamed file (e.g. WebM written live) declares no duration: its packets tell the length.
  if (facts.duration_s <= 0) facts.duration_s = *end_s;
  return facts;
}

}  // namespace

Result<MediaFacts> inspect_image(std::string_view bytes) {
  const auto header = read_image_header(bytes);
  if (!header) return Error{errc::kInvalidImage, "not a PNG, JPEG or WebP image"};
  if (!header->complete)
    return Error{errc::kInvalidImage, "the " + header->format + " image is truncated"};
  MediaFacts facts;
  facts.format = header->format;
  facts.width = header->width;
  facts.height = header->height;
  return facts;
}

namespace {

Result<MediaFacts> video_facts(Result<MediaFacts> facts) {
  if (facts && (!facts->has_video || facts->width <= 0 || facts->height <= 0)) {
    return Error{errc::kInvalidVideo, "the file has no video stream"};
  }
  return facts;
}

Result<MediaFacts> audio_facts(Result<MediaFacts> facts) {
  if (facts && !facts->has_audio) return Error{errc::kInvalidAudio, "the file has no audio stream"};
  return facts;
}

}  // namespace

Result<MediaFacts> inspect_video(std::string_view bytes) {
  return video_facts(inspect_container(MediaInput::open_memory(bytes, kInputVideoDemuxers), errc::kInvalidVideo, "video"));
}

Result<MediaFacts> inspect_audio(std::string_view bytes) {
  return audio_facts(inspect_container(MediaInput::open_memory(bytes, kInputAudioDemuxers), errc::kInvalidAudio, "audio"));
}

Result<MediaFacts> inspect_video_file(const std::string& path) {
  return video_facts(inspect_container(MediaInput::open_file(path, kInputVideoDemuxers), errc::kInvalidVideo, "video"));
}

Result<MediaFacts> inspect_audio_file(const std::string& path) {
  return audio_facts(inspect_container(MediaInput::open_file(path, kInputAudioDemuxers), errc::kInvalidAudio, "audio"));
}

}  // namespace vidserve::media
