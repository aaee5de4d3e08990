// The S3 client's XML reading: error bodies and ListObjectsV2 pages, as S3, MinIO and s3rver
// write them, and the malformed ones it must refuse rather than misread.
#include "fetch/s3_xml.hpp"

#include <gtest/gtest.h>

#include "fetch/error_codes.hpp"

namespace vidserve::fetch {
namespace {

TEST(S3Xml, ReadsAnErrorBody) {
  const auto error = parse_s3_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The "
      "specified key does not exist &amp; never did</Message><Key>a/b</Key></Error>");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "The specified key does not exist & never did");
}

TEST(S3Xml, AnythingElseIsAnEmptyError) {
  for (const char* body : {"", "<html>bad gateway</html>", "<Error><Code>Unterminated",
                           "<Error><Code>A&bogus;</Code></Error>"}) {
    EXPECT_TRUE(parse_s3_error(body).code.empty()) << body;
  }
  EXPECT_EQ(parse_s3_error(std::string("<Error><Message>") + std::string(1000, 'm') +
                           "</Message></Error>")
                .message.size(),
            300u);
}

TEST(S3Xml, DecodesEntitiesAndCharacterReferences) {
  EXPECT_EQ(xml_element_text("<K>a&lt;b&gt;c&quot;d&apos;e&amp;f</K>", "K"), "a<b>c\"d'e&f");
  EXPECT_EQ(xml_element_text("<K>&#65;&#x42;&#xfc;&#x1F600;</K>", "K"),
            "AB\xc3\xbc\xf0\x9f\x98\x80");
  for (const char* bad : {"<K>&#0;</K>", "<K>&#xD800;</K>", "<K>&#x110000;</K>", "<K>&unknown;</K>",
                          "<K>a & b</K>", "<K><b>nested</b></K>", "<K>open"}) {
    EXPECT_FALSE(xml_element_text(bad, "K").has_value()) << bad;
  }
  EXPECT_EQ(xml_element_text("<KeyCount>3</KeyCount><Key>k</Key>", "Key"), "k");  // not a prefix
  EXPECT_EQ(xml_element_text("<K/>", "K"), "");
}

TEST(S3Xml, ReadsAListingPage) {
  auto page = parse_s3_list_page(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a&amp;b.mp4</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
      "<ETag>&quot;abc&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents>\n  <Key>p/c.png</Key>\n  <Size>4</Size>\n</Contents>"
      "<NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->keys, (std::vector<std::string>{"p/a&b.mp4", "p/c.png"}));
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok+/=");

  auto last =
      parse_s3_list_page("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->keys.empty());
  EXPECT_FALSE(last->truncated);
}

TEST(S3Xml, RefusesListingsItCannotRead) {
  for (const char* body :
       {"", "<Error><Code>AccessDenied</Code></Error>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key></Key></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key>"}) {
    auto page = parse_s3_list_page(body);
    ASSERT_FALSE(page.ok()) << body;
    EXPECT_EQ(page.error().code, errc::kObjectStoreFailed);
  }
}

}  // namespace
}  // namespace vidserve::fetch
