#include "media/probe.hpp"

#include <algorithm>
#include <cctype>

#include "media/av_handles.hpp"
#include "media/fit.hpp"

namespace vidserve::media {
namespace {

void read_video(const AVStream& st, ProbeInfo& info) {
  const AVCodecParameters& par = *st.codecpar;
  info.video_codec = avcodec_get_name(par.codec_id);
  info.width = par.width;
  info.height = par.height;
  info.rotation = display_rotation(st);
  const AVRational rate = st.avg_frame_rate.num > 0 ? st.avg_frame_rate : st.r_frame_rate;
  info.fps = rate.den > 0 ? av_q2d(rate) : 0.0;
  info.frame_count = st.nb_frames;
  const double duration = seconds(st.duration, st.time_base);
  if (duration > 0) info.duration_s = duration;
}

void read_audio(const AVStream& st, ProbeInfo& info) {
  info.has_audio = true;
  info.audio_codec = avcodec_get_name(st.codecpar->codec_id);
  info.audio_sample_rate = st.codecpar->sample_rate;
  info.audio_channels = st.codecpar->ch_layout.nb_channels;
}

bool known(AVRational rate) {
  return rate.num > 0 && rate.den > 0;
}

// Whether the demuxer's header already holds everything probe() reports, so that no packet has
// to be read. avformat_find_stream_info reads packets and decodes frames to fill gaps (for H.264
// at least 7 frames, to guess the reordering delay: 7-15 ms for a 720p clip) and estimates
// durations from timestamps or the bit rate; MP4/MOV and Matroska/WebM headers give codec, size,
// frame rate, sample format and duration directly. Anything missing: the full analysis.
bool header_is_enough(const AVFormatContext& format) {
  // Streams may still appear in the packets (MPEG-TS, raw elementary streams, ...).
  if (format.ctx_flags & AVFMTCTX_NOHEADER) return false;
  if (format.nb_streams == 0 || format.duration == AV_NOPTS_VALUE || format.duration <= 0)
    return false;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVStream& st = *format.streams[i];
    const AVCodecParameters& par = *st.codecpar;
    if (par.codec_type == AVMEDIA_TYPE_VIDEO) {
      if (par.codec_id == AV_CODEC_ID_NONE || par.width <= 0 || par.height <= 0) return false;
      if (!known(st.avg_frame_rate) && !known(st.r_frame_rate)) return false;
    } else if (par.codec_type == AVMEDIA_TYPE_AUDIO) {
      if (par.codec_id == AV_CODEC_ID_NONE || par.sample_rate <= 0 ||
          par.ch_layout.nb_channels <= 0)
        return false;
    }
  }
  return true;
}

}  // namespace

Result<ProbeInfo> probe(const std::string& path) {
  AVFormatContext* raw = nullptr;
  Dictionary options;
  options.set("protocol_whitelist", "file");  // a local file, never a URL or playlist of URLs
  if (int err = avformat_open_input(&raw, path.c_str(), nullptr, options.address()); err < 0) {
    return av_error(err, "cannot open the media file");
  }
  InputFormatPtr format(raw);
  if (!header_is_enough(*format)) {
    if (int err = avformat_find_stream_info(format.get(), nullptr); err < 0) {
      return av_error(err, "cannot read the stream information");
    }
  }
  return describe(*format);
}

ProbeInfo describe(const AVFormatContext& format) {
  ProbeInfo info;
  info.format_name = format.iformat->name;
  info.container_duration_s = seconds(format.duration, AVRational{1, AV_TIME_BASE});
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVStream& st = *format.streams[i];
    // A cover image (an attached picture, e.g. in an MP3 or M4A) is not a video stream.
    const bool picture = (st.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
    if (st.codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !picture && info.video_codec.empty())
      read_video(st, info);
    if (st.codecpar->codec_type == AVMEDIA_TYPE_AUDIO && !info.has_audio) read_audio(st, info);
  }
  if (info.duration_s == 0) info.duration_s = info.container_duration_s;
  const AVDictionaryEntry* tag = nullptr;
  while ((tag = av_dict_get(format.metadata, "", tag, AV_DICT_IGNORE_SUFFIX))) {
    std::string key = tag->key;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    info.tags[key] = tag->value;
  }
  return info;
}

}  // namespace vidserve::media
