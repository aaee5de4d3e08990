#pragma once
// A small client of one S3 bucket over libcurl: put an object streamed from a file, get it (whole
// or a byte range), head, delete, list keys under a prefix. Requests are signed by libcurl
// (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3", the credentials as user name and password); presigned
// URLs come from s3_signing.hpp. Addressing is path-style (endpoint/bucket/key), so AWS, MinIO and
// s3rver all work.
//
// The endpoint is the operator's setting, not user input: the SSRF guard of HttpClient does not
// apply to it, and proxies from the environment are not used. Credentials go in no URL, no error
// message and no log line.
//
// Every call is bounded: a connect timeout, a total timeout, a low-speed limit (a transfer slower
// than low_speed_bytes per second for low_speed_time ends), and at most `max_attempts` attempts,
// retried after a growing pause when the store did not answer or answered 5xx or 429. A pause is
// waited on the options' clock: call from worker threads, never from an io thread.
// Thread-safe: every call uses its own easy handle.
//
// Errors: vidserve::errc::kNotFound (no such object), errc::kNoSuchBucket, errc::kObjectStoreDenied
// (403: credentials, signature, permissions), errc::kObjectStoreUnavailable (no answer or 5xx on
// every attempt), errc::kObjectStoreFailed (anything else), errc::kInputTooLarge (a body over the
// caller's limit), io_errc::kStorage (the local file to upload cannot be read).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "fetch/s3_signing.hpp"

namespace vidserve::fetch {

struct S3ClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  // Total time of one attempt at a request without a large body (head, delete, list, a range).
  std::chrono::milliseconds request_timeout{30'000};
  // Total time of one attempt at moving a whole object (put, get).
  std::chrono::milliseconds transfer_timeout{15 * 60'000};
  long low_speed_bytes = 1024;
  std::chrono::seconds low_speed_time{30};
  int max_attempts = 4;
  std::chrono::milliseconds first_backoff{200};  // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{3'000};
  std::size_t list_page_keys = 1000;  // keys asked for per ListObjectsV2 page (S3's maximum)
  const Clock* clock = &SystemClock::instance();  // the pauses between attempts
};

struct S3ObjectInfo {
  std::uint64_t size = 0;
  std::string content_type;
  std::string etag;
};

struct S3Listing {
  std::vector<std::string> keys;  // in the store's order (ascending)
  bool truncated = false;         // more keys exist beyond the limit
};

class S3Client {
 public:
  S3Client(S3Bucket bucket, S3Credentials credentials, S3ClientOptions options = {});

  // Whether the bucket exists and these credentials may use it (HEAD bucket).
  Status head_bucket() const;
  // Uploads the file at `file` as `key` (replacing it), read while it is sent.
  Status put_file(const std::string& key, const std::filesystem::path& file,
                  const std::string& content_type) const;
  // The whole object; errc::kInputTooLarge when it is larger than `max_bytes`.
  Result<std::string> get(const std::string& key, std::uint64_t max_bytes) const;
  // Bytes [offset, offset + length) of the object (Range); `length` > 0. Fewer bytes than asked
  // (the object is shorter) is errc::kObjectStoreFailed.
  Result<std::string> get_range(const std::string& key, std::uint64_t offset,
                                std::uint64_t length) const;
  Result<S3ObjectInfo> head(const std::string& key) const;
  // Deletes the object; one that does not exist is not an error.
  Status remove(const std::string& key) const;
  // Up to `max_keys` keys that start with `prefix` (ListObjectsV2, pages of up to 1000).
  Result<S3Listing> list(const std::string& prefix, std::size_t max_keys) const;

  // A URL that GETs `key` without credentials for `expires_s` seconds from `now_ms`.
  std::string presign_get(const std::string& key, std::int64_t expires_s,
                          std::int64_t now_ms) const {
    return s3_presign_get(bucket_, credentials_, key, expires_s, now_ms);
  }

  const S3Bucket& bucket() const { return bucket_; }

 private:
  S3Bucket bucket_;
  S3Credentials credentials_;
  S3ClientOptions options_;
};

}  // namespace vidserve::fetch
