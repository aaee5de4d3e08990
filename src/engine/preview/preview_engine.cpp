#include "engine/preview/preview_engine.hpp"

#include <algorithm>
#include <cmath>

#include "common/error_codes.hpp"
#include "common/text.hpp"
#include "engine/preview/preview_inputs.hpp"
#include "engine/preview/preview_sources.hpp"
#include "media/preview_renderer.hpp"

namespace vidserve::engine {

namespace {

constexpr double kDefaultSeconds = 5;
constexpr int kDefaultFps = 24;
constexpr int kMaxFps = 120;

media::Container container_for(const std::string& content_type) {
  if (content_type == "video/webm") return media::Container::Webm;
  if (content_type == "video/quicktime") return media::Container::Mov;
  return media::Container::Mp4;
}

media::ImageFormat image_format_for(const std::string& content_type) {
  if (content_type == "image/png") return media::ImageFormat::Png;
  if (content_type == "image/webp") return media::ImageFormat::Webp;
  return media::ImageFormat::Jpeg;
}

// The text drawn on the frames: the prompt, else the shots, else what the workflow was.
std::string caption(const core::GenerationRequest& r, const core::Plan& plan) {
  if (r.positive_prompt && !r.positive_prompt->empty()) return *r.positive_prompt;
  std::vector<std::string> shots;
  for (const auto& s : plan.shots) shots.push_back(s.prompt);
  if (!shots.empty()) return text::join(shots, " / ");
  return "(" + plan.workflow->kind + ", no prompt)";
}

std::vector<media::Shot> shot_times(const core::Plan& plan) {
  std::vector<media::Shot> shots;
  double t = 0;
  for (const auto& s : plan.shots) {
    const double d = s.duration_s.value_or(0);
    shots.push_back({s.prompt, t, t + d});
    t += d;
  }
  return shots;
}

bool has_voice_input(const std::vector<InputMedia>& inputs) {
  for (const auto& i : inputs) {
    if (i.role == "referenceVoice") return true;
  }
  return false;
}

// The plan's frame rate, else the input video's (rounded, 1..120), else 24.
int fps_for(const core::Plan& plan, const preview::InputFacts& facts) {
  if (plan.fps) return *plan.fps;
  if (facts.video && facts.video->fps > 0) return std::clamp(static_cast<int>(std::lround(facts.video->fps)), 1, kMaxFps);
  return kDefaultFps;
}

// The plan's duration, else the length of the input the workflow takes it from.
double duration_for(const core::Plan& plan, const preview::InputFacts& facts) {
  if (plan.duration_s) return *plan.duration_s;
  const auto& from = plan.workflow->duration.from_input;
  if (from == "audio" && facts.audio && facts.audio->duration_s > 0) return facts.audio->duration_s;
  if ((from == "video" || from == "referenceVideos") && facts.video && facts.video->duration_s > 0)
    return facts.video->duration_s;
  return facts.duration_s.value_or(kDefaultSeconds);
}

// Encoding the frames is most of the work: it spans 0.1 .. 0.95 of the result's progress.
constexpr double kFramesStart = 0.1;
constexpr double kFramesShare = 0.85;

Result<Output> render_video(const Job& job, const core::VideoRequest& r, const preview::InputFacts& facts,
                            Progress& progress) {
  const auto& plan = job.plan;
  const auto size = plan.size ? *plan.size
                              : preview::fit_preview_size(facts.size.value_or(catalog::Size{1280, 720}));
  media::PreviewVideoSpec spec;
  spec.width = size.width;
  spec.height = size.height;
  spec.fps = fps_for(plan, facts);
  spec.duration_s = duration_for(plan, facts);
  spec.seed = job.seed;
  spec.quality = plan.output_quality;
  spec.container = container_for(job.content_type);
  spec.prompt = caption(r, plan);
  spec.shots = shot_times(plan);
  auto notes = preview::use_inputs(plan.workflow->kind, r.klingai, plan.sound, has_voice_input(job.inputs),
                                   facts, spec);
  spec.model_label = plan.model->air;
  spec.on_frame = [&progress](double fraction) {
    progress.update(kFramesStart + kFramesShare * fraction);
    return !progress.cancelled();
  };
  if (auto rendered = media::render_preview_video(spec, job.output_path); !rendered) {
    if (rendered.error().code == vidserve::errc::kTaskCancelled)
      return Error{vidserve::errc::kTaskCancelled, "the task was cancelled"};
    return rendered.error();
  }
  return Output{spec.width, spec.height, spec.duration_s, std::move(notes)};
}

Result<Output> render_image(const Job& job, const core::ImageRequest& r, const preview::InputFacts& facts) {
  const auto& plan = job.plan;
  catalog::Size size{1024, 1024};
  if (plan.size) {
    size = *plan.size;
  } else if (facts.size) {
    size = preview::closest_listed_size(plan.workflow->size.values, *facts.size, r.resolution.value_or("1k"));
  }
  media::PreviewImageSpec spec;
  spec.width = size.width;
  spec.height = size.height;
  spec.seed = job.seed;
  spec.prompt = caption(r, plan);
  spec.reference = facts.first_frame;
  spec.model_label = plan.model->air;
  spec.format = image_format_for(job.content_type);
  spec.quality = plan.output_quality;
  if (auto rendered = media::render_preview_image(spec, job.output_path); !rendered) return rendered.error();
  std::vector<std::string> notes;
  if (facts.first_frame) {
    auto note = preview::letterbox_note(preview::describe_role(facts.first_frame_role),
                                        {facts.first_frame->width, facts.first_frame->height}, size);
    if (!note.empty()) notes.push_back(std::move(note));
  }
  return Output{spec.width, spec.height, 0, std::move(notes)};
}

}  // namespace

Result<Output> PreviewEngine::render(const Job& job, Progress& progress) {
  if (progress.cancelled()) return Error{vidserve::errc::kTaskCancelled, "the task was cancelled"};
  auto facts = preview::inspect_inputs(job.inputs);
  if (!facts) return facts.error();
  progress.update(kFramesStart);
  auto out = std::holds_alternative<core::VideoRequest>(job.request)
                 ? render_video(job, std::get<core::VideoRequest>(job.request), *facts, progress)
                 : render_image(job, std::get<core::ImageRequest>(job.request), *facts);
  if (out) progress.update(1.0);
  return out;
}

}  // namespace vidserve::engine
