#include "fetch/s3_signing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <ctime>
#include <utility>
#include <vector>

#include "fetch/error_codes.hpp"

namespace vidserve::fetch {

namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

using Digest = std::array<unsigned char, 32>;

std::string hex(const Digest& digest) {
  std::string out;
  out.reserve(digest.size() * 2);
  for (const unsigned char byte : digest) {
    out.push_back(kHexLower[byte >> 4]);
    out.push_back(kHexLower[byte & 0x0f]);
  }
  return out;
}

Digest hmac(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  return out;
}

std::string_view view(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

using Query = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=2" in name order (names and values already encoded).
std::string sorted_query(Query query) {
  std::sort(query.begin(), query.end());
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

const char* env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

Result<S3Credentials> S3Credentials::from_env() {
  S3Credentials credentials{env_or_empty("AWS_ACCESS_KEY_ID"),
                            env_or_empty("AWS_SECRET_ACCESS_KEY"),
                            env_or_empty("AWS_SESSION_TOKEN")};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Error{errc::kMissingS3Credentials,
                 "the S3 media store needs credentials: set AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)"};
  }
  return credentials;
}

std::string s3_uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHexUpper[byte >> 4]);
      out.push_back(kHexUpper[byte & 0x0f]);
    }
  }
  return out;
}

std::string s3_path(const S3Bucket& bucket, std::string_view key) {
  std::string path = "/" + s3_uri_encode(bucket.name, false);
  if (!key.empty()) path += "/" + s3_uri_encode(key, true);
  return path;
}

std::string s3_host(const S3Bucket& bucket) {
  const auto scheme_end = bucket.endpoint.find("://");
  std::string host =
      scheme_end == std::string::npos ? bucket.endpoint : bucket.endpoint.substr(scheme_end + 3);
  host = host.substr(0, host.find('/'));
  const std::string_view scheme = std::string_view(bucket.endpoint).substr(0, scheme_end);
  const std::string_view default_port = scheme == "https" ? ":443" : ":80";
  if (host.size() > default_port.size() && host.ends_with(default_port) && host.back() != ']') {
    host.resize(host.size() - default_port.size());
  }
  return host;
}

std::string amz_date(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 20> text{};
  const auto length = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return std::string(text.data(), length);
}

std::string sha256_hex(std::string_view data) {
  Digest digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return hex(digest);
}

std::string s3_presign_get(const S3Bucket& bucket, const S3Credentials& credentials,
                           std::string_view key, std::int64_t expires_s, std::int64_t now_ms) {
  const std::string date_time = amz_date(now_ms);
  const std::string date = date_time.substr(0, 8);
  const std::string scope = date + "/" + bucket.region + "/s3/aws4_request";
  const auto expires = std::clamp<std::int64_t>(expires_s, 1, kMaxPresignSeconds);

  // Names and values as they go into the URL; sorted by name, as the canonical query wants.
  Query query = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Content-Sha256", std::string(kUnsignedPayload)},
      {"X-Amz-Credential", s3_uri_encode(credentials.access_key_id + "/" + scope, false)},
      {"X-Amz-Date", date_time},
      {"X-Amz-Expires", std::to_string(expires)},
      {"X-Amz-SignedHeaders", "host"},
      {"x-id", "GetObject"},
  };
  if (!credentials.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", s3_uri_encode(credentials.session_token, false));
  }
  const std::string canonical_query = sorted_query(query);

  const std::string path = s3_path(bucket, key);
  const std::string canonical_request = "GET\n" + path + "\n" + canonical_query +
                                        "\nhost:" + s3_host(bucket) + "\n\nhost\n" +
                                        std::string(kUnsignedPayload);
  const std::string string_to_sign = std::string(kAlgorithm) + "\n" + date_time + "\n" + scope +
                                     "\n" + sha256_hex(canonical_request);
  const Digest date_key = hmac("AWS4" + credentials.secret_access_key, date);
  const Digest region_key = hmac(view(date_key), bucket.region);
  const Digest service_key = hmac(view(region_key), "s3");
  const Digest signing_key = hmac(view(service_key), "aws4_request");
  const std::string signature = hex(hmac(view(signing_key), string_to_sign));

  query.emplace_back("X-Amz-Signature", signature);
  return bucket.endpoint + path + "?" + sorted_query(std::move(query));
}

}  // namespace vidserve::fetch
