#include "engine/preview/preview_sources.hpp"

#include "common/text.hpp"
#include "media/fit.hpp"

namespace vidserve::engine::preview {
namespace {

void add_note(std::vector<std::string>& notes, std::string note) {
  if (!note.empty()) notes.push_back(std::move(note));
}

// The frames come from the input video; the notes say when it is letterboxed or frozen.
void use_video(const TimedInput& video, const std::string& what, media::PreviewVideoSpec& spec,
               std::vector<std::string>& notes) {
  spec.video = video.ref;
  add_note(notes, letterbox_note(what, video.size, {spec.width, spec.height}));
  if (video.duration_s > 0 && video.duration_s + 0.5 / spec.fps < spec.duration_s) {
    notes.push_back(what + " (" + text::format_number(video.duration_s) + " s) is shorter than the " +
                    text::format_number(spec.duration_s) + " s result; its last frame holds to the end");
  }
}

void use_images(const InputFacts& facts, media::PreviewVideoSpec& spec, std::vector<std::string>& notes) {
  const catalog::Size out{spec.width, spec.height};
  if (facts.first_frame) {
    spec.first_frame = facts.first_frame;
    add_note(notes, letterbox_note(describe_role(facts.first_frame_role),
                                   {facts.first_frame->width, facts.first_frame->height}, out));
  }
  if (facts.last_frame) {
    spec.last_frame = facts.last_frame;
    add_note(notes, letterbox_note(describe_role("frame:last"),
                                   {facts.last_frame->width, facts.last_frame->height}, out));
  }
}

}  // namespace

std::string letterbox_note(const std::string& what, catalog::Size size, catalog::Size out) {
  if (!media::is_letterboxed(size.width, size.height, out.width, out.height)) return "";
  return what + " (" + catalog::to_string(size) + ") was letterboxed into " + catalog::to_string(out);
}

std::vector<std::string> use_inputs(const std::string& kind, const core::KlingSettings& settings,
                                    bool sound_asked, bool has_voice_input, const InputFacts& facts,
                                    media::PreviewVideoSpec& spec) {
  std::vector<std::string> notes;
  if (kind == "lip-sync") {
    if (facts.video) use_video(*facts.video, describe_role(facts.video->role), spec, notes);
    if (facts.audio) spec.audio.push_back({facts.audio->ref, settings.sound_volume.value_or(1)});
    if (facts.video && facts.video->has_audio)
      spec.audio.push_back({facts.video->ref, settings.original_audio_volume.value_or(1)});
    return notes;
  }
  if (kind == "avatar" && facts.first_frame) {
    use_images(facts, spec, notes);
    spec.last_frame.reset();
    spec.animate_first_frame = true;
    if (facts.audio) spec.audio.push_back({facts.audio->ref, 1});
    return notes;
  }
  if (facts.video) {  // video-edit, video-to-video, motion-control, reference-to-video with a video
    use_video(*facts.video, describe_role(facts.video->role), spec, notes);
    if (settings.keep_original_sound.value_or(false)) {
      if (facts.video->has_audio) {
        spec.audio.push_back({facts.video->ref, 1});
      } else {
        notes.push_back("keepOriginalSound: the input video has no sound, so neither has the result");
      }
    }
    spec.sound = spec.audio.empty() && sound_asked;
    return notes;
  }
  use_images(facts, spec, notes);
  // Workflows driven by a voice input (the real model speaks) get the tone track as a stand-in.
  spec.sound = sound_asked || has_voice_input || facts.audio.has_value();
  return notes;
}

}  // namespace vidserve::engine::preview
