#pragma once
// Standard Webhooks signatures (https://www.standardwebhooks.com): every delivery carries
//   webhook-id:        the message id, the same on every retry (receivers de-duplicate by it)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
// where the key is the base64-decoded part of the secret after "whsec_" (what the npm
// `standardwebhooks` package and the other reference libraries verify). HMAC from OpenSSL.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace vidserve::api::webhooks {

// "invalidWebhookSecret" unless the secret is "whsec_" followed by non-empty base64. The error
// never repeats the secret.
Status check_webhook_secret(std::string_view secret);

// The webhook-signature header value for one attempt.
Result<std::string> webhook_signature(std::string_view secret, std::string_view id,
                                      std::int64_t timestamp_s, std::string_view body);

}  // namespace vidserve::api::webhooks
