#include "fetch/http_client.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "common/io_error.hpp"
#include "common/text.hpp"
#include "fetch/content_sniff.hpp"
#include "fetch/curl_exchange.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/error_codes.hpp"
#include "fetch/fetch_pool.hpp"
#include "fetch/url_target.hpp"

namespace vidserve::fetch {

bool curl_global_ready() {
  static const bool ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ready;
}

namespace {

// The response's declared type, or the sniffed one when it declares nothing useful.
std::string content_type_of(std::string_view declared, std::string_view first_bytes) {
  auto type = normalize_content_type(declared);
  if (type.empty() || type == "application/octet-stream" || type == "binary/octet-stream") {
    const auto sniffed = sniff_content_type(first_bytes);
    if (!sniffed.empty()) type = sniffed;
    if (type.empty()) type = "application/octet-stream";
  }
  return type;
}

using std::chrono::milliseconds;

using namespace detail;

bool cancelled(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load();
}

std::string seconds(milliseconds ms) { return seconds_text(ms); }

Result<Outcome> transfer(const UrlTarget& target, const Request& request, const AddressGuard& guard,
                         const HttpClientOptions& options, Exchange& ex) {
  EasySetup setup;
  if (auto prepared = prepare_easy(setup, target, request, guard, options, ex); !prepared) return prepared.error();
  return easy_outcome(curl_easy_perform(setup.easy.get()), setup, target, request, ex);
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

HttpClient::HttpClient(AddressGuard guard, HttpClientOptions options)
    : guard_(std::move(guard)), options_(std::move(options)) {
  curl_global_ready();
}

namespace {

// Where download() writes: a file opened afresh for every hop (a redirect's own body is not the
// answer) and closed after it, saying whether everything reached the disk.
struct HopFile {
  std::function<Result<std::FILE*>()> open;
  std::function<bool()> close;
};

// GET with redirects followed, all hops within limits.timeout. On success `ex` holds the final
// answer (2xx), `display` names its URL and `written` says whether the hop file (if any) was.
Result<Outcome> get_following_redirects(const std::string& url, const FetchLimits& limits, const AddressGuard& guard,
                                        const HttpClientOptions& options, Exchange& ex, const HopFile* file,
                                        bool& written) {
  const auto deadline = options.clock->monotonic() + limits.timeout;
  std::string current = url;
  for (int hop = 0;; ++hop) {
    auto target = resolve_url_target(current, guard);
    if (!target) return target.error();
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - options.clock->monotonic());
    if (remaining.count() <= 0) {
      return Error{errc::kFetchTimeout, target->display + " was not reached within " +
                                            seconds(limits.timeout) + " (redirects included)."};
    }
    ex = Exchange{};
    if (file) {
      auto sink = file->open();
      if (!sink) return sink.error();
      ex.sink = *sink;
    }
    Request request;
    request.method = Method::get;
    request.timeout = remaining;
    request.connect_timeout = std::min(limits.connect_timeout, remaining);
    request.cancel = limits.cancel;
    ex.keep_body = true;
    ex.max_bytes = limits.max_bytes;
    auto outcome = transfer(*target, request, guard, options, ex);
    written = !file || file->close();
    if (!outcome) {
      if (outcome.error().code == errc::kFetchTimeout) {
        return Error{errc::kFetchTimeout, target->display + " did not answer completely within " +
                                              seconds(limits.timeout) + "."};
      }
      return outcome.error();
    }
    const long status = outcome->status;
    if (is_redirect(status) && !outcome->redirect_url.empty()) {
      if (hop >= options.max_redirects) {
        return Error{errc::kFetchFailed, "the URL redirects more than " +
                                             std::to_string(options.max_redirects) +
                                             " times (the last hop was " + target->display + ")."};
      }
      current = outcome->redirect_url;
      continue;
    }
    if (!http_success(status)) {
      return Error{errc::kFetchFailed,
                   "GET " + target->display + " answered HTTP " + std::to_string(status) +
                       (status >= 400 ? "." : ", which is not a usable answer.")};
    }
    return outcome;
  }
}

}  // namespace

Result<Blob> HttpClient::get(const std::string& url, const FetchLimits& limits) const {
  Exchange ex;
  bool written = true;
  auto outcome = get_following_redirects(url, limits, guard_, options_, ex, nullptr, written);
  if (!outcome) return outcome.error();
  Blob blob;
  blob.bytes = std::move(ex.body);
  blob.content_type = content_type_of(outcome->content_type, blob.bytes);
  return blob;
}

namespace {

// PUT and POST: send a body, follow no redirect, report the status.
Result<int> send_body(Method method, const std::string& url, std::string_view body,
                      std::string_view content_type, const Headers& headers,
                      std::chrono::milliseconds timeout, const AddressGuard& guard,
                      const HttpClientOptions& options) {
  auto target = resolve_url_target(url, guard);
  if (!target) return target.error();
  Request request;
  request.method = method;
  request.body = body;
  request.content_type = content_type;
  request.headers = &headers;
  request.timeout = timeout;
  request.connect_timeout = timeout;
  Exchange ex;
  auto outcome = transfer(*target, request, guard, options, ex);
  if (!outcome) return outcome.error();
  return static_cast<int>(outcome->status);
}

}  // namespace

Result<int> HttpClient::put(const std::string& url, std::string_view bytes,
                            std::string_view content_type, std::chrono::milliseconds timeout,
                            const Headers& headers) const {
  return send_body(Method::put, url, bytes, content_type, headers, timeout, guard_, options_);
}

Result<int> HttpClient::put_stream(const std::string& url, const StreamedBody& body,
                                   const FetchLimits& limits, const Headers& headers) const {
  if (!body.read) return Error{errc::kFetchFailed, "no body to send."};
  auto target = resolve_url_target(url, guard_);
  if (!target) return target.error();
  if (cancelled(limits.cancel)) return cancelled_error(target->display);
  Request request;
  request.method = Method::put;
  request.content_type = body.content_type;
  request.headers = &headers;
  request.timeout = limits.timeout;
  request.connect_timeout = std::min(limits.connect_timeout, limits.timeout);
  request.cancel = limits.cancel;
  Exchange ex;
  ex.stream = &body;
  auto outcome = transfer(*target, request, guard_, options_, ex);
  if (!outcome) return outcome.error();
  return static_cast<int>(outcome->status);
}

Result<int> HttpClient::post(const std::string& url, std::string_view body,
                             std::string_view content_type, const Headers& headers,
                             std::chrono::milliseconds timeout) const {
  return send_body(Method::post, url, body, content_type, headers, timeout, guard_, options_);
}

Result<HttpResponse> HttpClient::request(std::string_view method, const std::string& url,
                                         std::string_view body, std::string_view content_type,
                                         const Headers& headers, const FetchLimits& limits) const {
  Request request;
  if (method == "GET") {
    request.method = Method::get;
  } else if (method == "POST") {
    request.method = Method::post;
  } else if (method == "PUT") {
    request.method = Method::put;
  } else if (method == "DELETE") {
    request.method = Method::del;
  } else {
    return Error{errc::kInvalidMethod, "HTTP method '" + std::string(method.substr(0, 20)) +
                                           "' is not supported; use GET, POST, PUT or DELETE."};
  }
  auto target = resolve_url_target(url, guard_);
  if (!target) return target.error();
  request.body = body;
  request.content_type = content_type;
  request.headers = &headers;
  request.timeout = limits.timeout;
  request.connect_timeout = std::min(limits.connect_timeout, limits.timeout);
  request.cancel = limits.cancel;
  Exchange ex;
  ex.keep_body = true;
  ex.any_status = true;
  ex.max_bytes = limits.max_bytes;
  auto outcome = transfer(*target, request, guard_, options_, ex);
  if (!outcome) return outcome.error();
  HttpResponse response;
  response.status = static_cast<int>(outcome->status);
  response.body = std::move(ex.body);
  response.content_type = normalize_content_type(outcome->content_type);
  return response;
}

Result<DownloadInfo> HttpClient::download(const std::string& url, const std::string& path,
                                          const FetchLimits& limits) const {
  struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  const auto fail = [&](Error e) -> Result<DownloadInfo> {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return e;
  };
  std::unique_ptr<std::FILE, FileCloser> file;
  const HopFile hop_file{
      [&]() -> Result<std::FILE*> {
        file.reset(std::fopen(path.c_str(), "wb"));
        if (!file) return io_error(errno, "cannot create the file to download into");  // no path: clients see it
        return file.get();
      },
      [&] {
        const bool flushed = std::fflush(file.get()) == 0;
        file.reset();
        return flushed;
      }};
  Exchange ex;
  bool written = false;
  auto outcome = get_following_redirects(url, limits, guard_, options_, ex, &hop_file, written);
  if (!outcome) return fail(outcome.error());
  if (!written) return fail(io_error(errno ? errno : EIO, "cannot write the download to disk"));
  DownloadInfo info;
  info.bytes = ex.received;
  info.content_type = content_type_of(outcome->content_type, ex.head);
  return info;
}

}  // namespace vidserve::fetch
