#pragma once
// Pixel format conversion and scaling through libswscale (every SwsContext is RAII-owned).
#include "common/result.hpp"
#include "media/av_handles.hpp"
#include "media/rgb_image.hpp"

namespace vidserve::media {

// True when a decoded frame's samples use the full 0..255 range (JPEG-style), not 16..235.
bool is_full_range(const AVFrame& frame);

// A writable frame with its own buffers.
Result<FramePtr> alloc_frame(AVPixelFormat format, int width, int height);

// Any decoded video frame to packed RGB24 at its own size, honouring its colour matrix and range.
Result<RgbImage> frame_to_rgb(const AVFrame& frame);

// RGB24 pixels to a new frame of `format` with the same size (BT.601 matrix, as JPEG/WebP expect).
Result<FramePtr> rgb_to_frame(const RgbImage& image, AVPixelFormat format);

// Packed RGB24 (full range) to the planes of a yuv420p frame of the same size, BT.709 matrix,
// limited (TV) range; chroma is the mean of each 2x2 block (an odd last column or row uses its own
// pixels). Integer arithmetic only: the same pixels give the same bytes on every CPU and compiler.
// `out` must be a writable AV_PIX_FMT_YUV420P frame of width x height.
void rgb_to_yuv420p_bt709(const RgbView& rgb, AVFrame& out);

// 8-bit yuv420p / yuvj420p with the BT.601 or BT.709 matrix (unspecified = BT.601, as swscale
// assumes), limited or full range, to packed RGB24 of the same size: integer arithmetic, chroma
// repeated over its 2x2 block. About ten times faster than swscale's accurate-rounding path at
// 1080p. Returns false, writing nothing, for any other format, matrix or a size mismatch (the
// caller then uses frame_to_rgb or swscale).
bool yuv420p_to_rgb(const AVFrame& frame, const RgbView& out);

// Scales to exactly width x height, cropping the centre so the aspect ratio is kept ("cover").
Result<RgbImage> scale_cover(const RgbImage& image, int width, int height);

}  // namespace vidserve::media
