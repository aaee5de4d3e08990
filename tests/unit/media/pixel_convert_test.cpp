#include "media/pixel_convert.hpp"

#include <gtest/gtest.h>

#include <array>

namespace vidserve::media {
namespace {

struct Yuv {
  int y, u, v;
};

// Converts a 4x2 image whose left 2x2 block is `left` and right block is `right`; returns the
// Y of the top-left pixel and each block's chroma.
std::array<Yuv, 2> convert(std::array<uint8_t, 3> left, std::array<uint8_t, 3> right) {
  RgbImage image{4, 2, std::vector<uint8_t>(4 * 2 * 3)};
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 4; ++x) {
      const auto& c = x < 2 ? left : right;
      std::copy(c.begin(), c.end(), image.rgb.begin() + (y * 4 + x) * 3);
    }
  }
  auto frame = alloc_frame(AV_PIX_FMT_YUV420P, 4, 2);
  EXPECT_TRUE(frame);
  rgb_to_yuv420p_bt709(RgbView::of(image), **frame);
  const AVFrame& f = **frame;
  return {Yuv{f.data[0][0], f.data[1][0], f.data[2][0]}, Yuv{f.data[0][2], f.data[1][1], f.data[2][1]}};
}

TEST(PixelConvert, Bt709LimitedRangeOfPrimariesAndGreys) {
  auto [white, black] = convert({255, 255, 255}, {0, 0, 0});
  EXPECT_EQ(white.y, 235);
  EXPECT_EQ(white.u, 128);
  EXPECT_EQ(white.v, 128);
  EXPECT_EQ(black.y, 16);
  EXPECT_EQ(black.u, 128);
  EXPECT_EQ(black.v, 128);
  // BT.709 limited range: red (63, 102, 240), blue (32, 240, 118).
  auto [red, blue] = convert({255, 0, 0}, {0, 0, 255});
  EXPECT_EQ(red.y, 63);
  EXPECT_EQ(red.u, 102);
  EXPECT_EQ(red.v, 240);
  EXPECT_EQ(blue.y, 32);
  EXPECT_EQ(blue.u, 240);
  EXPECT_EQ(blue.v, 118);
}

TEST(PixelConvert, ChromaIsTheMeanOfEachTwoByTwoBlock) {
  RgbImage image{2, 2, {255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255}};  // red | blue columns
  auto frame = alloc_frame(AV_PIX_FMT_YUV420P, 2, 2);
  ASSERT_TRUE(frame);
  rgb_to_yuv420p_bt709(RgbView::of(image), **frame);
  // Mean of red and blue = (127.5, 0, 127.5): Cb = 128 + (0.4392 - 0.1006) * 127.5 ~ 171.
  EXPECT_EQ((*frame)->data[1][0], 171);
  EXPECT_EQ((*frame)->data[0][0], 63);
  EXPECT_EQ((*frame)->data[0][1], 32);
}

TEST(PixelConvert, OddSizesUseTheEdgePixels) {
  RgbImage image = RgbImage::filled(3, 3, 255, 255, 255);
  auto frame = alloc_frame(AV_PIX_FMT_YUV420P, 3, 3);
  ASSERT_TRUE(frame);
  rgb_to_yuv420p_bt709(RgbView::of(image), **frame);
  EXPECT_EQ((*frame)->data[0][2 * (*frame)->linesize[0] + 2], 235);
  EXPECT_EQ((*frame)->data[1][(*frame)->linesize[1] + 1], 128);
  EXPECT_EQ((*frame)->data[2][(*frame)->linesize[2] + 1], 128);
}

}  // namespace
}  // namespace vidserve::media
