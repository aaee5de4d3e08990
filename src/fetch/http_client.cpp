#include "fetch/http_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

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

namespace ip = boost::asio::ip;
using std::chrono::milliseconds;

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
  milliseconds timeout{0};
  milliseconds connect_timeout{0};
  const std::atomic<bool>* cancel = nullptr;
};

// Header lines arrive one by one; at the blank line that ends a block the declared length of a
// 2xx body is compared with the limit, so an oversized download stops before its first byte.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t length = size * count;
  const std::string_view line(data, length);
  if (text::istarts_with(line, "http/")) {
    ex->content_length = -1;
  } else if (text::istarts_with(line, "content-length:")) {
    long long value = 0;
    bool digits = false;
    for (const char c : line.substr(15)) {
      if (c >= '0' && c <= '9') {
        digits = true;
        value = value > (1LL << 52) ? value : value * 10 + (c - '0');
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        digits = false;
        break;
      }
    }
    ex->content_length = digits ? value : -1;
  } else if ((line == "\r\n" || line == "\n") && ex->keep_body &&
             http_success(response_code(ex->handle)) && ex->content_length >= 0 &&
             static_cast<unsigned long long>(ex->content_length) > ex->max_bytes) {
    ex->too_large = true;
    return 0;
  }
  return length;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t length = size * count;
  if (!ex->keep_body || (!ex->any_status && !http_success(response_code(ex->handle)))) {
    return length;  // discarded
  }
  if (ex->sink != nullptr) {
    if (length > ex->max_bytes - ex->received) {
      ex->too_large = true;
      return 0;
    }
    if (ex->head.size() < 64)
      ex->head.append(data, std::min<std::size_t>(length, 64 - ex->head.size()));
    errno = 0;
    if (std::fwrite(data, 1, length, ex->sink) != length) {
      ex->sink_failed = true;
      ex->sink_errno = errno ? errno : EIO;
      return 0;
    }
    ex->received += length;
    return length;
  }
  if (length > ex->max_bytes - ex->body.size()) {
    ex->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  ex->body.append(data, length);
  return length;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  if (ex->stream != nullptr) {
    if (ex->upload_pos >= ex->stream->size) return 0;
    const auto wanted = static_cast<std::size_t>(
        std::min<std::uint64_t>(size * count, ex->stream->size - ex->upload_pos));
    auto got = ex->stream->read(ex->upload_pos, buffer, wanted);
    if (!got || *got == 0 || *got > wanted) {
      ex->stream_error = got ? Error{errc::kFetchFailed, "the body ended before its declared size."}
                             : got.error();
      return CURL_READFUNC_ABORT;
    }
    ex->upload_pos += *got;
    return *got;
  }
  const std::size_t n = std::min(size * count, ex->upload.size() - ex->upload_pos);
  std::memcpy(buffer, ex->upload.data() + ex->upload_pos, n);
  ex->upload_pos += n;
  return n;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto* ex = static_cast<Exchange*>(user);
  const std::uint64_t size = ex->stream != nullptr ? ex->stream->size : ex->upload.size();
  if (origin != SEEK_SET || offset < 0 || static_cast<std::uint64_t>(offset) > size) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  ex->upload_pos = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// The last line of defence: whatever libcurl was about to connect to is checked again.
curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* ex = static_cast<Exchange*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  IpAddress ip_address;
  if (address->family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &address->addr, sizeof sin);
    ip::address_v4::bytes_type b{};
    std::memcpy(b.data(), &sin.sin_addr, b.size());
    ip_address = ip::address_v4(b);
  } else if (address->family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &address->addr, sizeof sin6);
    ip::address_v6::bytes_type b{};
    std::memcpy(b.data(), &sin6.sin6_addr, b.size());
    ip_address = ip::address_v6(b, sin6.sin6_scope_id);
  } else {
    ex->refused = "only IPv4 and IPv6 connections are made.";
    return CURL_SOCKET_BAD;
  }
  if (auto status = ex->guard->check(ip_address); !status) {
    ex->refused = status.error().message;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// libcurl calls this about once a second even while nothing arrives; non-zero aborts.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* ex = static_cast<const Exchange*>(user);
  return ex->cancel != nullptr && ex->cancel->load() ? 1 : 0;
}

