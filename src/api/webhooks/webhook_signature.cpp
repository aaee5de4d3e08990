#include "api/webhooks/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "api/wire/error_codes.hpp"
#include "fetch/base64.hpp"

namespace vidserve::api::webhooks {

namespace {

constexpr std::string_view kPrefix = "whsec_";

Result<std::string> secret_key(std::string_view secret) {
  if (!secret.starts_with(kPrefix) || secret.size() == kPrefix.size()) {
    return Error{wire::errc::kInvalidWebhookSecret,
                 "a webhook secret is \"whsec_\" followed by base64"};
  }
  auto key = fetch::decode_base64(secret.substr(kPrefix.size()));
  if (!key || key->empty()) {
    return Error{wire::errc::kInvalidWebhookSecret,
                 "the webhook secret after \"whsec_\" is not valid base64"};
  }
  return key;
}

}  // namespace

Status check_webhook_secret(std::string_view secret) {
  auto key = secret_key(secret);
  if (!key) return key.error();
  return Ok{};
}

Result<std::string> webhook_signature(std::string_view secret, std::string_view id,
                                      std::int64_t timestamp_s, std::string_view body) {
  auto key = secret_key(secret);
  if (!key) return key.error();
  const std::string signed_content =
      std::string(id) + "." + std::to_string(timestamp_s) + "." + std::string(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(),
           mac.data(), &length) == nullptr) {
    return Error{wire::errc::kInvalidWebhookSecret, "HMAC-SHA256 failed"};
  }
  return "v1," +
         fetch::encode_base64(std::string_view(reinterpret_cast<const char*>(mac.data()), length));
}

}  // namespace vidserve::api::webhooks
