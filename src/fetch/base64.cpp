#include "fetch/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "fetch/error_codes.hpp"

namespace vidserve::fetch {
namespace {

// Hand-written decoder: OpenSSL's EVP_DecodeBlock knows only the standard alphabet, needs
// padded input and silently turns a "=" in the middle into zero bits.
constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (std::uint8_t i = 0; i < 62; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
  t['+'] = 62;
  t['/'] = 63;
  t['-'] = 62;
  t['_'] = 63;
  return t;
}
constexpr auto kTable = make_table();

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) return std::string("'") + c + "'";
  static const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

Error bad(std::string message) {
  return Error{errc::kInvalidBase64, std::move(message)};
}

}  // namespace

Result<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(max_decoded_size(text.size()));
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0;  // alphabet characters seen
  std::size_t padding = 0;  // '=' seen (only at the end)
  bool standard = false, url_safe = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_space(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const std::uint8_t v = kTable[static_cast<unsigned char>(c)];
    if (v == kInvalid) {
      return bad("not base64: " + describe(c) + " at offset " + std::to_string(i) + ".");
    }
    if (padding > 0) {
      return bad("not base64: data after '=' padding at offset " + std::to_string(i) + ".");
    }
    if (c == '+' || c == '/') standard = true;
    if (c == '-' || c == '_') url_safe = true;
    if (standard && url_safe) {
      return bad("not base64: mixes the standard (+/) and URL-safe (-_) alphabets.");
    }
    acc = (acc << 6) | v;
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (symbols % 4 == 1) {
    return bad("not base64: " + std::to_string(symbols) +
               " characters cannot encode whole bytes (a character is missing or extra).");
  }
  if (padding > 0) {
    const std::size_t expected = symbols % 4 == 0 ? 0 : 4 - symbols % 4;
    if (padding != expected) {
      return bad("not base64: " + std::to_string(padding) + " '=' padding characters where " +
                 std::to_string(expected) + " belong.");
    }
  }
  return out;
}

std::string encode_base64(std::string_view bytes) {
  // EVP_EncodeBlock takes an int length, so encode in chunks of whole 3-byte groups.
  constexpr std::size_t kChunk = 3 * 1024 * 1024;
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // +1: EVP_EncodeBlock writes a NUL
  std::size_t written = 0;
  for (std::size_t pos = 0; pos < bytes.size(); pos += kChunk) {
    const std::size_t n = std::min(kChunk, bytes.size() - pos);
    written += static_cast<std::size_t>(EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data() + written),
        reinterpret_cast<const unsigned char*>(bytes.data() + pos), static_cast<int>(n)));
  }
  out.resize(written);
  return out;
}

std::size_t max_decoded_size(std::size_t encoded_length) {
  return encoded_length / 4 * 3 + 3;
}

}  // namespace vidserve::fetch
