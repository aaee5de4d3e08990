// probe(): the container header answers for MP4, MOV and WebM (no packet read, no frame decoded),
// the full stream analysis for everything else; either way the same facts as ffprobe.
#include "media/probe.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/libav_log.hpp"
#include "media/preview_renderer.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

using testing::ScratchDir;

// Every libav log line (all levels) while it lives; libav's default logging afterwards.
class LibavMessages {
 public:
  LibavMessages() {
    std::lock_guard lock(mutex());
    lines().clear();
    av_log_set_callback(&LibavMessages::record);
  }
  ~LibavMessages() {
    av_log_set_callback(av_log_default_callback);
    quiet_libav_logs();
  }
  LibavMessages(const LibavMessages&) = delete;
  LibavMessages& operator=(const LibavMessages&) = delete;

  bool contains(const std::string& text) const {
    std::lock_guard lock(mutex());
    for (const auto& line : lines())
      if (line.find(text) != std::string::npos) return true;
    return false;
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::string>& lines() {
    static std::vector<std::string> l;
    return l;
  }
  static void record(void*, int, const char* fmt, va_list args) {
    char line[1024];
    std::vsnprintf(line, sizeof line, fmt, args);
    std::lock_guard lock(mutex());
    lines().emplace_back(line);
  }
};

// libavformat logs this (at debug level) whenever it analyses the packets of a file.
constexpr const char* kFullAnalysis = "avformat_find_stream_info";

PreviewVideoSpec spec(Container container, bool sound) {
  return testing::small_video_spec(container, sound, 1.5, 3);
}

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return {};
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe.get())) out += buf;
  return out;
}

bool have_tool(const std::string& name) {
  return run("command -v " + name + " 2>/dev/null").find(name) != std::string::npos;
}

