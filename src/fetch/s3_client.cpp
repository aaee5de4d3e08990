#include "fetch/s3_client.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "common/error_codes.hpp"
#include "common/io_error.hpp"
#include "common/text.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/error_codes.hpp"
#include "fetch/s3_xml.hpp"

namespace vidserve::fetch {

namespace {

using std::chrono::milliseconds;

// What is kept of an error answer's body (an XML <Error>).
constexpr std::uint64_t kErrorBodyLimit = 16 * 1024;
// A ListObjectsV2 page: 1000 keys of up to 1024 bytes, with their metadata.
constexpr std::uint64_t kListBodyLimit = 8 << 20;
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

enum class Verb { get, put, head, del };

const char* verb_name(Verb verb) {
  switch (verb) {
    case Verb::get:
      return "GET";
    case Verb::put:
      return "PUT";
    case Verb::head:
      return "HEAD";
    case Verb::del:
      return "DELETE";
  }
  return "GET";
}

// One S3 request.
struct Call {
  Verb verb = Verb::get;
  std::string key;    // "" = the bucket itself
  std::string query;  // canonical: names sorted, names and values encoded
  std::vector<std::string> headers;
  const std::filesystem::path* upload = nullptr;  // PUT: the body
  std::uint64_t max_body = kErrorBodyLimit;       // of a 2xx answer
  // A range: the first max_body bytes of a longer answer are kept and the rest is not read
  // (servers that send more than the range asked for); otherwise a longer body is too large.
  bool prefix_only = false;
  milliseconds timeout{0};
};

struct Answer {
  long status = 0;
  std::string body;
  long long content_length = -1;
  std::string content_type;
  std::string etag;
  std::string content_range;  // "bytes 3-6/10"
};

// The state the callbacks of one attempt share.
struct Attempt {
  CURL* handle = nullptr;
  const Call* call = nullptr;
  Answer answer;
  bool too_large = false;
  bool enough = false;  // prefix_only: every byte wanted has come
  std::FILE* source = nullptr;
  int source_errno = 0;  // a failed read of the upload
};

std::string header_value(std::string_view line, std::size_t name_length) {
  return std::string(text::trim_blanks(line.substr(name_length)));
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* at = static_cast<Attempt*>(user);
  const std::size_t length = size * count;
  std::string_view line(data, length);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (text::istarts_with(line, "http/")) {
    at->answer = Answer{};  // a new header block (after 100 Continue)
  } else if (text::istarts_with(line, "content-length:")) {
    const auto value = header_value(line, 15);
    char* end = nullptr;
    const long long parsed = std::strtoll(value.c_str(), &end, 10);
    at->answer.content_length = (!value.empty() && *end == '\0' && parsed >= 0) ? parsed : -1;
  } else if (text::istarts_with(line, "content-type:")) {
    at->answer.content_type = header_value(line, 13);
  } else if (text::istarts_with(line, "etag:")) {
    at->answer.etag = header_value(line, 5);
  } else if (text::istarts_with(line, "content-range:")) {
    at->answer.content_range = header_value(line, 14);
  }
  return length;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* at = static_cast<Attempt*>(user);
  const std::size_t length = size * count;
  if (!http_success(response_code(at->handle))) {  // an error body: keep its beginning
    const auto room =
        kErrorBodyLimit - std::min<std::uint64_t>(kErrorBodyLimit, at->answer.body.size());
    at->answer.body.append(data, std::min<std::size_t>(length, room));
    return length;
  }
  const auto limit = at->call->max_body;
  const auto room = limit - at->answer.body.size();
  if (at->call->prefix_only && length > room) {
    at->answer.body.append(data, static_cast<std::size_t>(room));
    at->enough = true;
    return 0;  // ends the transfer: the rest is not wanted
  }
  const bool declared_too_large = at->answer.content_length >= 0 &&
                                  static_cast<std::uint64_t>(at->answer.content_length) > limit;
  if ((declared_too_large && !at->call->prefix_only) || length > room) {
    at->too_large = true;
    return 0;  // aborts the transfer
  }
  at->answer.body.append(data, length);
  return length;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* at = static_cast<Attempt*>(user);
  const std::size_t n = std::fread(buffer, 1, size * count, at->source);
  if (n == 0 && std::ferror(at->source)) {
    at->source_errno = errno != 0 ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  return n;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto* at = static_cast<Attempt*>(user);
  return fseeko(at->source, static_cast<off_t>(offset), origin) == 0 ? CURL_SEEKFUNC_OK
                                                                     : CURL_SEEKFUNC_CANTSEEK;
}

// Transport failures worth another attempt: the store did not answer (in time, or at all).
bool retryable(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool retryable(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

}  // namespace

// The parts of S3Client that need libcurl, kept out of the header.
class S3Transport {
 public:
  S3Transport(const S3Bucket& bucket, const S3Credentials& credentials,
              const S3ClientOptions& options)
      : bucket_(bucket), credentials_(credentials), options_(options) {}

  // The call, retried as the options allow. An answer of any status, or a transport error.
  Result<Answer> perform(const Call& call) const;
  // "S3 GET bucket/key"
  std::string describe(const Call& call) const {
    return std::string("S3 ") + verb_name(call.verb) + " " + bucket_.name +
           (call.key.empty() ? "" : "/" + call.key);
  }
  // The error for an answer the call did not expect.
  Error status_error(const Call& call, const Answer& answer) const;

 private:
  // One attempt; `retry` says whether a failure is worth another.
  Result<Answer> attempt(const Call& call, bool& retry) const;
  Result<CurlSlistPtr> header_list(const Call& call) const;
  // Everything but the URL, the error buffer, the signing scope and the headers.
  void configure(CURL* h, const Call& call, Attempt& at, curl_off_t upload_size) const;

  const S3Bucket& bucket_;
  const S3Credentials& credentials_;
  const S3ClientOptions& options_;
};

Result<CurlSlistPtr> S3Transport::header_list(const Call& call) const {
  std::vector<std::string> lines = call.headers;
  // Signed by libcurl with the request; UNSIGNED-PAYLOAD for an upload read while it is sent.
  lines.push_back(std::string("x-amz-content-sha256: ") +
                  std::string(call.upload != nullptr ? "UNSIGNED-PAYLOAD" : kEmptySha256));
  if (!credentials_.session_token.empty()) {
    lines.push_back("x-amz-security-token: " + credentials_.session_token);
  }
  CurlSlistPtr list;
  for (const auto& line : lines) {
    if (!slist_append(list, line)) {
      return Error{errc::kObjectStoreFailed, "out of memory building request headers"};
    }
  }
  return list;
}

void S3Transport::configure(CURL* h, const Call& call, Attempt& at, curl_off_t upload_size) const {
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // the operator's endpoint, reached directly
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "vidserve/0.1");
  curl_easy_setopt(h, CURLOPT_USERNAME, credentials_.access_key_id.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, credentials_.secret_access_key.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, options_.connect_timeout.count())));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, call.timeout.count())));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &at);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &at);
  switch (call.verb) {
    case Verb::get:
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      break;
    case Verb::head:
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
      break;
    case Verb::del:
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case Verb::put:
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, &at);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &at);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, upload_size);
      break;
  }
}

