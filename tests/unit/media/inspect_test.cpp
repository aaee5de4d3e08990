// inspect_image / inspect_video / inspect_audio: what an untrusted input is, before any use.
#include "media/inspect.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <string>

#include "media/image_codec.hpp"
#include "media/image_header.hpp"
#include "media/preview_renderer.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

using testing::read_bytes;
using testing::ScratchDir;

std::string encoded(ImageFormat format, int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < image.rgb.size(); ++i)
    image.rgb[i] = static_cast<unsigned char>((i * 7919) % 251);
  auto bytes = encode_image(image, format, 90);
  EXPECT_TRUE(bytes) << (bytes ? "" : bytes.error().message);
  return bytes ? *bytes : std::string();
}

std::string rendered_video(const ScratchDir& dir, Container container, bool sound) {
  const auto s = testing::small_video_spec(container, sound, 1.0, 5);
  const auto path = dir.file(container == Container::Webm ? "v.webm" : "v.mp4");
  EXPECT_TRUE(render_preview_video(s, path));
  return read_bytes(path);
}

TEST(ImageHeader, ReadsTheSizeOfEachFormatFromItsHeader) {
  for (const auto format : {ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp}) {
    const auto bytes = encoded(format, 333, 217);
    const auto header = read_image_header(bytes);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->width, 333);
    EXPECT_EQ(header->height, 217);
    EXPECT_TRUE(header->complete) << header->format;
    auto facts = inspect_image(bytes);
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(facts->width, 333);
  }
}

// A decompression bomb: a valid PNG header declaring 50000 x 50000 pixels, a few bytes long. Its
// size is known without decoding anything, so a caller can refuse it by its pixel count.
TEST(ImageHeader, ABombIsMeasuredWithoutDecoding) {
  auto png = encoded(ImageFormat::Png, 10, 10);
  const char big[4] = {0, 0, static_cast<char>(0xC3), 0x50};  // 50000, big-endian
  png.replace(16, 4, big, 4);
  png.replace(20, 4, big, 4);
  const auto facts = inspect_image(png);
  ASSERT_TRUE(facts);
  EXPECT_EQ(static_cast<long long>(facts->width) * facts->height, 2'500'000'000LL);
}

TEST(ImageHeader, OtherFilesAndCutImagesAreRefused) {
  const std::string svg =
      R"(<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>)";
  for (const auto& bytes :
       {svg, std::string("GIF89a\x01\x00\x01\x00", 10), std::string(300, '\x7f'), std::string()}) {
    const auto facts = inspect_image(bytes);
    ASSERT_FALSE(facts);
    EXPECT_EQ(facts.error().code, errc::kInvalidImage);
  }
  for (const auto format : {ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp}) {
    const auto bytes = encoded(format, 256, 256);
    const auto facts = inspect_image(bytes.substr(0, bytes.size() / 2));
    ASSERT_FALSE(facts);
    EXPECT_NE(facts.error().message.find("truncated"), std::string::npos) << facts.error().message;
  }
}

TEST(Inspect, VideoAndAudioAreRecognised) {
  ScratchDir dir;
  const auto mp4 = rendered_video(dir, Container::Mp4, true);
  auto video = inspect_video(mp4);
  ASSERT_TRUE(video) << video.error().message;
  EXPECT_EQ(video->width, 320);
  EXPECT_EQ(video->height, 240);
  EXPECT_NEAR(video->duration_s, 1.0, 0.1);
  EXPECT_TRUE(video->has_audio);
  EXPECT_TRUE(inspect_audio(mp4));  // a video file with sound serves as a voice or audio input
  auto webm = inspect_video(rendered_video(dir, Container::Webm, false));
  ASSERT_TRUE(webm) << webm.error().message;
  const auto silent = inspect_audio(rendered_video(dir, Container::Mp4, false));
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code, errc::kInvalidAudio);
}

TEST(Inspect, AnImageOrGarbageIsNotAVideo) {
  for (const auto& bytes : {encoded(ImageFormat::Png, 64, 64), std::string(4096, 'x'),
                            std::string("\x00\x00\x00\x18"
                                        "ftypmp42",
                                        12) +
                                std::string(64, '\0')}) {
    const auto facts = inspect_video(bytes);
    ASSERT_FALSE(facts);
    EXPECT_EQ(facts.error().code, errc::kInvalidVideo);
  }
}

TEST(Inspect, ATruncatedVideoIsRefused) {
  ScratchDir dir;
  for (const auto container : {Container::Mp4, Container::Webm}) {
    const auto bytes = rendered_video(dir, container, true);
    for (const double share : {0.3, 0.6, 0.9}) {
      const auto cut =
          bytes.substr(0, static_cast<size_t>(static_cast<double>(bytes.size()) * share));
      const auto facts = inspect_video(cut);
      ASSERT_FALSE(facts) << "cut at " << share << " of " << bytes.size();
      EXPECT_EQ(facts.error().code, errc::kInvalidVideo);
    }
  }
}

// A file on disk (a spooled input) gives the same facts and refusals as its bytes in memory, and
// no error names the file's path.
TEST(Inspect, FilesAreInspectedLikeTheirBytes) {
  ScratchDir dir;
  const auto mp4 = rendered_video(dir, Container::Mp4, true);
  const auto whole = dir.file("whole.mp4"), cut = dir.file("cut.mp4"), png = dir.file("image.mp4");
  std::ofstream(whole, std::ios::binary) << mp4;
  std::ofstream(cut, std::ios::binary) << mp4.substr(0, mp4.size() * 6 / 10);
  std::ofstream(png, std::ios::binary) << encoded(ImageFormat::Png, 64, 64);
  auto video = inspect_video_file(whole);
  ASSERT_TRUE(video) << video.error().message;
  EXPECT_EQ(video->width, inspect_video(mp4)->width);
  EXPECT_NEAR(video->duration_s, 1.0, 0.1);
  EXPECT_TRUE(inspect_audio_file(whole));
  for (const auto& bad : {cut, png, dir.file("missing.mp4")}) {
    const auto facts = inspect_video_file(bad);
    ASSERT_FALSE(facts) << bad;
    EXPECT_EQ(facts.error().code, errc::kInvalidVideo);
    EXPECT_EQ(facts.error().message.find(std::filesystem::path(whole).parent_path().string()), std::string::npos) << facts.error().message;
  }
  EXPECT_EQ(inspect_audio_file(png).error().code, errc::kInvalidAudio);
}

}  // namespace
}  // namespace vidserve::media
