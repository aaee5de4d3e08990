#include "media/image_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "media/pixel_convert.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

using testing::mean_abs_diff;
using testing::pattern_image;

TEST(ImageCodec, PngRoundTripIsLossless) {
  const RgbImage image = pattern_image(97, 61, 200, 120, 40);  // odd sizes on purpose
  auto bytes = encode_image(image, ImageFormat::Png, 90);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(bytes->substr(1, 3), "PNG");
  auto decoded = decode_image(*bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->width, 97);
  EXPECT_EQ(decoded->height, 61);
  EXPECT_EQ(decoded->rgb, image.rgb);
}

TEST(ImageCodec, JpegAndWebpRoundTripsAreClose) {
  const RgbImage image = pattern_image(160, 120, 40, 160, 220);
  for (ImageFormat format : {ImageFormat::Jpeg, ImageFormat::Webp}) {
    auto bytes = encode_image(image, format, 95);
    ASSERT_TRUE(bytes) << bytes.error().message;
    auto decoded = decode_image(*bytes);
    ASSERT_TRUE(decoded) << decoded.error().message;
    ASSERT_EQ(decoded->width, 160);
    ASSERT_EQ(decoded->height, 120);
    EXPECT_LT(mean_abs_diff(*decoded, image), 6.0) << static_cast<int>(format);
  }
}

TEST(ImageCodec, MagicBytesMatchTheFormat) {
  const RgbImage image = pattern_image(32, 32, 10, 200, 10);
  auto jpeg = encode_image(image, ImageFormat::Jpeg, 50);
  auto webp = encode_image(image, ImageFormat::Webp, 50);
  ASSERT_TRUE(jpeg && webp);
  EXPECT_EQ(jpeg->substr(0, 2), "\xFF\xD8");
  EXPECT_EQ(webp->substr(0, 4), "RIFF");
  EXPECT_EQ(webp->substr(8, 4), "WEBP");
}

TEST(ImageCodec, LowerQualityGivesSmallerJpeg) {
  const RgbImage image = pattern_image(256, 256, 180, 90, 30);
  auto high = encode_image(image, ImageFormat::Jpeg, 99);
  auto low = encode_image(image, ImageFormat::Jpeg, 20);
  ASSERT_TRUE(high && low);
  EXPECT_LT(low->size(), high->size());
}

TEST(ImageCodec, GarbageEmptyAndTruncatedInputAreErrors) {
  EXPECT_FALSE(decode_image(""));
  EXPECT_FALSE(decode_image("this is not an image at all"));
  auto png = encode_image(pattern_image(64, 64, 1, 2, 3), ImageFormat::Png, 90);
  ASSERT_TRUE(png);
  auto truncated = decode_image(png->substr(0, 40));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, "invalidImage");
}

TEST(ImageCodec, RandomBytesBehindImageHeadersNeverCrash) {
  uint64_t state = 12345;
  const std::string headers[] = {"\x89PNG\r\n\x1A\n", "\xFF\xD8\xFF\xE0",
                                 "RIFF\x10\x00\x00\x00WEBPVP8 ", "GIF89a", "BM"};
  for (int i = 0; i < 100; ++i) {
    std::string bytes = headers[i % 5];
    const int extra = 1 + i * 37 % 3000;
    for (int k = 0; k < extra; ++k) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      bytes += static_cast<char>(state >> 56);
    }
    auto result = decode_image(bytes);  // mostly errors; anything but a crash is fine
    if (result) {
      EXPECT_TRUE(is_valid(*result));
    }
  }
}

TEST(ImageCodec, DecodeImageFileReportsMissingFiles) {
  auto missing = decode_image_file("/nonexistent/vidserve/image.png");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "notFound");
}

TEST(ImageCodec, ScaleCoverKeepsAspectByCropping) {
  // Left half red, right half blue, 200x100 -> 100x100 keeps the middle: both colours.
  RgbImage wide = RgbImage::filled(200, 100, 255, 0, 0);
  for (int y = 0; y < 100; ++y) {
    for (int x = 100; x < 200; ++x)
      wide.rgb[(y * 200 + x) * 3] = 0, wide.rgb[(y * 200 + x) * 3 + 2] = 255;
  }
  auto square = scale_cover(wide, 100, 100);
  ASSERT_TRUE(square);
  EXPECT_EQ(square->width, 100);
  const auto left = testing::mean_color(*square, 0, 0, 40, 100);
  const auto right = testing::mean_color(*square, 60, 0, 40, 100);
  EXPECT_GT(left[0], 200);
  EXPECT_GT(right[2], 200);
  EXPECT_FALSE(scale_cover(RgbImage{10, 10, {}}, 5, 5));
}

}  // namespace
}  // namespace vidserve::media
