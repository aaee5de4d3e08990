#pragma once
// Error codes of core: the validation problems (Problem::code) every front-end reports, and
// the stored task's decoding errors (Error::code).

namespace vidserve::core::errc {

// A request field: absent, of the wrong JSON type, or a value that is not allowed.
inline constexpr const char* kMissingParameter = "missingParameter";
inline constexpr const char* kInvalidType = "invalidType";
inline constexpr const char* kInvalidValue = "invalidValue";
inline constexpr const char* kInvalidLength = "invalidLength";
inline constexpr const char* kValueOutOfRange = "valueOutOfRange";
inline constexpr const char* kInvalidURL = "invalidURL";
inline constexpr const char* kInvalidUUID = "invalidUUID";
inline constexpr const char* kInvalidVoiceReference = "invalidVoiceReference";

// A field the model does not take, or fields that cannot be combined.
inline constexpr const char* kUnsupportedParameter = "unsupportedParameter";
inline constexpr const char* kIncompatibleParameters = "incompatibleParameters";
inline constexpr const char* kUnsupportedDimensions = "unsupportedDimensions";
inline constexpr const char* kUnsupportedDuration = "unsupportedDuration";

// Inputs: kinds, frames and list sizes.
inline constexpr const char* kUnsupportedInput = "unsupportedInput";
inline constexpr const char* kUnsupportedFrame = "unsupportedFrame";
inline constexpr const char* kDuplicateFrame = "duplicateFrame";
inline constexpr const char* kMaxItemsExceeded = "maxItemsExceeded";
inline constexpr const char* kMinItemsRequired = "minItemsRequired";

// The model: not in the catalog, or not served for this task.
inline constexpr const char* kUnknownModel = "unknownModel";
inline constexpr const char* kUnsupportedModel = "unsupportedModel";

// Problems::add stopped after kMaxProblems.
inline constexpr const char* kTooManyProblems = "tooManyProblems";

// A stored task that cannot be decoded (task_spec.hpp).
inline constexpr const char* kInvalidStoredTask = "invalidStoredTask";

}  // namespace vidserve::core::errc