bool cancelled(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load();
}

Error cancelled_error(const std::string& display) {
  return Error{errc::kFetchCancelled,
               "the fetch of " + display + " was abandoned: the server is stopping."};
}

std::string seconds(milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}

bool header_text_ok(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

Result<CurlSlistPtr> header_list(const Request& request) {
  CurlSlistPtr list;
  std::vector<std::string> lines;
  if (!request.content_type.empty())
    lines.push_back("Content-Type: " + std::string(request.content_type));
  if (request.headers != nullptr) {
    for (const auto& [name, value] : *request.headers) {
      const bool name_ok =
          !name.empty() && header_text_ok(name) && name.find_first_of(": \t") == std::string::npos;
      if (!name_ok || !header_text_ok(value)) {
        return Error{errc::kInvalidHeader,
                     "header '" + name.substr(0, 100) +
                         "' has an empty or malformed name or a line break in its value."};
      }
      // "Name:" would tell libcurl to drop the header; "Name;" sends it empty.
      lines.push_back(value.empty() ? name + ";" : name + ": " + value);
    }
  }
  if (request.method != Method::get) lines.push_back("Expect:");  // no 100-continue round trip
  for (const auto& line : lines) {
    if (!slist_append(list, line))
      return Error{errc::kFetchFailed, "out of memory building request headers."};
  }
  return list;
}

Result<Outcome> transfer(const UrlTarget& target, const Request& request, const AddressGuard& guard,
                         const HttpClientOptions& options, Exchange& ex) {
  if (!curl_global_ready()) return Error{errc::kFetchFailed, "libcurl could not be initialised."};
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) return Error{errc::kFetchFailed, "libcurl could not create a handle."};
  CURL* h = easy.get();
  ex.handle = h;
  ex.guard = &guard;
  ex.cancel = request.cancel;
  if (cancelled(request.cancel)) return cancelled_error(target.display);

  auto headers = header_list(request);
  if (!headers) return headers.error();
  CurlSlistPtr resolve;
  if (!target.host_is_literal && !slist_append(resolve, curl_resolve_entry(target))) {
    return Error{errc::kFetchFailed, "out of memory building the resolve list."};
  }
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  curl_easy_setopt(h, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // ignore http_proxy & co.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, request.timeout.count())));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, request.connect_timeout.count())));
  if (resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &ex);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
  if (headers.value()) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.value().get());
  if (request.cancel != nullptr) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ex);
  }

  switch (request.method) {
    case Method::get:
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      break;
    case Method::put:
      if (ex.stream == nullptr) ex.upload = request.body;
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, &ex);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &ex);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(ex.stream != nullptr ? ex.stream->size : request.body.size()));
      if (ex.stream != nullptr) {
        // A receiver that takes the body slower than 1 KiB/s for 30 s ends the attempt (a large
        // media may take long; a trickle must not hold a worker for the whole timeout).
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
      }
      break;
    case Method::post:
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      break;
    case Method::del:
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
  }

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (!ex.refused.empty())
      return Error{errc::kAddressRefused, target.display + ": " + ex.refused};
    if (ex.stream_error) return *ex.stream_error;
    if (rc == CURLE_ABORTED_BY_CALLBACK) return cancelled_error(target.display);
    // A full disk is the server's trouble, not the URL's (storageFull defers a task).
    if (ex.sink_failed) return io_error(ex.sink_errno, "cannot write the body of " + target.display + " to disk");
    if (ex.too_large) {
      return Error{errc::kInputTooLarge, target.display + " is larger than the limit of " +
                                             std::to_string(ex.max_bytes) + " bytes."};
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return Error{errc::kFetchTimeout, target.display + " did not answer completely within " +
                                            seconds(request.timeout) + "."};
    }
    const std::string detail =
        error_buffer[0] != '\0' ? error_buffer.data() : curl_easy_strerror(rc);
    return Error{errc::kFetchFailed, target.display + ": " + detail + "."};
  }
  Outcome out;
  out.status = response_code(h);
  const char* content_type = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK &&
      content_type != nullptr) {
    out.content_type = content_type;
  }
  const char* location = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location != nullptr) {
    out.redirect_url = location;
  }
  return out;
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
