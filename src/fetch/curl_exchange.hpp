#pragma once
// One libcurl transfer as HttpClient sets it up, shared by HttpClient (one blocking transfer per
// call) and HttpLoop (transfers driven by a multi handle): the easy handle with its SSRF
// protections (only http/https, no proxy, pinned to the checked addresses with CURLOPT_RESOLVE,
// every new connection checked again in CURLOPT_OPENSOCKETFUNCTION), the callbacks that keep a
// body within its limit, and the reading of the result. Internal to src/fetch.
#include <curl/curl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "fetch/address_guard.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/http_client.hpp"
#include "fetch/url_target.hpp"

namespace vidserve::fetch::detail {

enum class Method { get, put, post, del };

// What one transfer needs; the callbacks reach it through their user pointer.
struct Exchange {
  CURL* handle = nullptr;
  const AddressGuard* guard = nullptr;
  // Download (GET): the body of a 2xx answer is kept, up to max_bytes.
  bool keep_body = false;
  std::size_t max_bytes = 0;
  std::string body;
  // request(): keep the body of every status, not only 2xx.
  bool any_status = false;
  // download(): the kept body goes to this file instead of `body`; `head` keeps its first bytes
  // for sniffing the type.
  std::FILE* sink = nullptr;
  std::size_t received = 0;
  std::string head;
  bool sink_failed = false;
  int sink_errno = 0;  // of the failed write
  bool too_large = false;
  long long content_length = -1;  // of the current header block
  // Upload (PUT): from `upload`, or through `stream` when set.
  std::string_view upload;
  std::size_t upload_pos = 0;
  const StreamedBody* stream = nullptr;
  std::optional<Error> stream_error;
  // Set when the connect-time check refused an address.
  std::string refused;
  const std::atomic<bool>* cancel = nullptr;
};

struct Outcome {
  long status = 0;
  std::string content_type;
  std::string redirect_url;
};

struct Request {
  Method method = Method::get;
  std::string_view body;
  std::string_view content_type;
  const Headers* headers = nullptr;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds connect_timeout{0};
  const std::atomic<bool>* cancel = nullptr;
};


// The easy handle of one transfer and what its options point to; lives until the transfer ended.
struct EasySetup {
  CurlEasyPtr easy;
  CurlSlistPtr headers;
  CurlSlistPtr resolve;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

// Sets up `setup.easy` for `request` to `target`; `ex` (the callbacks' state) and `setup` must
// stay where they are until the transfer ended.
Status prepare_easy(EasySetup& setup, const UrlTarget& target, const Request& request,
                    const AddressGuard& guard, const HttpClientOptions& options, Exchange& ex);

// The result of a transfer that ended with `rc`: the answer's status and headers, or the error.
Result<Outcome> easy_outcome(CURLcode rc, const EasySetup& setup, const UrlTarget& target, const Request& request,
                             const Exchange& ex);

Error cancelled_error(const std::string& display);
std::string seconds_text(std::chrono::milliseconds ms);

}  // namespace vidserve::fetch::detail