Result<Answer> S3Transport::attempt(const Call& call, bool& retry) const {
  retry = false;
  if (!curl_global_ready()) return Error{errc::kObjectStoreFailed, "libcurl could not start"};
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) return Error{errc::kObjectStoreFailed, "libcurl could not create a handle"};
  auto headers = header_list(call);
  if (!headers) return headers.error();
  Attempt at;
  at.handle = easy.get();
  at.call = &call;
  std::unique_ptr<std::FILE, FileCloser> source;
  struct stat st {};
  if (call.upload != nullptr) {
    source.reset(std::fopen(call.upload->c_str(), "rb"));
    if (!source || ::fstat(::fileno(source.get()), &st) != 0) {
      return io_error(errno, "cannot read the file to upload");
    }
    at.source = source.get();
  }
  const std::string url =
      bucket_.endpoint + s3_path(bucket_, call.key) + (call.query.empty() ? "" : "?" + call.query);
  const std::string sigv4 = "aws:amz:" + bucket_.region + ":s3";
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer.data());
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers->get());
  configure(h, call, at, static_cast<curl_off_t>(st.st_size));
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK && !at.enough) {
    if (at.source_errno != 0) return io_error(at.source_errno, "cannot read the file to upload");
    if (at.too_large) {
      return Error{errc::kInputTooLarge, describe(call) +
                                             ": the object is larger than the limit of " +
                                             std::to_string(call.max_body) + " bytes"};
    }
    retry = retryable(rc);
    const std::string detail =
        error_buffer[0] != '\0' ? error_buffer.data() : curl_easy_strerror(rc);
    return Error{retry ? errc::kObjectStoreUnavailable : errc::kObjectStoreFailed,
                 describe(call) + ": " + detail};
  }
  at.answer.status = response_code(h);
  retry = retryable(at.answer.status);
  return std::move(at.answer);
}

