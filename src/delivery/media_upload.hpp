#pragma once
// uploadEndpoint: a stored media PUT to the client's URL, streamed from the MediaStore in chunks
// (never read into memory whole), with its Content-Type, retried with backoff while the receiver
// may recover (no answer, 408, 429, 5xx). The transport is injected: the server passes
// fetch::HttpClient::put_stream, whose SSRF guard refuses private addresses unless allowed.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "delivery/media_store.hpp"
#include "fetch/http_client.hpp"

namespace vidserve::delivery {

// Sends one streamed PUT; the HTTP status of the answer, or an error when there was none.
using PutStream = std::function<Result<int>(const std::string& url, const fetch::StreamedBody& body)>;

struct UploadOptions {
  int attempts = 4;                               // the first one included
  std::chrono::milliseconds first_backoff{1000};  // before the second attempt
  int backoff_factor = 4;                         // 1 s, 4 s, 16 s
  std::size_t chunk_bytes = 1 << 20;              // read from the store at a time
};

// PUTs the media `record` to `url`. Ok on a 2xx answer; otherwise an Error with code
// errc::kUploadFailed (errors of the URL itself, such as "addressRefused", keep their own code)
// whose message says what the receiver answered and after how many attempts. Waits between
// attempts on `clock` (a FakeClock moves its time instead).
// `before_retry`, when set, runs before each further attempt: an error stops the upload with it
// (the worker renews its lease there, which fails once the task was cancelled or taken over).
Status upload_media(const MediaStore& media, const store::MediaRecord& record, const std::string& url,
                    const PutStream& put, const Clock& clock, const UploadOptions& options = {},
                    const std::function<Status()>& before_retry = nullptr);

}  // namespace vidserve::delivery
