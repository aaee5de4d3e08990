#include "fetch/curl_exchange.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/io_error.hpp"
#include "common/text.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::fetch::detail {

namespace {

namespace ip = boost::asio::ip;

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


// The method and, for PUT and POST, the body.
void set_method(CURL* h, const Request& request, Exchange& ex) {
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
}

}  // namespace

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}


Error cancelled_error(const std::string& display) {
  return Error{errc::kFetchCancelled,
               "the fetch of " + display + " was abandoned: the server is stopping."};
}


Status prepare_easy(EasySetup& setup, const UrlTarget& target, const Request& request,
                    const AddressGuard& guard, const HttpClientOptions& options, Exchange& ex) {
  if (!curl_global_ready()) return Error{errc::kFetchFailed, "libcurl could not be initialised."};
  setup.easy.reset(curl_easy_init());
  if (!setup.easy) return Error{errc::kFetchFailed, "libcurl could not create a handle."};
  CURL* h = setup.easy.get();
  ex.handle = h;
  ex.guard = &guard;
  ex.cancel = request.cancel;
  if (request.cancel != nullptr && request.cancel->load()) return cancelled_error(target.display);

  auto headers = header_list(request);
  if (!headers) return headers.error();
  setup.headers = std::move(headers).value();
  if (!target.host_is_literal && !slist_append(setup.resolve, curl_resolve_entry(target))) {
    return Error{errc::kFetchFailed, "out of memory building the resolve list."};
  }

  curl_easy_setopt(h, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // ignore http_proxy & co.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, setup.error_buffer.data());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, request.timeout.count())));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, request.connect_timeout.count())));
  if (setup.resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, setup.resolve.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &ex);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
  if (setup.headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, setup.headers.get());
  if (request.cancel != nullptr) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ex);
  }

  set_method(h, request, ex);
  return Ok{};
}

Result<Outcome> easy_outcome(CURLcode rc, const EasySetup& setup, const UrlTarget& target, const Request& request,
                             const Exchange& ex) {
  CURL* h = setup.easy.get();
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
                                            seconds_text(request.timeout) + "."};
    }
    const std::string detail =
        setup.error_buffer[0] != '\0' ? setup.error_buffer.data() : curl_easy_strerror(rc);
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


}  // namespace vidserve::fetch::detail
