#include "media/preview_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "media/audio_mix.hpp"
#include "media/error_codes.hpp"
#include "media/fit.hpp"
#include "media/frame_painter.hpp"
#include "media/image_motion.hpp"
#include "media/pixel_convert.hpp"
#include "media/text_overlay.hpp"
#include "media/video_source.hpp"

namespace vidserve::media {
namespace {

constexpr int kMinSide = 16;
constexpr int kMaxSide = 4096;
constexpr int kMaxFps = 120;
constexpr double kMaxDurationS = 600;
constexpr int kSampleRate = 48000;
constexpr double kMaxGain = 4;

Error invalid(const std::string& what) {
  return Error{errc::kInvalidPreviewSpec, what};
}

Status validate_common(int width, int height, int quality) {
  if (width < kMinSide || height < kMinSide || width > kMaxSide || height > kMaxSide) {
    return invalid("width and height must be within " + std::to_string(kMinSide) + ".." +
                   std::to_string(kMaxSide) + ", got " + std::to_string(width) + "x" +
                   std::to_string(height));
  }
  if (quality < 20 || quality > 99)
    return invalid("quality must be within 20..99, got " + std::to_string(quality));
  return Ok{};
}

Status validate(const PreviewVideoSpec& s) {
  if (auto status = validate_common(s.width, s.height, s.quality); !status) return status;
  if (s.width % 2 || s.height % 2) {
    return invalid("width and height must be even for 4:2:0 video, got " + std::to_string(s.width) +
                   "x" + std::to_string(s.height));
  }
  if (s.fps < 1 || s.fps > kMaxFps)
    return invalid("fps must be within 1..120, got " + std::to_string(s.fps));
  if (!(s.duration_s > 0 && s.duration_s <= kMaxDurationS) ||
      std::llround(s.duration_s * s.fps) < 1) {
    return invalid("duration must give at least one frame and be at most 600 s, got " +
                   std::to_string(s.duration_s));
  }
  for (size_t i = 0; i < s.shots.size(); ++i) {
    const Shot& shot = s.shots[i];
    if (!(shot.start_s >= 0 && shot.end_s > shot.start_s) ||
        (i > 0 && shot.start_s < s.shots[i - 1].start_s)) {
      return invalid("shots[" + std::to_string(i) +
                     "] must have 0 <= start_s < end_s, in ascending order");
    }
  }
  if ((s.first_frame && !is_valid(*s.first_frame)) || (s.last_frame && !is_valid(*s.last_frame))) {
    return invalid("first/last frame image is empty or its buffer does not match its size");
  }
  if (s.animate_first_frame && !s.first_frame) return invalid("animate_first_frame needs a first frame");
  for (const AudioInput& track : s.audio) {
    if (!(track.gain >= 0 && track.gain <= kMaxGain))
      return invalid("audio gains must be within 0..4, got " + std::to_string(track.gain));
  }
  return Ok{};
}

std::vector<Shot> effective_shots(const PreviewVideoSpec& spec) {
  if (spec.shots.empty()) return {Shot{spec.prompt, 0, spec.duration_s}};
  std::vector<Shot> shots = spec.shots;
  for (Shot& shot : shots) {
    if (shot.prompt.empty()) shot.prompt = spec.prompt;
  }
  return shots;
}

std::string label_for(const std::string& model_label, uint64_t seed) {
  return (model_label.empty() ? "" : model_label + "  ") + "seed " + std::to_string(seed);
}

std::map<std::string, std::string> tags_for(const PreviewVideoSpec& spec) {
  std::map<std::string, std::string> tags{{"comment", kPreviewComment},
                                          {"encoder_engine", kEngineTagValue},
                                          {"vidserve_seed", std::to_string(spec.seed)}};
  if (!spec.model_label.empty()) tags["vidserve_model"] = spec.model_label;
  return tags;
}

// One render: owns the writer, the per-shot looks and captions, and the scaled input images.
class VideoRender {
 public:
  explicit VideoRender(const PreviewVideoSpec& spec)
      : spec_(spec),
        shots_(effective_shots(spec)),
        frames_(static_cast<int>(std::llround(spec.duration_s * spec.fps))) {}

  Status run(const std::string& path);

 private:
  Status prepare_images();
  Status prepare_sources();
  Status paint_picture(int frame, const RgbView& view, double progress);
  int shot_at(int frame) const;
  void compose_images(const RgbView& view, double progress);
  Result<FramePtr> paint(int frame);
  Status write_frame(int frame);
  Status write_audio_until(int64_t end_sample);
  int64_t samples_before(int frame) const {
    return static_cast<int64_t>(frame) * kSampleRate / spec_.fps;
  }

