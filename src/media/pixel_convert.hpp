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

// Scales to exactly width x height, cropping the centre so the aspect ratio is kept ("cover").
Result<RgbImage> scale_cover(const RgbImage& image, int width, int height);

}  // namespace vidserve::media
