#pragma once
// The little XML the S3 client reads: error bodies (<Error><Code>..</Code><Message>..</Message>)
// and ListObjectsV2 pages (<Contents><Key>..</Key>..</Contents>, <IsTruncated>,
// <NextContinuationToken>). Not a general XML parser: it finds elements by their exact tags,
// as S3 writes them (no attributes on these elements, no CDATA), decodes the five named entities
// and numeric character references, and refuses what it cannot read instead of guessing.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vidserve::fetch {

// The text of the first <tag>...</tag> in `xml` (entities decoded); nullopt when absent or
// malformed.
std::optional<std::string> xml_element_text(std::string_view xml, std::string_view tag);

struct S3ErrorBody {
  std::string code;     // "NoSuchKey", "SignatureDoesNotMatch"; "" when the body is not one
  std::string message;  // at most 300 characters
};
S3ErrorBody parse_s3_error(std::string_view xml);

struct S3ListPage {
  std::vector<std::string> keys;
  bool truncated = false;
  std::string next_token;  // when truncated
};
// errc::kObjectStoreFailed when `xml` is not a ListBucketResult, or when it says it is truncated
// without a continuation token.
Result<S3ListPage> parse_s3_list_page(std::string_view xml);

}  // namespace vidserve::fetch
