#pragma once
// Where each field of a translated Runware task came from in the caller's request, so that the
// core's problems (and a worker's input errors) name the caller's field: Kling's `image_tail`
// rather than `inputs.frameImages[1].image`. The translation records an origin for every field it
// writes (or could write); paths no origin covers fall back to a fixed table of Runware words.
#include <map>
#include <string>

namespace vidserve::api::kling {

class NameMap {
 public:
  // `runware_path` and everything under it came from the caller's `native` field:
  // "inputs.frameImages[1]" -> "image_tail" names inputs.frameImages[1].image "image_tail".
  void whole(std::string runware_path, std::string native);
  // Items keep their place and inner names: "providerSettings.klingai.multiPrompt" ->
  // "multi_prompt" names ...multiPrompt[2].prompt "multi_prompt[2].prompt".
  void items(std::string runware_path, std::string native);

  // The caller's name for a Runware path, by the longest recorded prefix that ends at a path
  // boundary, else by the fallback table; "" when the path has no counterpart in the caller's
  // request (taskUUID, numberResults, ...).
  std::string native_name(const std::string& runware_path) const;
  bool covers(const std::string& runware_path) const;  // a recorded origin, not the fallback
  // Every Runware path or word in a message replaced by the caller's name.
  std::string native_text(const std::string& message) const;

 private:
  struct Origin {
    std::string path, native;
    bool keep_suffix = false;
  };
  const Origin* origin_for(const std::string& runware_path) const;
  // By Runware path; a later origin for the same path replaces the earlier one. A lookup tries
  // each prefix of a path that ends at a boundary, longest first: a request with 100000 list
  // entries costs 100000 small lookups, not 100000 squared comparisons.
  std::map<std::string, Origin, std::less<>> origins_;
};

}  // namespace vidserve::api::kling
