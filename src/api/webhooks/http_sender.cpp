#include "api/webhooks/http_sender.hpp"

#include <memory>

namespace vidserve::api::webhooks {

Sender http_sender(fetch::HttpClient client) {
  auto shared = std::make_shared<const fetch::HttpClient>(std::move(client));
  return [shared](const std::string& url, const std::string& body, const fetch::Headers& headers,
                  std::chrono::milliseconds timeout) {
    return shared->post(url, body, "application/json", headers, timeout);
  };
}

}  // namespace vidserve::api::webhooks
