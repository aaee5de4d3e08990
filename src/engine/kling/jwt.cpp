#include "engine/kling/jwt.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <chrono>

namespace vidserve::engine::kling {

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string make_kling_jwt(std::string_view access_key, std::string_view secret_key,
                           std::int64_t now_s, JwtTimes times) {
  // Member order is kept by boost::json::object, so the encoding is stable.
  boost::json::object payload;
  payload["iss"] = access_key;
  payload["exp"] = now_s + times.lifetime_s;
  payload["nbf"] = now_s - times.not_before_s;
  const std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                                    base64url(boost::json::serialize(payload));
  return signing_input + "." + base64url(hmac_sha256(secret_key, signing_input));
}

TokenCache::TokenCache(std::string access_key, std::string secret_key, Now now)
    : access_key_(std::move(access_key)), secret_key_(std::move(secret_key)), now_(std::move(now)) {
  if (!now_) {
    now_ = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

std::string TokenCache::token() {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  if (token_.empty() || now - minted_at_ >= kReuseSeconds || now < minted_at_) {
    token_ = make_kling_jwt(access_key_, secret_key_, now);
    minted_at_ = now;
  }
  return token_;
}

void TokenCache::invalidate() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

}  // namespace vidserve::engine::kling
