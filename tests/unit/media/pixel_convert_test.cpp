#include "media/pixel_convert.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

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

void expect_yuv(const Yuv& got, int y, int u, int v, const char* what) {
  EXPECT_EQ(got.y, y) << what;
  EXPECT_EQ(got.u, u) << what;
  EXPECT_EQ(got.v, v) << what;
}

TEST(PixelConvert, Bt709LimitedRangeOfPrimariesAndGreys) {
  auto [white, black] = convert({255, 255, 255}, {0, 0, 0});
  expect_yuv(white, 235, 128, 128, "white");
  expect_yuv(black, 16, 128, 128, "black");
  auto [red, blue] = convert({255, 0, 0}, {0, 0, 255});
  expect_yuv(red, 63, 102, 240, "red");  // BT.709 limited range
  expect_yuv(blue, 32, 240, 118, "blue");
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

// A yuv420p frame of luma ramps with one chroma value over the whole frame.
FramePtr yuv_frame(AVColorSpace space, AVColorRange range, int u, int v) {
  auto frame = alloc_frame(AV_PIX_FMT_YUV420P, 64, 16);
  EXPECT_TRUE(frame);
  AVFrame& f = **frame;
  f.colorspace = space;
  f.color_range = range;
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 64; ++x) f.data[0][y * f.linesize[0] + x] = static_cast<uint8_t>(16 + x * 3 + y);
  }
  for (int y = 0; y < 8; ++y) {
    std::fill_n(f.data[1] + y * f.linesize[1], 32, static_cast<uint8_t>(u));
    std::fill_n(f.data[2] + y * f.linesize[2], 32, static_cast<uint8_t>(v));
  }
  return std::move(*frame);
}

// swscale's accurate path keeps fewer fraction bits in its intermediate steps: up to 3 apart.
TEST(PixelConvert, YuvToRgbMatchesSwscaleWithinRounding) {
  for (AVColorSpace space : {AVCOL_SPC_BT709, AVCOL_SPC_SMPTE170M, AVCOL_SPC_UNSPECIFIED}) {
    for (AVColorRange range : {AVCOL_RANGE_MPEG, AVCOL_RANGE_JPEG}) {
      for (auto [u, v] : {std::pair{128, 128}, std::pair{90, 200}, std::pair{180, 60}}) {
        FramePtr frame = yuv_frame(space, range, u, v);
        auto reference = frame_to_rgb(*frame);
        ASSERT_TRUE(reference);
        RgbImage fast{64, 16, std::vector<uint8_t>(64 * 16 * 3)};
        ASSERT_TRUE(yuv420p_to_rgb(*frame, RgbView::of(fast)));
        int worst = 0;
        for (size_t i = 0; i < fast.rgb.size(); ++i)
          worst = std::max(worst, std::abs(fast.rgb[i] - reference->rgb[i]));
        EXPECT_LE(worst, 3) << "space " << space << " range " << range << " u " << u << " v " << v;
      }
    }
  }
}

TEST(PixelConvert, YuvToRgbRefusesWhatItDoesNotHandle) {
  RgbImage out{64, 16, std::vector<uint8_t>(64 * 16 * 3)};
  FramePtr bt2020 = yuv_frame(AVCOL_SPC_BT2020_NCL, AVCOL_RANGE_MPEG, 128, 128);
  EXPECT_FALSE(yuv420p_to_rgb(*bt2020, RgbView::of(out)));
  FramePtr ok = yuv_frame(AVCOL_SPC_BT709, AVCOL_RANGE_MPEG, 128, 128);
  RgbImage smaller{32, 16, std::vector<uint8_t>(32 * 16 * 3)};
  EXPECT_FALSE(yuv420p_to_rgb(*ok, RgbView::of(smaller)));
  auto nv12 = alloc_frame(AV_PIX_FMT_NV12, 64, 16);
  ASSERT_TRUE(nv12);
  EXPECT_FALSE(yuv420p_to_rgb(**nv12, RgbView::of(out)));
}

}  // namespace
}  // namespace vidserve::media
