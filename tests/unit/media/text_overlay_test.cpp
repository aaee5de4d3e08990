#include "media/text_overlay.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "media/pixel_convert.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

Result<RgbImage> caption_grey_frame(const Caption& caption) {
  auto overlay = TextOverlay::create(320, 240, AVRational{1, 25}, AV_PIX_FMT_RGB24, caption);
  if (!overlay) return overlay.error();
  auto frame = alloc_frame(AV_PIX_FMT_RGB24, 320, 240);
  if (!frame) return frame.error();
  for (int y = 0; y < 240; ++y)
    std::fill_n((*frame)->data[0] + y * (*frame)->linesize[0], 320 * 3, uint8_t{128});
  (*frame)->pts = 0;
  auto out = overlay->apply(std::move(*frame));
  if (!out) return out.error();
  return frame_to_rgb(**out);
}

TEST(TextOverlay, DrawsTheBadgeAndKeepsTheSize) {
  Caption caption;
  caption.prompt = "a prompt with 100% literal %{pts} text";
  auto image = caption_grey_frame(caption);
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->width, 320);
  EXPECT_EQ(image->height, 240);
  EXPECT_GT(testing::red_fraction(*image, 0, 0, 80, 20), 0.3);
}

TEST(TextOverlay, FallsBackToFontconfigWhenTheFontFolderIsMissing) {
  Caption caption;
  caption.font_dir = "/nonexistent/fonts";
  auto image = caption_grey_frame(caption);
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_GT(testing::red_fraction(*image, 0, 0, 80, 20), 0.3);
}

// A video overlay takes RGB24 (converted) or yuv420p (as it is): both give the badge.
TEST(TextOverlay, VideoOverlayTakesRgbAndYuvFrames) {
  auto overlay = TextOverlay::create(320, 240, AVRational{1, 25}, AV_PIX_FMT_YUV420P, Caption{});
  ASSERT_TRUE(overlay) << overlay.error().message;
  RgbImage grey = RgbImage::filled(320, 240, 128, 128, 128);
  auto rgb = alloc_frame(AV_PIX_FMT_RGB24, 320, 240);
  ASSERT_TRUE(rgb);
  for (int y = 0; y < 240; ++y)
    std::copy_n(grey.rgb.data() + y * 320 * 3, 320 * 3, (*rgb)->data[0] + y * (*rgb)->linesize[0]);
  auto yuv = alloc_frame(AV_PIX_FMT_YUV420P, 320, 240);
  ASSERT_TRUE(yuv);
  rgb_to_yuv420p_bt709(RgbView::of(grey), **yuv);
  (*rgb)->pts = 0;
  (*yuv)->pts = 1;
  for (FramePtr* in : {&*rgb, &*yuv}) {
    auto out = overlay->apply(std::move(*in));
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_EQ((*out)->format, AV_PIX_FMT_YUV420P);
    auto image = frame_to_rgb(**out);
    ASSERT_TRUE(image);
    EXPECT_GT(testing::red_fraction(*image, 0, 0, 80, 20), 0.3);
  }
}

}  // namespace
}  // namespace vidserve::media
