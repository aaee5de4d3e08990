#pragma once
// How the preview engine uses a task's input media, workflow by workflow: which video gives the
// frames, which audio tracks make the soundtrack and at what gains, whether an image is animated,
// and the notes that tell the client how its inputs were used (e.g. letterboxed).
//
//   lip-sync        frames: the input video; sound: the audio input x soundVolume (default 1)
//                   mixed with the video's own sound x originalAudioVolume (default 1)
//   avatar          frames: the image, slowly zooming; sound: the audio input
//   a video input   frames: the video (video-edit, video-to-video, motion-control, reference
//                   videos); sound: the video's own when keepOriginalSound is true, else the tone
//                   track when sound is on
//   otherwise       the painted preview with the frame images; the tone track when sound is on
// An image or video of another aspect ratio than the output is fitted whole with black bars.
#include <string>
#include <vector>

#include "core/request.hpp"
#include "engine/preview/preview_inputs.hpp"
#include "media/preview_renderer.hpp"

namespace vidserve::engine::preview {

// Fills spec.video, spec.audio, spec.sound, spec.first_frame/last_frame and
// spec.animate_first_frame (size, fps and duration already set); returns the notes.
std::vector<std::string> use_inputs(const std::string& workflow_kind, const core::KlingSettings& settings,
                                    bool sound_asked, bool has_voice_input, const InputFacts& facts,
                                    media::PreviewVideoSpec& spec);

// The note for an image or video of `size` fitted into `out`, or "" when the aspect ratios match.
std::string letterbox_note(const std::string& what, catalog::Size size, catalog::Size out);

}  // namespace vidserve::engine::preview