Result<Answer> S3Transport::perform(const Call& call) const {
  auto backoff = options_.first_backoff;
  const int attempts = std::max(1, options_.max_attempts);
  for (int n = 1;; ++n) {
    bool retry = false;
    auto answer = attempt(call, retry);
    if (!retry || n >= attempts) {
      if (!answer && retry) {
        return Error{answer.error().code,
                     answer.error().message + " (" + std::to_string(n) + " attempts)"};
      }
      return answer;
    }
    options_.clock->sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Error S3Transport::status_error(const Call& call, const Answer& answer) const {
  const auto body = parse_s3_error(answer.body);
  std::string message = describe(call) + ": HTTP " + std::to_string(answer.status);
  if (!body.code.empty()) message += " " + body.code;
  if (!body.message.empty()) message += ": " + body.message;
  if (answer.status == 403) {
    return Error{errc::kObjectStoreDenied,
                 message +
                     " (the object store refused the request: check AWS_ACCESS_KEY_ID, "
                     "AWS_SECRET_ACCESS_KEY, the region and the bucket's permissions)"};
  }
  if (answer.status == 404) {
    const bool no_bucket = body.code == "NoSuchBucket" || (call.key.empty() && body.code.empty());
    return Error{no_bucket ? errc::kNoSuchBucket : vidserve::errc::kNotFound, message};
  }
  if (answer.status >= 500 || answer.status == 429) {
    return Error{errc::kObjectStoreUnavailable, message};
  }
  return Error{errc::kObjectStoreFailed, message};
}

S3Client::S3Client(S3Bucket bucket, S3Credentials credentials, S3ClientOptions options)
    : bucket_(std::move(bucket)), credentials_(std::move(credentials)), options_(options) {
  curl_global_ready();
}

namespace {

// The answer when it has the status `expected`, else the error it means.
Result<Answer> expect(const S3Transport& transport, const Call& call, long expected) {
  auto answer = transport.perform(call);
  if (!answer) return answer.error();
  if (answer->status != expected && !(expected == 200 && answer->status == 204)) {
    return transport.status_error(call, *answer);
  }
  return answer;
}

}  // namespace

Status S3Client::head_bucket() const {
  const S3Transport transport(bucket_, credentials_, options_);
  Call call;
  call.verb = Verb::head;
  call.timeout = options_.request_timeout;
  auto answer = expect(transport, call, 200);
  if (!answer) {
    if (answer.error().code == errc::kNoSuchBucket) {
      return Error{errc::kNoSuchBucket, "the bucket '" + bucket_.name + "' does not exist at " +
                                            bucket_.endpoint + " (" + answer.error().message + ")"};
    }
    return answer.error();
  }
  return Ok{};
}

Status S3Client::put_file(const std::string& key, const std::filesystem::path& file,
                          const std::string& content_type) const {
  const S3Transport transport(bucket_, credentials_, options_);
  Call call;
  call.verb = Verb::put;
  call.key = key;
  call.upload = &file;
  call.headers.push_back("Content-Type: " + content_type);
  call.timeout = options_.transfer_timeout;
  auto answer = expect(transport, call, 200);
  if (!answer) return answer.error();
  return Ok{};
}

Result<std::string> S3Client::get(const std::string& key, std::uint64_t max_bytes) const {
  const S3Transport transport(bucket_, credentials_, options_);
  Call call;
  call.key = key;
  call.max_body = max_bytes;
  call.timeout = options_.transfer_timeout;
  auto answer = expect(transport, call, 200);
  if (!answer) return answer.error();
  return std::move(answer->body);
}

Result<std::string> S3Client::get_range(const std::string& key, std::uint64_t offset,
                                        std::uint64_t length) const {
  const S3Transport transport(bucket_, credentials_, options_);
  Call call;
  call.key = key;
  call.max_body = length;
  call.prefix_only = true;
  call.timeout = options_.request_timeout;
  call.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" +
                         std::to_string(offset + length - 1));
  auto answer = transport.perform(call);
  if (!answer) return answer.error();
  // What came back starts at `offset`: a 206 whose Content-Range says so, or a 200 (a server that
  // ignores Range sends the whole object) when the range starts at 0. Bytes past the range (some
  // servers answer bytes=0-0 with more) were not read.
  const bool from_offset =
      answer->status == 206 &&
      answer->content_range.rfind("bytes " + std::to_string(offset) + "-", 0) == 0;
  if (!from_offset && !(answer->status == 200 && offset == 0)) {
    if (answer->status == 200 || answer->status == 206) {
      return Error{errc::kObjectStoreFailed,
                   transport.describe(call) + ": the answer (HTTP " +
                       std::to_string(answer->status) + ", " + answer->content_range +
                       ") does not start at byte " + std::to_string(offset)};
    }
    return transport.status_error(call, *answer);
  }
  if (answer->body.size() != length) {
    return Error{errc::kObjectStoreFailed, transport.describe(call) + ": " +
                                               std::to_string(answer->body.size()) + " of " +
                                               std::to_string(length) + " bytes came back"};
  }
  return std::move(answer->body);
}

Result<S3ObjectInfo> S3Client::head(const std::string& key) const {
  const S3Transport transport(bucket_, credentials_, options_);
  Call call;
  call.verb = Verb::head;
  call.key = key;
  call.timeout = options_.request_timeout;
  auto answer = expect(transport, call, 200);
  if (!answer) return answer.error();
  if (answer->content_length < 0) {
    return Error{errc::kObjectStoreFailed, transport.describe(call) + ": no Content-Length"};
  }
  return S3ObjectInfo{static_cast<std::uint64_t>(answer->content_length),
                      std::move(answer->content_type), std::move(answer->etag)};
}

Status S3Client::remove(const std::string& key) const {
  const S3Transport transport(bucket_, credentials_, options_);
  Call call;
  call.verb = Verb::del;
  call.key = key;
  call.timeout = options_.request_timeout;
  auto answer = transport.perform(call);
  if (!answer) return answer.error();
  // S3 answers 204 whether or not the object existed; some servers answer 404 when it did not.
  if (answer->status == 204 || answer->status == 200 ||
      (answer->status == 404 && parse_s3_error(answer->body).code != "NoSuchBucket")) {
    return Ok{};
  }
  return transport.status_error(call, *answer);
}

Result<S3Listing> S3Client::list(const std::string& prefix, std::size_t max_keys) const {
  const S3Transport transport(bucket_, credentials_, options_);
  S3Listing listing;
  std::string token;
  while (listing.keys.size() < max_keys) {
    const auto wanted =
        std::min(std::max<std::size_t>(1, options_.list_page_keys), max_keys - listing.keys.size());
    Call call;
    call.max_body = kListBodyLimit;
    call.timeout = options_.request_timeout;
    // Sorted by name, as libcurl signs the query as it is.
    call.query = (token.empty() ? "" : "continuation-token=" + s3_uri_encode(token, false) + "&") +
                 "list-type=2&max-keys=" + std::to_string(wanted) +
                 "&prefix=" + s3_uri_encode(prefix, false);
    auto answer = expect(transport, call, 200);
    if (!answer) return answer.error();
    auto page = parse_s3_list_page(answer->body);
    if (!page)
      return Error{page.error().code, transport.describe(call) + ": " + page.error().message};
    if (page->keys.size() > wanted || (page->truncated && page->keys.empty())) {
      return Error{errc::kObjectStoreFailed,
                   transport.describe(call) + ": a listing page that makes no progress"};
    }
    listing.keys.insert(listing.keys.end(), page->keys.begin(), page->keys.end());
    if (!page->truncated) return listing;
    token = std::move(page->next_token);
  }
  listing.truncated = true;
  return listing;
}

}  // namespace vidserve::fetch