// ffprobe's key=value lines of the first video stream, the first audio stream and the format,
// keys prefixed "video.", "audio.", "format.".
std::map<std::string, std::string> ffprobe(const std::string& path) {
  std::map<std::string, std::string> facts;
  for (const char* kind : {"video", "audio"}) {
    const std::string out =
        run(std::string("ffprobe -v error -select_streams ") + kind[0] +
            ":0 -show_entries stream=codec_name,width,height,avg_frame_rate,nb_frames,duration,"
            "sample_rate,channels -of default=nw=1 " +
            path);
    std::size_t at = 0;
    while (at < out.size()) {
      const auto end = out.find('\n', at);
      const std::string line = out.substr(at, end - at);
      at = end == std::string::npos ? out.size() : end + 1;
      const auto eq = line.find('=');
      if (eq != std::string::npos)
        facts[std::string(kind) + "." + line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  const std::string duration =
      run("ffprobe -v error -show_entries format=duration -of csv=p=0 " + path);
  facts["format.duration"] = duration.substr(0, duration.find('\n'));
  return facts;
}

double rate_of(const std::string& fraction) {
  const auto slash = fraction.find('/');
  if (slash == std::string::npos) return std::stod(fraction);
  const double den = std::stod(fraction.substr(slash + 1));
  return den > 0 ? std::stod(fraction.substr(0, slash)) / den : 0;
}

void expect_same_as_ffprobe(const ProbeInfo& info, const std::string& path) {
  auto facts = ffprobe(path);
  ASSERT_TRUE(facts.count("video.codec_name")) << path;
  EXPECT_EQ(info.video_codec, facts["video.codec_name"]) << path;
  EXPECT_EQ(std::to_string(info.width), facts["video.width"]) << path;
  EXPECT_EQ(std::to_string(info.height), facts["video.height"]) << path;
  EXPECT_NEAR(info.fps, rate_of(facts["video.avg_frame_rate"]), 1e-9) << path;
  if (facts["video.nb_frames"] != "N/A") {
    EXPECT_EQ(std::to_string(info.frame_count), facts["video.nb_frames"]) << path;
  }
  // ffprobe prints seconds with 6 decimals; Matroska streams have no duration of their own.
  const std::string video_duration =
      facts["video.duration"] != "N/A" ? facts["video.duration"] : facts["format.duration"];
  EXPECT_NEAR(info.duration_s, std::stod(video_duration), 1e-6) << path;
  EXPECT_NEAR(info.container_duration_s, std::stod(facts["format.duration"]), 1e-6) << path;
  EXPECT_EQ(info.has_audio, facts.count("audio.codec_name") > 0) << path;
  if (info.has_audio) {
    EXPECT_EQ(info.audio_codec, facts["audio.codec_name"]) << path;
    EXPECT_EQ(std::to_string(info.audio_sample_rate), facts["audio.sample_rate"]) << path;
    EXPECT_EQ(std::to_string(info.audio_channels), facts["audio.channels"]) << path;
  }
}

struct Rendered {
  const char* name;
  Container container;
  bool sound;
  const char* codec;
};
constexpr Rendered kRendered[] = {{"plain.mp4", Container::Mp4, false, "h264"},
                                  {"sound.mp4", Container::Mp4, true, "h264"},
                                  {"sound.mov", Container::Mov, true, "h264"},
                                  {"sound.webm", Container::Webm, true, "vp9"}};

// What the kling engine does after every download: a result's size and duration come from the
// container header, without decoding frames (which cost 7-15 ms per 720p H.264 result).
TEST(Probe, Mp4MovAndWebmAreReadFromTheHeaderWithoutDecoding) {
  ScratchDir dir;
  for (const auto& r : kRendered) {
    const PreviewVideoSpec s = spec(r.container, r.sound);
    ASSERT_TRUE(render_preview_video(s, dir.file(r.name))) << r.name;
    LibavMessages messages;
    auto info = probe(dir.file(r.name));
    ASSERT_TRUE(info) << r.name << ": " << info.error().message;
    EXPECT_FALSE(messages.contains(kFullAnalysis)) << r.name << " was analysed packet by packet";
    EXPECT_EQ(info->video_codec, r.codec) << r.name;
    EXPECT_EQ(info->width, 320) << r.name;
    EXPECT_EQ(info->height, 240) << r.name;
    EXPECT_DOUBLE_EQ(info->fps, 24) << r.name;
    EXPECT_NEAR(info->duration_s, 1.5, 1.0 / 24) << r.name;
    EXPECT_EQ(info->has_audio, r.sound) << r.name;
    EXPECT_EQ(info->tags.at("encoder_engine"), kEngineTagValue) << r.name;
  }
}

TEST(Probe, AgreesWithFfprobe) {
  if (!have_tool("ffprobe")) GTEST_SKIP() << "no ffprobe";
  ScratchDir dir;
  for (const auto& r : kRendered) {
    ASSERT_TRUE(render_preview_video(spec(r.container, r.sound), dir.file(r.name))) << r.name;
    auto info = probe(dir.file(r.name));
    ASSERT_TRUE(info) << r.name << ": " << info.error().message;
    expect_same_as_ffprobe(*info, dir.file(r.name));
  }
}

// Formats whose header does not list every stream (MPEG-TS) or gives no duration (raw H.264)
// still get the packet analysis, and with it their size, rate and duration.
TEST(Probe, HeaderlessFormatsGetTheFullAnalysis) {
  if (!have_tool("ffmpeg") || !have_tool("ffprobe")) GTEST_SKIP() << "no ffmpeg/ffprobe";
  ScratchDir dir;
  ASSERT_TRUE(render_preview_video(spec(Container::Mp4, true), dir.file("source.mp4")));
  run("ffmpeg -v error -y -i " + dir.file("source.mp4") + " -c copy " + dir.file("remux.ts"));
  LibavMessages messages;
  auto info = probe(dir.file("remux.ts"));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(messages.contains(kFullAnalysis));
  EXPECT_EQ(info->format_name, "mpegts");
  expect_same_as_ffprobe(*info, dir.file("remux.ts"));
}

}  // namespace
}  // namespace vidserve::media
