#pragma once
// Typed view of the model catalog (catalog/*.json). Everything the validator, the pricing and the
// engines know about a model comes from here; adding a model is a data change.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vidserve::catalog {

enum class ModelType { Video, Image };

struct Size {
  int width = 0;
  int height = 0;
  friend bool operator==(const Size&, const Size&) = default;
};
std::string to_string(Size size);  // "1280x720"

struct LengthLimit {
  int min = 0;
  int max = 0;
};

struct NumberRange {
  double min = 0;
  double max = 0;
  std::optional<double> default_value;
};

// Which width x height a workflow produces.
struct SizeSpec {
  enum class Kind { List, FromInput };
  Kind kind = Kind::List;
  std::vector<Size> values;   // Kind::List: the allowed sizes, the first is the default
  bool required = false;      // Kind::List: width/height must be given
  bool absent_from_input = false;  // Kind::List, not required: absent means "inferred from input"
};

// Which durations a workflow accepts, in seconds.
struct DurationSpec {
  enum class Kind { Values, Range, FromInput };
  Kind kind = Kind::Values;
  std::vector<double> values;  // Kind::Values
  double min = 0, max = 0;     // Kind::Range, whole seconds
  double default_value = 5;
  std::string from_input;      // Kind::FromInput: the input whose length sets the duration
  bool ignore_given = false;   // Kind::FromInput: a given duration is accepted and ignored
};

struct InputSpec {
  int min = 0;
  int max = 0;
  std::vector<std::string> frames;  // frameImages only: "first", "last"
};

enum class PromptRule { Required, Optional, None };

struct Workflow {
  std::string kind;                       // "text-to-video", "image-to-video", ...
  std::map<std::string, InputSpec> inputs;  // "frameImages", "referenceImages", "video", ...
  SizeSpec size;
  DurationSpec duration;
  std::optional<int> fps;
  PromptRule prompt = PromptRule::Optional;
  std::vector<std::string> settings;      // providerSettings keys allowed in this workflow

  bool accepts_input(const std::string& name) const { return inputs.count(name) != 0; }
  bool allows_setting(const std::string& name) const;
};

struct MediaLimits {
  std::optional<int> min_side, max_side;
  std::optional<std::int64_t> max_bytes;
  std::optional<double> min_aspect, max_aspect;
  std::optional<double> min_seconds, max_seconds;
  std::vector<std::string> formats;
};

struct PriceRule {
  // Conditions (all must hold; absent = any).
  std::vector<std::string> workflows;
  std::optional<bool> sound;
  std::optional<bool> video_input;
  std::optional<std::int64_t> min_pixels;
  // What is charged.
  enum class Basis { PerSecond, PerItem, InputPerSecond, InputTiers };
  Basis basis = Basis::PerItem;
  double amount = 0;                                 // PerSecond / PerItem / InputPerSecond
  std::string input;                                 // InputPerSecond / InputTiers
  std::vector<std::pair<double, double>> tiers;      // InputTiers: (up to seconds, price)
  double beyond_per_second = 0;                      // InputTiers
  std::string source;                                // where the price was published
};

struct SettingSpec {
  std::string name;
  std::string type;  // boolean | number | string | shots
  std::vector<std::string> enum_values;
  std::optional<double> min, max;
  int max_items = 0;
  int prompt_max_length = 0;
  double min_shot_duration = 0;
  std::string description;
};

struct Model {
  std::string air;
  std::string name;
  ModelType type = ModelType::Video;
  std::map<std::string, std::string> native;  // modelName, mode, endpoint on Kling's API
  std::optional<LengthLimit> positive_prompt;
  std::optional<LengthLimit> negative_prompt;
  std::optional<NumberRange> cfg_scale;
  std::vector<std::string> resolutions;       // image "resolution" tiers, e.g. 1k, 2k
  std::map<std::string, MediaLimits> input_limits;  // image | video | audio | voice
  std::optional<std::string> upgrade;         // the higher tier of the same model
  std::vector<Workflow> workflows;
  std::vector<PriceRule> pricing;

  bool has_workflow(const std::string& kind) const;
  std::vector<std::string> workflow_kinds() const;  // distinct, in catalog order
  std::vector<std::string> all_settings() const;    // union over workflows, in catalog order
};

}  // namespace vidserve::catalog
