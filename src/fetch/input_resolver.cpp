#include "fetch/input_resolver.hpp"

#include <filesystem>

#include "common/text.hpp"
#include "common/uuid.hpp"
#include "fetch/base64.hpp"
#include "fetch/content_sniff.hpp"
#include "fetch/data_uri.hpp"
#include "fetch/error_codes.hpp"
#include "fetch/url_target.hpp"

namespace vidserve::fetch {
namespace {

constexpr std::string_view kAccepted =
    "an uploaded media UUID, an http(s) URL, a data URI (data:<type>;base64,<data>) or base64 "
    "image, video or audio data";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Error too_large(std::string_view what, std::size_t limit) {
  return Error{errc::kInputTooLarge, std::string(what) + " is larger than the limit of " +
                                         std::to_string(limit) +
                                         " bytes; upload large media by URL."};
}

// Spool file names: a dot name, scratch that a start-up clean-up may remove.
constexpr std::string_view kSpoolPrefix = ".spool-";

Error invalid(std::string message) {
  return Error{errc::kInvalidInput, std::move(message)};
}

}  // namespace

std::optional<std::string> url_input_host(std::string_view ref) {
  ref = trim(ref);
  if (!text::istarts_with(ref, "http://") && !text::istarts_with(ref, "https://")) return std::nullopt;
  return url_host(ref);
}

InputResolver::InputResolver(UploadLookup upload_lookup, HttpClient http, ResolverLimits limits)
    : upload_lookup_(std::move(upload_lookup)), http_(std::move(http)), limits_(limits) {}

Result<Blob> InputResolver::resolve(std::string_view ref, std::string_view owner) const {
  ref = trim(ref);
  if (ref.empty()) return invalid("the input is empty; give " + std::string(kAccepted) + ".");

  if (uuid::is_uuid(ref)) {
    std::optional<Blob> blob;
    if (upload_lookup_) blob = upload_lookup_(ref, owner);
    if (!blob) {
      return Error{errc::kUnknownInput,
                   "no uploaded or generated media has the UUID " + std::string(ref) +
                       " (for this API key); upload it first or pass the data itself."};
    }
    return std::move(*blob);
  }
  if (text::istarts_with(ref, "http://") || text::istarts_with(ref, "https://")) {
    auto blob = resolve_url(std::string(ref));
    if (!blob) return blob;
    if (blob->size() == 0) return invalid("the URL input answered with an empty body.");
    return blob;
  }
  if (is_data_uri(ref)) return resolve_inline(ref);
  if (const auto scheme = ref.find("://"); scheme != std::string_view::npos && scheme < 16) {
    return invalid("URL inputs must use http or https; got '" + std::string(ref.substr(0, scheme)) +
                   "'.");
  }
  return resolve_inline(ref);
}

std::size_t remove_stale_spool_files(const std::string& dir) {
  std::size_t removed = 0;
  std::error_code ec, ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().rfind(kSpoolPrefix, 0) == 0 && std::filesystem::remove(entry.path(), ignored))
      ++removed;
  }
  return removed;
}

Result<Blob> InputResolver::resolve_url(const std::string& url) const {
  if (limits_.spool_dir.empty()) return http_.get(url, limits_.url);
  auto path = limits_.spool_dir + "/" + std::string(kSpoolPrefix) + uuid::generate_v4();
  auto downloaded = http_.download(url, path, limits_.url);
  if (!downloaded) return downloaded.error();  // download removed the file
  Blob blob{{}, downloaded->content_type, std::make_shared<SpoolFile>(std::move(path), downloaded->bytes)};
  if (blob.size() > limits_.spool_over_bytes && !text::istarts_with(blob.content_type, "image/")) return blob;
  // Small, or an image (engines decode images from memory): into memory, the file goes.
  auto bytes = blob.load();
  if (!bytes) return bytes.error();
  blob.bytes = std::move(bytes).value();
  blob.file.reset();
  return blob;
}

// The request holding inline data is already in memory (and bounded by the server's body limit),
// so decoding first and checking the decoded size after is simple and exact.
Result<Blob> InputResolver::resolve_inline(std::string_view ref) const {
  const std::size_t limit = limits_.max_inline_bytes;
  if (is_data_uri(ref)) {
    auto blob = decode_data_uri(ref);
    if (!blob) return invalid("the data URI input is invalid: " + blob.error().message);
    if (blob->bytes.size() > limit) return too_large("the data URI", limit);
    if (blob->bytes.empty()) return invalid("the data URI input has no data.");
    return blob;
  }
  auto bytes = decode_base64(ref);
  if (!bytes) {
    return invalid("the input is not " + std::string(kAccepted) +
                   " (as base64: " + bytes.error().message + ")");
  }
  if (bytes->size() > limit) return too_large("the base64 input", limit);
  auto type = sniff_content_type(*bytes);
  if (type.empty()) {
    return invalid(
        "the input decodes as base64 but is not a known image, video or audio format; give " +
        std::string(kAccepted) + ".");
  }
  return Blob{std::move(bytes).value(), std::move(type)};
}

}  // namespace vidserve::fetch
