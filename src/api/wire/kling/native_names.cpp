#include "api/wire/kling/native_names.hpp"

#include <cctype>
#include <string_view>

namespace vidserve::api::kling {

namespace {

// Runware names with no recorded origin (a field the translation never writes, or a word in a
// core message), in Kling's terms. "" marks fields a Kling caller cannot send at all.
struct Fallback {
  std::string_view runware, native;
};
constexpr Fallback kFallback[] = {
    {"positivePrompt", "prompt"},
    {"negativePrompt", "negative_prompt"},
    {"CFGScale", "cfg_scale"},
    {"webhookURL", "callback_url"},
    {"model", "model_name"},
    {"width", "aspect_ratio"},
    {"height", "aspect_ratio"},
    {"providerSettings.klingai.multiPrompt", "multi_prompt"},
    {"multiPrompt", "multi_prompt"},
    {"providerSettings.klingai.shotType", "shot_type"},
    {"shotType", "shot_type"},
    {"providerSettings.klingai.sound", "sound"},
    {"providerSettings.klingai.keepOriginalSound", "keep_original_sound"},
    {"keepOriginalSound", "keep_original_sound"},
    {"inputs.frameImages", "image"},
    {"frameImages", "image"},
    {"inputs.referenceImages", "image_list"},
    {"referenceImages", "image_list"},
    {"inputs.referenceVideos", "video_list"},
    {"referenceVideos", "video_list"},
    {"inputs.video", "video_url"},
    {"inputs.audio", "audio"},
    {"inputs.image", "image"},
    {"inputs", ""},
    {"providerSettings", ""},
    {"taskUUID", ""},
    {"taskType", ""},
    {"numberResults", ""},
    {"outputType", ""},
    {"outputFormat", ""},
    {"outputQuality", ""},
    {"deliveryMethod", ""},
    {"includeCost", ""},
    {"ttl", ""},
    {"seed", ""},
    {"fps", ""},
};

bool at_boundary(const std::string& path, std::size_t prefix_size) {
  return path.size() == prefix_size || path[prefix_size] == '.' || path[prefix_size] == '[';
}

const Fallback* fallback_for(const std::string& path) {
  const Fallback* best = nullptr;
  for (const auto& f : kFallback) {
    const bool matches = path.rfind(f.runware, 0) == 0 && at_boundary(path, f.runware.size());
    if (matches && (!best || f.runware.size() > best->runware.size())) best = &f;
  }
  return best;
}

// A Runware name in prose: a path (inputs.frameImages[0]) or a camelCase word (positivePrompt);
// plain words such as "model" or "duration" are left as they are.
bool runware_word(const std::string& token) {
  if (token.find_first_of(".[") != std::string::npos) return true;
  for (std::size_t i = 1; i < token.size(); ++i) {
    if (std::isupper(static_cast<unsigned char>(token[i])) &&
        std::islower(static_cast<unsigned char>(token[i - 1]))) {
      return true;
    }
  }
  return false;
}

bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '[' ||
         c == ']';
}

}  // namespace

void NameMap::whole(std::string runware_path, std::string native) {
  auto path = runware_path;
  origins_.insert_or_assign(std::move(path),
                            Origin{std::move(runware_path), std::move(native), false});
}

void NameMap::items(std::string runware_path, std::string native) {
  auto path = runware_path;
  origins_.insert_or_assign(std::move(path),
                            Origin{std::move(runware_path), std::move(native), true});
}

const NameMap::Origin* NameMap::origin_for(const std::string& runware_path) const {
  for (auto size = runware_path.size(); size > 0; --size) {
    if (!at_boundary(runware_path, size)) continue;
    if (auto it = origins_.find(std::string_view(runware_path).substr(0, size));
        it != origins_.end()) {
      return &it->second;
    }
  }
  return nullptr;
}

bool NameMap::covers(const std::string& runware_path) const {
  return origin_for(runware_path) != nullptr;
}

std::string NameMap::native_name(const std::string& runware_path) const {
  if (const auto* o = origin_for(runware_path)) {
    return o->keep_suffix ? o->native + runware_path.substr(o->path.size()) : o->native;
  }
  if (const auto* f = fallback_for(runware_path)) {
    const bool items = f->runware.find("multiPrompt") != std::string_view::npos;
    return std::string(f->native) +
           (items ? runware_path.substr(f->runware.size()) : std::string());
  }
  return runware_path;
}

std::string NameMap::native_text(const std::string& message) const {
  std::string out;
  out.reserve(message.size());
  std::size_t i = 0;
  while (i < message.size()) {
    if (!path_char(message[i]) || message[i] == '.') {
      out += message[i++];
      continue;
    }
    std::size_t end = i;
    while (end < message.size() && path_char(message[end])) ++end;
    std::size_t token_end = end;
    while (token_end > i && message[token_end - 1] == '.') --token_end;  // a sentence's full stop
    const std::string token = message.substr(i, token_end - i);
    const bool known =
        runware_word(token) && (origin_for(token) != nullptr || fallback_for(token) != nullptr);
    const auto native = known ? native_name(token) : token;
    out += native.empty() ? std::string("this field") : native;
    out.append(message, token_end, end - token_end);
    i = end;
  }
  return out;
}

}  // namespace vidserve::api::kling
