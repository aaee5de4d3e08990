#pragma once
// Resolves a media input as a client may give it (Runware: "a UUID of an uploaded or generated
// media, a data URI, bare base64 or a public URL") into bytes and a content type.
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "fetch/blob.hpp"
#include "fetch/http_client.hpp"

namespace vidserve::fetch {

// The server's stored media (uploads and earlier results), as seen by one owner (API key).
using UploadLookup =
    std::function<std::optional<Blob>(std::string_view uuid, std::string_view owner)>;

struct ResolverLimits {
  std::size_t max_inline_bytes = 32 * 1024 * 1024;  // decoded size of a data URI or base64 input
  FetchLimits url;                                  // for http(s) inputs
  // When set, http(s) inputs are downloaded into this directory; one larger than
  // spool_over_bytes that is not an image stays there (Blob::file, removed with the last Blob
  // holding it), the rest is read into memory and the file removed at once.
  std::string spool_dir;
  std::size_t spool_over_bytes = 4 * 1024 * 1024;
};

// The host of `ref` when it is an http(s) URL input (to be fetched over the network), else nothing.
std::optional<std::string> url_input_host(std::string_view ref);

// Deletes the spool files (ResolverLimits::spool_dir) a killed process left in `dir`; call at
// start-up of the only process using it. Returns how many.
std::size_t remove_stale_spool_files(const std::string& dir);

class InputResolver {
 public:
  InputResolver(UploadLookup upload_lookup, HttpClient http, ResolverLimits limits = {});

  // Errors: "invalidInput" (not one of the accepted forms, undecodable, empty, or base64 that is
  // no known media type), "unknownInput" (no such UUID for this owner), "inputTooLarge", and
  // whatever HttpClient::get returns for URLs ("invalidUrl", "addressRefused", "fetchFailed",
  // "fetchTimeout", "fetchCancelled"; "storage"/"storageFull" when the spool file cannot be
  // written). Leading and trailing whitespace is ignored.
  Result<Blob> resolve(std::string_view ref, std::string_view owner) const;

  const ResolverLimits& limits() const { return limits_; }

 private:
  Result<Blob> resolve_inline(std::string_view ref) const;
  Result<Blob> resolve_url(const std::string& url) const;

  UploadLookup upload_lookup_;
  HttpClient http_;
  ResolverLimits limits_;
};

}  // namespace vidserve::fetch
