#pragma once
// Outbound HTTP with libcurl, safe against SSRF: only http/https; the client resolves each host
// itself, checks every address with the AddressGuard and pins libcurl to those addresses
// (CURLOPT_RESOLVE), and checks again at connect time (CURLOPT_OPENSOCKETFUNCTION), so neither
// DNS rebinding nor a proxy setting can redirect a request; GET follows redirects itself,
// re-checking each hop. Thread-safe: every call uses its own easy handle.
//
// Every transfer has a total deadline (FetchLimits::timeout: connecting, waiting and receiving,
// every redirect hop of a GET included), not only a connect limit, so a host that accepts the
// connection and never answers costs at most that long; and it ends within about a second once
// FetchLimits::cancel is raised (the fetch pool's stop flag).
//
// Error codes: "invalidUrl", "addressRefused", "fetchFailed" (DNS, connection, TLS, HTTP >= 400
// on GET, too many redirects), "fetchTimeout", "inputTooLarge", "fetchCancelled".
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "fetch/address_guard.hpp"
#include "fetch/blob.hpp"

namespace vidserve::fetch {

struct FetchLimits {
  std::size_t max_bytes = 64 * 1024 * 1024;
  std::chrono::milliseconds timeout{60'000};  // total: whole GET, every redirect hop included
  std::chrono::milliseconds connect_timeout{10'000};
  // When set and raised, the transfer stops with "fetchCancelled" (checked before it starts and
  // about once a second during it). Must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// The answer to request(): any status, with its body (up to FetchLimits::max_bytes).
struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;  // without parameters, lower case; "" when absent
  std::string location = {};  // HttpLoop downloads: a redirect's target
};

// What download() wrote.
struct DownloadInfo {
  std::size_t bytes = 0;
  std::string content_type;  // as for get(): declared, else sniffed from the first bytes
};

// The body of a streamed PUT, read piece by piece while it is sent: fills `buffer` with up to
// `size` bytes starting at `offset` of the body and returns how many (0 only at the end), or an
// error, which aborts the transfer. Called again from offset 0 when libcurl rewinds.
using BodyReader =
    std::function<Result<std::size_t>(std::uint64_t offset, char* buffer, std::size_t size)>;

// A streamed body: `size` bytes read through `read`.
struct StreamedBody {
  std::uint64_t size = 0;
  BodyReader read;
  std::string content_type;
};

struct HttpClientOptions {
  std::string user_agent = "vidserve/0.1";
  int max_redirects = 5;
  const Clock* clock = &SystemClock::instance();  // the deadline across redirects
};

class HttpClient {
 public:
  explicit HttpClient(AddressGuard guard, HttpClientOptions options = {});

  // Downloads a URL. content_type is the response's Content-Type (without parameters), or the
  // sniffed type when it is missing or application/octet-stream.
  Result<Blob> get(const std::string& url, const FetchLimits& limits) const;

  // Raw PUT of `bytes` (uploadEndpoint). Returns the HTTP status; redirects are not followed.
  Result<int> put(const std::string& url, std::string_view bytes, std::string_view content_type,
                  std::chrono::milliseconds timeout, const Headers& headers = {}) const;

  // PUT of a body read while it is sent (uploadEndpoint: media never sit in memory whole).
  // limits.timeout bounds the whole transfer, limits.cancel stops it, and a transfer slower than
  // 1 KiB/s for 30 s ends as "fetchTimeout". Returns the HTTP status;
  // redirects are not followed. An error of the reader is returned as it is.
  Result<int> put_stream(const std::string& url, const StreamedBody& body, const FetchLimits& limits,
                         const Headers& headers = {}) const;

  // POST of `body` with extra headers (webhooks). Returns the HTTP status; no redirects.
  Result<int> post(const std::string& url, std::string_view body, std::string_view content_type,
                   const Headers& headers, std::chrono::milliseconds timeout) const;

  // One API call: `method` GET, POST, PUT or DELETE; `body` and `content_type` are sent unless
  // empty. Returns the status and the body of every answer (4xx and 5xx too, for error
  // envelopes); redirects are not followed. A body over limits.max_bytes is "inputTooLarge".
  Result<HttpResponse> request(std::string_view method, const std::string& url,
                               std::string_view body, std::string_view content_type,
                               const Headers& headers, const FetchLimits& limits) const;

  // Like get(), but streams the body of the answer into the file at `path` (created or
  // truncated) instead of memory, so large media never sit in RAM. On error the file is removed.
  Result<DownloadInfo> download(const std::string& url, const std::string& path,
                                const FetchLimits& limits) const;

  const AddressGuard& guard() const { return guard_; }

 private:
  AddressGuard guard_;
  HttpClientOptions options_;
};

}  // namespace vidserve::fetch
