#include "fetch/base64.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>
#include <string>

namespace vidserve::fetch {
namespace {

std::string openssl_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string to_url_safe_unpadded(std::string s) {
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> dist(0, 255);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(dist(rng));
  return s;
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(encode_base64(plain), encoded);
    auto decoded = decode_base64(encoded);
    ASSERT_TRUE(decoded) << encoded << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64, AcceptsMissingPadding) {
  EXPECT_EQ(decode_base64("Zg").value(), "f");
  EXPECT_EQ(decode_base64("Zm8").value(), "fo");
  EXPECT_EQ(decode_base64("Zm9vYg").value(), "foob");
}

TEST(Base64, AcceptsUrlSafeAlphabet) {
  const std::string bytes = "\xfb\xff\xbf\xfb\xef";
  EXPECT_EQ(encode_base64(bytes), "+/+/++8=");
  EXPECT_EQ(decode_base64("+/+/++8=").value(), bytes);
  EXPECT_EQ(decode_base64("-_-_--8=").value(), bytes);
  EXPECT_EQ(decode_base64("-_-_--8").value(), bytes);
}

TEST(Base64, SkipsWhitespace) {
  EXPECT_EQ(decode_base64("Zm9v\r\nYmFy").value(), "foobar");
  EXPECT_EQ(decode_base64("  Zm9v YmE=\n").value(), "fooba");
  EXPECT_EQ(decode_base64("Zm\t9v\nYg = =").value(), "foob");
}

TEST(Base64, RejectsMalformedInput) {
  using namespace std::literals;
  const std::string_view bad[] = {
      "Zm9v!"sv,       // not in either alphabet
      "Z"sv,           // one character cannot encode a byte
      "Zm9vY"sv,       // 5 characters: same
      "Zg="sv,         // wrong amount of padding
      "Zg==="sv,       // too much padding
      "Zm9v="sv,       // padding where none belongs
      "Zm9=v"sv,       // data after padding
      "="sv,           // padding only
      "+-/_"sv,        // mixes alphabets
      "Zm9v\x80"sv,    // non-ASCII
      "Zm9v\0Zm9v"sv,  // NUL
  };
  for (const auto input : bad) {
    auto decoded = decode_base64(input);
    ASSERT_FALSE(decoded) << "accepted '" << input << "'";
    EXPECT_EQ(decoded.error().code, "invalidBase64");
  }
  auto decoded = decode_base64("Zm9v\0Zm9v"sv);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("offset 4"), std::string::npos) << decoded.error().message;
}

TEST(Base64, EmptyAndWhitespaceOnlyDecodeToNothing) {
  EXPECT_EQ(decode_base64("").value(), "");
  EXPECT_EQ(decode_base64(" \r\n").value(), "");
}

// The decoder is hand-written: check it against OpenSSL for every length 0..300 and both
// alphabets, padded and unpadded, and check the encoder against EVP_DecodeBlock.
TEST(Base64, AgreesWithOpenSslOnRandomData) {
  std::mt19937 rng(42);
  for (std::size_t n = 0; n <= 300; ++n) {
    const std::string bytes = random_bytes(rng, n);
    const std::string standard = openssl_encode(bytes);
    ASSERT_EQ(encode_base64(bytes), standard) << n;
    ASSERT_EQ(decode_base64(standard).value(), bytes) << n;
    ASSERT_EQ(decode_base64(to_url_safe_unpadded(standard)).value(), bytes) << n;

    std::string via_openssl(standard.size() / 4 * 3 + 1, '\0');
    const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(via_openssl.data()),
                                    reinterpret_cast<const unsigned char*>(standard.data()),
                                    static_cast<int>(standard.size()));
    ASSERT_GE(len, 0);
    via_openssl.resize(static_cast<std::size_t>(len));
    via_openssl.resize(bytes.size());  // EVP_DecodeBlock counts padding as zero bytes
    ASSERT_EQ(via_openssl, bytes) << n;
  }
}

TEST(Base64, RoundTripsAMegabyte) {
  std::mt19937 rng(7);
  const std::string bytes = random_bytes(rng, 1 << 20);
  const std::string encoded = encode_base64(bytes);
  EXPECT_EQ(encoded.size(), 4 * ((bytes.size() + 2) / 3));
  EXPECT_EQ(decode_base64(encoded).value(), bytes);
  EXPECT_GE(max_decoded_size(encoded.size()), bytes.size());
}

}  // namespace
}  // namespace vidserve::fetch
