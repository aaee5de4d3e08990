#include "fetch/data_uri.hpp"

#include <gtest/gtest.h>

#include "fetch/base64.hpp"

namespace vidserve::fetch {
namespace {

using namespace std::literals;

const std::string kPng = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"s;

TEST(DataUri, DecodesBase64WithDeclaredType) {
  auto blob = decode_data_uri("data:image/png;base64," + encode_base64(kPng));
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->bytes, kPng);
  EXPECT_EQ(blob->content_type, "image/png");
}

TEST(DataUri, RoundTripsArbitraryBytes) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<char>(i * 37 % 256));
  auto blob = decode_data_uri("data:application/octet-stream;base64," + encode_base64(bytes));
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->bytes, bytes);
  EXPECT_EQ(blob->content_type, "application/octet-stream");
}

TEST(DataUri, SchemeTypeAndBase64AreCaseInsensitiveAndParamsAreDropped) {
  auto blob = decode_data_uri("DATA:Image/PNG;name=a.png;BASE64," + encode_base64(kPng));
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->content_type, "image/png");
  EXPECT_EQ(blob->bytes, kPng);
}

TEST(DataUri, SniffsWhenNoTypeIsDeclared) {
  auto blob = decode_data_uri("data:;base64," + encode_base64(kPng));
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->content_type, "image/png");
  blob = decode_data_uri("data:;base64," + encode_base64("plain text"));
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->content_type, "application/octet-stream");
}

TEST(DataUri, DecodesPercentEncodedData) {
  auto blob = decode_data_uri("data:,Hello%2C%20World!");
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->bytes, "Hello, World!");
  blob = decode_data_uri("data:text/plain;charset=utf-8,a%20b+c%e2%82%AC");
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->bytes, "a b+c\xe2\x82\xac");
  EXPECT_EQ(blob->content_type, "text/plain");
}

TEST(DataUri, Base64PayloadMayBeWrappedOrPercentEncoded) {
  const std::string bytes = "\xfb\xff\xbf\xfb\xef and more";
  std::string encoded = encode_base64(bytes);
  std::string wrapped = encoded.substr(0, 8) + "\r\n" + encoded.substr(8);
  EXPECT_EQ(decode_data_uri("data:application/x-test;base64," + wrapped).value().bytes, bytes);
  std::string escaped;
  for (char c : encoded)
    escaped += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  EXPECT_EQ(decode_data_uri("data:application/x-test;base64," + escaped).value().bytes, bytes);
}

TEST(DataUri, EmptyPayloadIsEmpty) {
  auto blob = decode_data_uri("data:image/png;base64,");
  ASSERT_TRUE(blob);
  EXPECT_TRUE(blob->bytes.empty());
}

TEST(DataUri, RejectsMalformedUris) {
  const std::pair<const char*, const char*> cases[] = {
      {"image/png;base64,AAAA", "invalidDataUri"},           // no scheme
      {"data:image/png;base64", "invalidDataUri"},           // no comma
      {"data:png;base64,AAAA", "invalidDataUri"},            // type without subtype
      {"data:image/png;base64;x=y,AAAA", "invalidDataUri"},  // base64 not last
      {"data:image/png;charset,AAAA", "invalidDataUri"},     // parameter without value
      {"data:text/plain,%zz", "invalidDataUri"},             // bad escape
      {"data:text/plain,abc%4", "invalidDataUri"},           // truncated escape
      {"data:image/png;base64,@@@@", "invalidBase64"},       // bad payload
      {"data:image/png;base64,Zg=", "invalidBase64"},        // bad padding
  };
  for (const auto& [uri, code] : cases) {
    auto blob = decode_data_uri(uri);
    ASSERT_FALSE(blob) << uri;
    EXPECT_EQ(blob.error().code, code) << uri << ": " << blob.error().message;
    EXPECT_FALSE(blob.error().message.empty());
  }
}

TEST(DataUri, PercentDecode) {
  EXPECT_EQ(percent_decode("a%41%42c+").value(), "aABc+");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%G0"));
  EXPECT_TRUE(is_data_uri("Data:x"));
  EXPECT_FALSE(is_data_uri("dat"));
}

}  // namespace
}  // namespace vidserve::fetch
