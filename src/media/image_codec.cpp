#include "media/image_codec.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "common/error_codes.hpp"
#include "media/av_handles.hpp"
#include "media/decoder.hpp"
#include "media/error_codes.hpp"
#include "media/pixel_convert.hpp"

namespace vidserve::media {
namespace {

constexpr std::streamsize kMaxImageFileBytes = 64 * 1024 * 1024;

struct EncoderChoice {
  const char* name;
  AVPixelFormat pixel_format;
};

EncoderChoice encoder_for(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg:
      return {"mjpeg", AV_PIX_FMT_YUVJ420P};
    case ImageFormat::Webp:
      return {"libwebp", AV_PIX_FMT_YUV420P};
    case ImageFormat::Png:
      break;
  }
  return {"png", AV_PIX_FMT_RGB24};
}

// Linear map of quality 20..99 onto [worst, best].
double map_quality(int quality, double worst, double best) {
  const double q = std::clamp(quality, 20, 99);
  return worst + (q - 20.0) * (best - worst) / 79.0;
}

Result<CodecContextPtr> open_image_encoder(const RgbImage& image, ImageFormat format, int quality) {
  const EncoderChoice choice = encoder_for(format);
  const AVCodec* codec = avcodec_find_encoder_by_name(choice.name);
  if (!codec)
    return media_error(std::string("this FFmpeg build has no ") + choice.name + " encoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return media_error("out of memory allocating an image encoder");
  ctx->width = image.width;
  ctx->height = image.height;
  ctx->pix_fmt = choice.pixel_format;
  ctx->time_base = AVRational{1, 1};
  ctx->flags |= AV_CODEC_FLAG_BITEXACT;
  Dictionary options;
  if (format == ImageFormat::Jpeg) {
    ctx->color_range = AVCOL_RANGE_JPEG;
    ctx->flags |= AV_CODEC_FLAG_QSCALE;
    ctx->global_quality = static_cast<int>(std::lround(map_quality(quality, 12, 2))) * FF_QP2LAMBDA;
  } else if (format == ImageFormat::Webp) {
    options.set("quality", std::to_string(std::lround(map_quality(quality, 40, 95))));
  }
  if (int err = avcodec_open2(ctx.get(), codec, options.address()); err < 0) {
    return av_error(err, std::string("cannot open the ") + choice.name + " encoder");
  }
  return ctx;
}

// send_frame / receive_packet until the encoder is drained, appending packet bytes to `out`.
Status encode_all(AVCodecContext* ctx, AVFrame* frame, std::string& out) {
  PacketPtr packet = make_packet();
  if (!packet) return media_error("out of memory allocating a packet");
  for (AVFrame* input : {frame, static_cast<AVFrame*>(nullptr)}) {
    if (int err = avcodec_send_frame(ctx, input); err < 0)
      return av_error(err, "cannot encode the image");
    while (true) {
      int err = avcodec_receive_packet(ctx, packet.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) break;
      if (err < 0) return av_error(err, "cannot encode the image");
      out.append(reinterpret_cast<const char*>(packet->data), static_cast<size_t>(packet->size));
      av_packet_unref(packet.get());
    }
  }
  return Ok{};
}

}  // namespace

Result<RgbImage> decode_image(std::string_view bytes) {
  if (bytes.empty()) return Error{errc::kInvalidImage, "the image is empty"};
  auto input = MediaInput::open_memory(bytes, kImageDemuxers);
  if (!input) return Error{errc::kInvalidImage, "not a supported image: " + input.error().message};
  Result<RgbImage> image = media_error("the image holds no frame");
  auto status = decode_video(*input, [&](const AVFrame& frame) {
    image = frame_to_rgb(frame);
    return false;  // the first frame is the image
  });
  if (!status)
    return Error{errc::kInvalidImage, "cannot decode the image: " + status.error().message};
  return image;
}

Result<RgbImage> decode_image_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return Error{vidserve::errc::kNotFound, "cannot open the image file"};
  const std::streamsize size = file.tellg();
  if (size > kMaxImageFileBytes)
    return Error{errc::kInvalidImage, "the image file is larger than 64 MiB"};
  file.seekg(0);
  std::string bytes(static_cast<size_t>(std::max<std::streamsize>(size, 0)), '\0');
  if (!file.read(bytes.data(), size))
    return Error{errc::kInvalidImage, "cannot read the image file"};
  return decode_image(bytes);
}

Result<std::string> encode_image(const RgbImage& image, ImageFormat format, int quality) {
  if (!is_valid(image)) return media_error("cannot encode an empty or malformed RGB image");
  auto ctx = open_image_encoder(image, format, quality);
  if (!ctx) return ctx.error();
  auto frame = rgb_to_frame(image, (*ctx)->pix_fmt);
  if (!frame) return frame.error();
  (*frame)->pts = 0;
  (*frame)->quality = (*ctx)->global_quality;
  if (format == ImageFormat::Jpeg) (*frame)->color_range = AVCOL_RANGE_JPEG;
  std::string out;
  if (auto status = encode_all(ctx->get(), frame->get(), out); !status) return status.error();
  return out;
}

}  // namespace vidserve::media
