#include "delivery/media_upload.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/io_error.hpp"
#include "fetch/error_codes.hpp"
#include "store/error_codes.hpp"

namespace vidserve::delivery {

namespace {

// Serves the PUT's reads from one chunk of the media at a time, read from the store when the
// transfer moves past it (or rewinds).
class ChunkReader {
 public:
  ChunkReader(const MediaStore& media, const store::MediaRecord& record, std::size_t chunk_bytes)
      : media_(media), record_(record), chunk_bytes_(std::max<std::size_t>(chunk_bytes, 4096)) {}

  Result<std::size_t> read(std::uint64_t offset, char* buffer, std::size_t size) {
    const auto total = static_cast<std::uint64_t>(record_.size_bytes);
    if (offset >= total || size == 0) return std::size_t{0};
    if (offset < chunk_offset_ || offset >= chunk_offset_ + chunk_.size()) {
      const auto length = std::min<std::uint64_t>(chunk_bytes_, total - offset);
      auto bytes = media_.read(record_.media_uuid, ByteRange{offset, length});
      if (!bytes) return bytes.error();
      if (bytes->empty()) return Error{io_errc::kStorage, "the media ended before its recorded size"};
      chunk_ = std::move(bytes).value();
      chunk_offset_ = offset;
    }
    const auto at = static_cast<std::size_t>(offset - chunk_offset_);
    const auto n = std::min(size, chunk_.size() - at);
    std::memcpy(buffer, chunk_.data() + at, n);
    return n;
  }

 private:
  const MediaStore& media_;
  const store::MediaRecord& record_;
  std::size_t chunk_bytes_;
  std::string chunk_;
  std::uint64_t chunk_offset_ = 0;
};

// A receiver that did not answer, or answered 408, 429 or 5xx, may answer 2xx later; an
// address refused or a malformed URL stays so, as does any other 4xx.
bool retryable(const Result<int>& sent) {
  if (!sent) {
    const auto& code = sent.error().code;
    return code == fetch::errc::kFetchFailed || code == fetch::errc::kFetchTimeout;
  }
  return *sent >= 500 || *sent == 408 || *sent == 429;
}

std::string attempts_text(int n) {
  return std::to_string(n) + (n == 1 ? " attempt" : " attempts");
}

}  // namespace

Status upload_media(const MediaStore& media, const store::MediaRecord& record, const std::string& url,
                    const PutStream& put, const Clock& clock, const UploadOptions& options,
                    const std::function<Status()>& before_retry) {
  const int attempts = std::max(1, options.attempts);
  auto delay = options.first_backoff;
  for (int attempt = 1;; ++attempt) {
    ChunkReader reader(media, record, options.chunk_bytes);
    const fetch::StreamedBody body{
        static_cast<std::uint64_t>(record.size_bytes),
        [&reader](std::uint64_t offset, char* buffer, std::size_t size) {
          return reader.read(offset, buffer, size);
        },
        record.content_type};
    const auto sent = put(url, body);
    if (sent && *sent >= 200 && *sent < 300) return Ok{};
    if (!sent && (sent.error().code == io_errc::kStorage || sent.error().code == io_errc::kStorageFull ||
                  sent.error().code == store::errc::kNotFound)) {
      return Error{errc::kUploadFailed, "the result could not be read for the upload to uploadEndpoint: " +
                                            sent.error().message};
    }
    if (!retryable(sent) || attempt >= attempts) {
      if (!sent && sent.error().code != fetch::errc::kFetchFailed &&
          sent.error().code != fetch::errc::kFetchTimeout) {
        return Error{sent.error().code, "uploadEndpoint: " + sent.error().message};
      }
      const auto what = sent ? "the receiver answered HTTP " + std::to_string(*sent) : sent.error().message;
      return Error{errc::kUploadFailed,
                   "the PUT to uploadEndpoint failed after " + attempts_text(attempt) + ": " + what};
    }
    clock.sleep_for(delay);
    delay *= std::max(1, options.backoff_factor);
    if (before_retry) {
      if (auto go_on = before_retry(); !go_on) return go_on;
    }
  }
}

}  // namespace vidserve::delivery
