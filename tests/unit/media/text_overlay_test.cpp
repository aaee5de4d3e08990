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

}  // namespace
}  // namespace vidserve::media
