#pragma once
// Error codes (Error::code) of the media layer (FFmpeg, images, the preview renderer). A full
// disk is io_errc::kStorageFull (common/error_codes.hpp).

namespace vidserve::media::errc {

// An input is not a complete file of its kind (inspect.hpp, image_codec.hpp).
inline constexpr const char* kInvalidImage = "invalidImage";
inline constexpr const char* kInvalidVideo = "invalidVideo";
inline constexpr const char* kInvalidAudio = "invalidAudio";

// An FFmpeg call failed (av_error, media_error in av_handles.hpp).
inline constexpr const char* kMediaError = "mediaError";

// Encoder settings: odd or non-positive size, non-positive frame rate.
inline constexpr const char* kInvalidSize = "invalidSize";
inline constexpr const char* kInvalidFps = "invalidFps";

// A preview render spec the renderer cannot draw.
inline constexpr const char* kInvalidPreviewSpec = "invalidPreviewSpec";

}  // namespace vidserve::media::errc