  const PreviewVideoSpec& spec_;
  std::vector<Shot> shots_;
  int frames_;
  std::vector<ShotLook> looks_;
  std::unique_ptr<VideoSource> video_;
  std::unique_ptr<AudioFeed> audio_;
  std::optional<RgbImage> first_, last_;
  RgbImage mix_;  // scratch for the first->last crossfade
  std::unique_ptr<MediaWriter> writer_;
  std::optional<TextOverlay> overlay_;
  int overlay_shot_ = -1;
  int64_t audio_written_ = 0;
};

Status VideoRender::prepare_images() {
  for (auto [in, out] :
       {std::pair{&spec_.first_frame, &first_}, std::pair{&spec_.last_frame, &last_}}) {
    if (!*in) continue;
    auto scaled = scale_fit(**in, spec_.width, spec_.height);
    if (!scaled) return scaled.error();
    *out = std::move(*scaled);
  }
  if (first_ && last_) mix_ = RgbImage::filled(spec_.width, spec_.height, 0, 0, 0);
  return Ok{};
}

Status VideoRender::prepare_sources() {
  if (spec_.video) {
    auto video = VideoSource::open(*spec_.video);
    if (!video) return video.error();
    video_ = std::move(*video);
  }
  if (!spec_.audio.empty()) {
    auto mix = std::make_unique<AudioMix>();
    for (const AudioInput& track : spec_.audio) {
      if (track.gain == 0) continue;  // never decoded
      auto source = AudioSource::open(track.source, kSampleRate);
      if (!source) return source.error();
      mix->add(std::move(*source), static_cast<float>(track.gain));
    }
    audio_ = std::move(mix);
  } else if (spec_.sound) {
    audio_ = std::make_unique<ToneFeed>(spec_.seed, kSampleRate);
  }
  return Ok{};
}

int VideoRender::shot_at(int frame) const {
  const double t = static_cast<double>(frame) / spec_.fps + 1e-9;
  int index = 0;
  for (size_t i = 1; i < shots_.size(); ++i) {
    if (shots_[i].start_s <= t) index = static_cast<int>(i);
  }
  return index;
}

// first only: starts exactly on it and lets the background in; last only: the reverse;
// both: crossfade first -> last with the background showing through mid-way.
void VideoRender::compose_images(const RgbView& view, double p) {
  const RgbImage* image = nullptr;
  double weight = 1;
  if (first_ && last_) {
    crossfade_into(RgbView::of(mix_), *first_, *last_, static_cast<int>(std::lround(p * 256)));
    image = &mix_;
    weight = 1 - 0.45 * std::sin(std::numbers::pi * p);
  } else if (first_) {
    image = &*first_;
    weight = 1 - 0.6 * p;
  } else if (last_) {
    image = &*last_;
    weight = 0.4 + 0.6 * p;
  }
  if (image) blend_into(view, *image, static_cast<int>(std::lround(weight * 256)));
}

// The input video's frame, else the animated image, else the painted background with the images.
Status VideoRender::paint_picture(int frame, const RgbView& view, double progress) {
  if (video_) return video_->draw(static_cast<double>(frame) / spec_.fps, view);
  if (spec_.animate_first_frame) {
    draw_zoomed(view, *first_, avatar_motion(progress, spec_.seed));
    return Ok{};
  }
  paint_background(looks_[static_cast<size_t>(shot_at(frame))], static_cast<double>(frame) / spec_.fps,
                   view);
  compose_images(view, progress);
  return Ok{};
}

Result<FramePtr> VideoRender::paint(int frame) {
  auto rgb = alloc_frame(AV_PIX_FMT_RGB24, spec_.width, spec_.height);
  if (!rgb) return rgb.error();
  const RgbView view{(*rgb)->data[0], (*rgb)->linesize[0], spec_.width, spec_.height};
  const ShotLook& look = looks_[static_cast<size_t>(shot_at(frame))];
  const double progress = frames_ > 1 ? static_cast<double>(frame) / (frames_ - 1) : 0.0;
  if (auto s = paint_picture(frame, view, progress); !s) return s.error();
  draw_progress_bar(view, progress, look.accent);
  (*rgb)->pts = frame;
  return rgb;
}

Status VideoRender::write_frame(int frame) {
  const int shot = shot_at(frame);
  if (shot != overlay_shot_) {  // a cut: new caption for the new shot
    Caption caption;
    caption.subtitle = kPreviewComment;
    caption.label = label_for(spec_.model_label, spec_.seed);
    caption.prompt = (shots_.size() > 1 ? "Shot " + std::to_string(shot + 1) + "/" +
                                              std::to_string(shots_.size()) + ": "
                                        : std::string()) +
                     shots_[static_cast<size_t>(shot)].prompt;
    caption.timecode = true;
    caption.first_frame_number = frame;
    overlay_.reset();
    auto overlay = TextOverlay::create(spec_.width, spec_.height, AVRational{1, spec_.fps},
                                       AV_PIX_FMT_YUV420P, caption);
    if (!overlay) return overlay.error();
    overlay_ = std::move(*overlay);
    overlay_shot_ = shot;
  }
  auto rgb = paint(frame);
  if (!rgb) return rgb.error();
  auto yuv = overlay_->apply(std::move(*rgb));
  if (!yuv) return yuv.error();
  (*yuv)->pts = frame;
  return writer_->write_video(yuv->get());
}

Status VideoRender::write_audio_until(int64_t end_sample) {
  const int64_t total = samples_before(frames_);
  const int block = writer_->audio_frame_samples();
  std::vector<float> left(static_cast<size_t>(block)), right(static_cast<size_t>(block));
  while (audio_written_ < std::min(end_sample, total)) {
    const int count = static_cast<int>(std::min<int64_t>(block, total - audio_written_));
    if (auto s = audio_->read(left.data(), right.data(), count); !s) return s;
    if (auto s = writer_->write_audio(left.data(), right.data(), count, audio_written_); !s)
      return s;
    audio_written_ += count;
  }
  return Ok{};
}

Status VideoRender::run(const std::string& path) {
  if (auto s = prepare_images(); !s) return s;
  if (auto s = prepare_sources(); !s) return s;
  for (size_t i = 0; i < shots_.size(); ++i)
    looks_.push_back(make_shot_look(spec_.seed, static_cast<int>(i)));
  WriterSettings settings{spec_.container,
                          {spec_.width, spec_.height, spec_.fps, spec_.quality},
                          std::nullopt,
                          tags_for(spec_)};
  if (audio_) settings.audio = AudioSettings{kSampleRate};
  auto writer = MediaWriter::open(path, settings);
  if (!writer) return writer.error();
  writer_ = std::move(*writer);
  for (int frame = 0; frame < frames_; ++frame) {
    if (auto s = write_frame(frame); !s) return s;
    if (writer_->has_audio()) {
      if (auto s = write_audio_until(samples_before(frame + 1)); !s) return s;
    }
    if (spec_.on_frame && !spec_.on_frame(static_cast<double>(frame + 1) / frames_)) {
      return Error{vidserve::errc::kTaskCancelled, "the render was stopped after frame " +
                                                       std::to_string(frame + 1) + " of " +
                                                       std::to_string(frames_)};
    }
  }
  return writer_->finish();
}

Status write_file(const std::string& path, const std::string& bytes) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush()) {
    return io_error(errno, "cannot write the image file");  // errno of the failed write(2)
  }
  return Ok{};
}

