#include "auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <chrono>
#include <limits>
#include <optional>

#include "common/clock.hpp"
#include "fetch/base64.hpp"

namespace vidserve::auth {

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

std::optional<std::string> decode_base64url_canonical(std::string_view part) {
  auto bytes = fetch::decode_base64(part);
  if (!bytes || base64url(*bytes) != part) return std::nullopt;
  return std::move(bytes).value();
}

namespace {

std::optional<boost::json::object> json_part(std::string_view part) {
  auto bytes = decode_base64url_canonical(part);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(*bytes, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::optional<std::int64_t> seconds_claim(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && v.get_double() > -9e15 && v.get_double() < 9e15) return static_cast<std::int64_t>(v.get_double());
  return std::nullopt;
}

// exp and nbf, once the signature is known good. Comparisons are written so that no claim value,
// however large, overflows: now_s and the limits are small, claims are only compared against them.
JwtCheck check_times(const boost::json::object& claims, std::int64_t now_s, const JwtLimits& limits,
                     std::int64_t& exp_in_s) {
  const auto* exp_value = claims.if_contains("exp");
  if (exp_value == nullptr) return JwtCheck::NoExpiry;
  const auto exp = seconds_claim(*exp_value);
  const auto* nbf_value = claims.if_contains("nbf");
  const auto nbf = nbf_value ? seconds_claim(*nbf_value) : std::nullopt;
  if (!exp || (nbf_value && !nbf)) return JwtCheck::Malformed;
  if (nbf && *nbf > now_s + limits.leeway_s) return JwtCheck::NotYetValid;
  if (*exp <= now_s - limits.leeway_s) return JwtCheck::Expired;
  if (*exp > now_s + limits.max_lifetime_s) {
    exp_in_s = *exp - now_s;
    return JwtCheck::TooLong;
  }
  return JwtCheck::Valid;
}

}  // namespace

JwtVerdict verify_kling_jwt(std::string_view token,
                            const std::function<std::string(std::string_view access_key)>& secret_for,
                            std::int64_t now_s, JwtLimits limits) {
  JwtVerdict verdict;
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return verdict;
  const auto header = json_part(token.substr(0, dot1));
  const auto claims = json_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = decode_base64url_canonical(token.substr(dot2 + 1));
  // Only HS256: accepting "none" or another alg would let a caller choose how it is checked.
  const auto* alg = header ? header->if_contains("alg") : nullptr;
  if (!claims || !signature || !alg || !alg->is_string() || alg->get_string() != "HS256") return verdict;
  const auto* iss = claims->if_contains("iss");
  if (!iss || !iss->is_string() || iss->get_string().empty()) return verdict;
  verdict.issuer = std::string(iss->get_string());
  const std::string secret = secret_for(verdict.issuer);
  if (secret.empty()) {
    verdict.check = JwtCheck::UnknownIssuer;
    return verdict;
  }
  const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    verdict.check = JwtCheck::BadSignature;
    return verdict;
  }
  verdict.check = check_times(*claims, now_s, limits, verdict.exp_in_s);
  return verdict;
}

TokenCache::TokenCache(std::string access_key, std::string secret_key, Now now)
    : access_key_(std::move(access_key)), secret_key_(std::move(secret_key)), now_(std::move(now)) {
  if (!now_) {
    now_ = [] { return SystemClock::instance().now_ms() / 1000; };
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

}  // namespace vidserve::auth
