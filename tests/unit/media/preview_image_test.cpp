#include <gtest/gtest.h>

#include "media/image_codec.hpp"
#include "media/pixel_convert.hpp"
#include "media/preview_renderer.hpp"
#include "media_test_util.hpp"

namespace vidserve::media {
namespace {

using testing::mean_abs_diff;
using testing::read_bytes;
using testing::ScratchDir;

PreviewImageSpec image_spec(ImageFormat format) {
  PreviewImageSpec spec;
  spec.width = 640;
  spec.height = 480;
  spec.seed = 42;
  spec.prompt = "A red fox in fresh snow, cinematic";
  spec.model_label = "klingai:kling-image@3";
  spec.format = format;
  spec.quality = 90;
  return spec;
}

TEST(PreviewImage, RendersEachFormatAtTheRequestedSize) {
  ScratchDir dir;
  for (ImageFormat format : {ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp}) {
    const std::string path = dir.file("still" + std::to_string(static_cast<int>(format)));
    auto status = render_preview_image(image_spec(format), path);
    ASSERT_TRUE(status) << status.error().message;
    auto decoded = decode_image_file(path);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->width, 640);
    EXPECT_EQ(decoded->height, 480);
  }
}

TEST(PreviewImage, HasARedPreviewBadgeTopLeft) {
  ScratchDir dir;
  const std::string path = dir.file("badge.png");
  ASSERT_TRUE(render_preview_image(image_spec(ImageFormat::Png), path));
  auto image = decode_image_file(path);
  ASSERT_TRUE(image);
  // A red box behind white "PREVIEW" letters in the top-left corner; none at the bottom right.
  EXPECT_GT(testing::red_fraction(*image, 0, 0, 160, 40), 0.3);
  EXPECT_LT(testing::red_fraction(*image, 480, 400, 160, 40), 0.05);
}

TEST(PreviewImage, IsDeterministicAndSeedDependent) {
  ScratchDir dir;
  PreviewImageSpec spec = image_spec(ImageFormat::Jpeg);
  ASSERT_TRUE(render_preview_image(spec, dir.file("a.jpg")));
  ASSERT_TRUE(render_preview_image(spec, dir.file("b.jpg")));
  spec.seed = 43;
  ASSERT_TRUE(render_preview_image(spec, dir.file("c.jpg")));
  EXPECT_TRUE(read_bytes(dir.file("a.jpg")) == read_bytes(dir.file("b.jpg")));
  EXPECT_FALSE(read_bytes(dir.file("a.jpg")) == read_bytes(dir.file("c.jpg")));
}

TEST(PreviewImage, ReferenceImageShowsThrough) {
  ScratchDir dir;
  const RgbImage reference = testing::pattern_image(320, 240, 30, 220, 60);
  PreviewImageSpec spec = image_spec(ImageFormat::Png);
  spec.prompt.clear();
  ASSERT_TRUE(render_preview_image(spec, dir.file("plain.png")));
  spec.reference = reference;
  ASSERT_TRUE(render_preview_image(spec, dir.file("ref.png")));
  auto plain = decode_image_file(dir.file("plain.png"));
  auto with_ref = decode_image_file(dir.file("ref.png"));
  ASSERT_TRUE(plain && with_ref);
  auto expected = scale_cover(reference, 640, 480);
  ASSERT_TRUE(expected);
  EXPECT_LT(mean_abs_diff(*with_ref, *expected), 0.5 * mean_abs_diff(*plain, *expected));
}

TEST(PreviewImage, RejectsBadSpecs) {
  ScratchDir dir;
  PreviewImageSpec spec = image_spec(ImageFormat::Png);
  spec.quality = 5;
  EXPECT_FALSE(render_preview_image(spec, dir.file("x.png")));
  spec = image_spec(ImageFormat::Png);
  spec.width = 0;
  EXPECT_FALSE(render_preview_image(spec, dir.file("x.png")));
  spec = image_spec(ImageFormat::Png);
  spec.reference = RgbImage{4, 4, std::vector<uint8_t>(5)};
  EXPECT_FALSE(render_preview_image(spec, dir.file("x.png")));
}

}  // namespace
}  // namespace vidserve::media
