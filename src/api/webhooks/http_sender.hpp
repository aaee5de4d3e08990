#pragma once
// The webhook notifier's Sender over fetch::HttpClient: the same SSRF guard as URL inputs
// (loopback, private and metadata addresses refused unless VIDSERVE_FETCH_ALLOW lists them, the
// connection pinned to the checked address), a JSON body, redirects not followed.
#include "api/webhooks/webhook_notifier.hpp"
#include "fetch/http_client.hpp"

namespace vidserve::api::webhooks {

Sender http_sender(fetch::HttpClient client);

}  // namespace vidserve::api::webhooks
