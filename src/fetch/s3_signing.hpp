#pragma once
// What the S3 client and the S3 media store share about addressing and signing: the bucket
// (endpoint, region, name; path-style addressing, endpoint/bucket/key, so any S3-compatible
// server works), the credentials (from the environment, never in a URL or a log), the
// percent-encoding AWS Signature Version 4 wants, and presigned GET URLs.
//
// Requests themselves are signed by libcurl (CURLOPT_AWS_SIGV4, s3_client.cpp). libcurl cannot
// presign a URL, and Debian's libs3 only presigns with Signature Version 2, which current S3
// services refuse; so s3_presign_get() is written here with OpenSSL's SHA-256 and HMAC-SHA256,
// following AWS's "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
// The tests check that it produces, byte for byte, the URL @aws-sdk/s3-request-presigner
// produces for the same credentials, time, bucket, key and expiry (tests/s3/sdk.mjs).
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace vidserve::fetch {

struct S3Bucket {
  // scheme://host[:port] without a path or a trailing slash: "http://127.0.0.1:9000".
  std::string endpoint;
  std::string region = "us-east-1";
  std::string name;
};

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" = none; else sent as x-amz-security-token

  // AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (both required), AWS_SESSION_TOKEN (optional).
  // errc::kMissingS3Credentials when one is missing.
  static Result<S3Credentials> from_env();
};

// Percent-encoding as Signature Version 4 wants it: the unreserved characters A-Z a-z 0-9 - _ . ~
// stay, every other byte becomes %XX (upper-case hex); '/' stays when `keep_slash`.
std::string s3_uri_encode(std::string_view text, bool keep_slash);

// The path of an object, "/BUCKET/ENCODED-KEY", or of the bucket ("/BUCKET") when `key` is empty.
std::string s3_path(const S3Bucket& bucket, std::string_view key);

// The host the requests name (the Host header): the endpoint's host[:port], without a default
// port (80 for http, 443 for https), as HTTP clients send it.
std::string s3_host(const S3Bucket& bucket);

// "20231114T221320Z" for a time in milliseconds since the Unix epoch (UTC, seconds truncated).
std::string amz_date(std::int64_t unix_ms);

// Lower-case hex of the SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The longest life of a presigned URL Signature Version 4 allows: 7 days.
inline constexpr std::int64_t kMaxPresignSeconds = 7 * 24 * 3600;

// A URL that GETs `key` without credentials for `expires_s` seconds (1 to kMaxPresignSeconds,
// clamped) from `now_ms`: the path-style object URL with the X-Amz-* query parameters (the
// session token as X-Amz-Security-Token), x-id=GetObject, parameters sorted, signed over the
// host header and an unsigned payload.
std::string s3_presign_get(const S3Bucket& bucket, const S3Credentials& credentials,
                           std::string_view key, std::int64_t expires_s, std::int64_t now_ms);

}  // namespace vidserve::fetch
