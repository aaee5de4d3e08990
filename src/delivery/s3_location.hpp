#pragma once
// Where an S3 media store keeps its objects, from a URL
//   s3://BUCKET[/PREFIX][?endpoint=http://127.0.0.1:9000][&region=us-east-1]
// BUCKET: 3 to 63 of a-z 0-9 . - (starting and ending with a letter or digit). PREFIX: segments
// of A-Z a-z 0-9 . _ - (no "." or ".." segment), the objects' keys start with "PREFIX/".
// endpoint: http:// or https://, host[:port], no path; default https://s3.REGION.amazonaws.com.
// The value may be percent-encoded. region: default us-east-1. Credentials never go in the URL
// (a user name or password in it is refused): they come from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY.
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "fetch/s3_signing.hpp"

namespace vidserve::delivery {

struct S3Location {
  fetch::S3Bucket bucket;  // endpoint (default port dropped), region, name
  std::string prefix;      // "" or "a/b": no leading or trailing slash

  // "s3://bucket/prefix at http://127.0.0.1:9000" for messages.
  std::string describe() const;
};

// errc::kInvalidS3Url, saying what is wrong.
Result<S3Location> parse_s3_url(std::string_view url);

}  // namespace vidserve::delivery