Result<RgbImage> paint_still(const PreviewImageSpec& spec) {
  RgbImage canvas = RgbImage::filled(spec.width, spec.height, 0, 0, 0);
  paint_background(make_shot_look(spec.seed, 0), 0.0, RgbView::of(canvas));
  if (spec.reference) {
    auto scaled = scale_fit(*spec.reference, spec.width, spec.height);
    if (!scaled) return scaled.error();
    blend_into(RgbView::of(canvas), *scaled, 192);  // the reference shows through clearly
  }
  auto frame = alloc_frame(AV_PIX_FMT_RGB24, spec.width, spec.height);
  if (!frame) return frame.error();
  for (int y = 0; y < spec.height; ++y) {
    std::copy_n(canvas.rgb.data() + static_cast<size_t>(y) * spec.width * 3, spec.width * 3,
                (*frame)->data[0] + static_cast<ptrdiff_t>(y) * (*frame)->linesize[0]);
  }
  Caption caption;
  caption.subtitle = kPreviewComment;
  caption.label = label_for(spec.model_label, spec.seed);
  caption.prompt = spec.prompt;
  auto overlay =
      TextOverlay::create(spec.width, spec.height, AVRational{1, 1}, AV_PIX_FMT_RGB24, caption);
  if (!overlay) return overlay.error();
  (*frame)->pts = 0;
  auto captioned = overlay->apply(std::move(*frame));
  if (!captioned) return captioned.error();
  return frame_to_rgb(**captioned);
}

}  // namespace

Status render_preview_video(const PreviewVideoSpec& spec, const std::string& out_path) {
  if (auto s = validate(spec); !s) return s;
  Status status = VideoRender(spec).run(out_path);
  if (!status) {
    std::error_code ignored;
    std::filesystem::remove(out_path, ignored);
  }
  return status;
}

Status render_preview_image(const PreviewImageSpec& spec, const std::string& out_path) {
  if (auto s = validate_common(spec.width, spec.height, spec.quality); !s) return s;
  if (spec.reference && !is_valid(*spec.reference))
    return invalid("reference image is empty or malformed");
  auto pixels = paint_still(spec);
  if (!pixels) return pixels.error();
  auto bytes = encode_image(*pixels, spec.format, spec.quality);
  if (!bytes) return bytes.error();
  return write_file(out_path, *bytes);
}

}  // namespace vidserve::media
