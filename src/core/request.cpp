#include "core/request.hpp"

namespace vidserve::core {

std::vector<std::string> Inputs::present() const {
  std::vector<std::string> names;
  if (!frame_images.empty()) names.push_back("frameImages");
  if (!reference_images.empty()) names.push_back("referenceImages");
  if (!reference_videos.empty()) names.push_back("referenceVideos");
  if (!reference_voices.empty()) names.push_back("referenceVoices");
  if (video) names.push_back("video");
  if (audio) names.push_back("audio");
  if (image) names.push_back("image");
  return names;
}

int Inputs::count(const std::string& name) const {
  if (name == "frameImages") return static_cast<int>(frame_images.size());
  if (name == "referenceImages") return static_cast<int>(reference_images.size());
  if (name == "referenceVideos") return static_cast<int>(reference_videos.size());
  if (name == "referenceVoices") return static_cast<int>(reference_voices.size());
  if (name == "video") return video ? 1 : 0;
  if (name == "audio") return audio ? 1 : 0;
  if (name == "image") return image ? 1 : 0;
  return 0;
}

std::string Inputs::path_of(const std::string& name) const {
  return name == "frameImages" ? frame_images_path : "inputs." + name;
}

std::vector<std::string> KlingSettings::present() const {
  std::vector<std::string> names;
  if (sound) names.push_back("sound");
  if (keep_original_sound) names.push_back("keepOriginalSound");
  if (character_orientation) names.push_back("characterOrientation");
  if (multi_prompt) names.push_back("multiPrompt");
  if (shot_type) names.push_back("shotType");
  if (sound_volume) names.push_back("soundVolume");
  if (original_audio_volume) names.push_back("originalAudioVolume");
  if (fast) names.push_back("fast");
  return names;
}

}  // namespace vidserve::core
