#include "fetch/http_loop.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "common/io_error.hpp"

#include "fetch/content_sniff.hpp"
#include "fetch/curl_exchange.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::fetch {

using std::chrono::milliseconds;
using namespace detail;

namespace {

// The longest sleep in curl_multi_poll: a safety net, since curl_multi_wakeup ends it for new work.
constexpr milliseconds kMaxPoll{1000};

CURLM* as_multi(void* m) { return static_cast<CURLM*>(m); }

Result<Method> method_of(const std::string& method) {
  if (method == "GET") return Method::get;
  if (method == "POST") return Method::post;
  if (method == "PUT") return Method::put;
  if (method == "DELETE") return Method::del;
  return Error{errc::kInvalidMethod, "HTTP method '" + method.substr(0, 20) + "' is not supported."};
}

}  // namespace

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

struct HttpLoop::Transfer {
  LoopCall call;
  Reply reply;
  Request request;
  Exchange ex;
  EasySetup setup;
  std::unique_ptr<std::FILE, FileCloser> sink;
};

namespace {

// A download's answer once its transfer ended: the file closed (flushed), or removed on failure.
Result<HttpResponse> close_sink(HttpLoop::Transfer& t, Result<HttpResponse> response) {
  const bool flushed = std::fflush(t.sink.get()) == 0;
  const int flush_errno = errno;
  t.sink.reset();
  if (response && !flushed && http_success(response->status)) {
    response = io_error(flush_errno ? flush_errno : EIO, "cannot write the download to disk");
  }
  if (!response || !http_success(response->status)) {
    std::error_code ec;
    std::filesystem::remove(t.call.sink_path, ec);
  }
  return response;
}

}  // namespace

HttpLoop::HttpLoop(AddressGuard guard, HttpClientOptions client, HttpLoopOptions options)
    : guard_(std::move(guard)), client_(std::move(client)), options_(std::move(options)) {
  if (!curl_global_ready()) return;
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return;
  curl_multi_setopt(as_multi(multi_), CURLMOPT_MAXCONNECTS, std::max(1L, options_.max_idle_connections));
  curl_multi_setopt(as_multi(multi_), CURLMOPT_MAX_HOST_CONNECTIONS, std::max(1L, options_.max_host_connections));
  curl_multi_setopt(as_multi(multi_), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    std::max(1L, options_.max_total_connections));
}

HttpLoop::~HttpLoop() {
  stop();
  if (multi_ != nullptr) curl_multi_cleanup(as_multi(multi_));
}

void HttpLoop::start() {
  std::lock_guard lock(mutex_);
  if (running_ || multi_ == nullptr) return;
  running_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void HttpLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  curl_multi_wakeup(as_multi(multi_));
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
}

void HttpLoop::after(milliseconds delay, Task task) {
  const auto due = options_.clock->monotonic() + delay;
  {
    std::lock_guard lock(mutex_);
    inbox_timers_.emplace_back(due, std::move(task));
  }
  if (multi_ != nullptr) curl_multi_wakeup(as_multi(multi_));
}

void HttpLoop::send(LoopCall call, Reply reply) {
  auto transfer = std::make_unique<Transfer>();
  transfer->call = std::move(call);
  transfer->reply = std::move(reply);
  {
    std::lock_guard lock(mutex_);
    inbox_calls_.push_back(std::move(transfer));
  }
  if (multi_ != nullptr) curl_multi_wakeup(as_multi(multi_));
}

std::uint64_t HttpLoop::connections_opened() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

bool HttpLoop::take_inbox() {
  std::vector<std::pair<Time, Task>> timers;
  std::vector<std::unique_ptr<Transfer>> calls;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    timers.swap(inbox_timers_);
    calls.swap(inbox_calls_);
  }
  for (auto& [due, task] : timers) timers_.emplace(due, std::move(task));
  for (auto& call : calls) begin(std::move(call));
  return true;
}

void HttpLoop::begin(std::unique_ptr<Transfer> t) {
  auto method = method_of(t->call.method);
  if (!method) return t->reply(method.error());
  Request& r = t->request;
  r.method = *method;
  r.body = t->call.body;
  r.content_type = t->call.content_type;
  r.headers = &t->call.headers;
  r.timeout = t->call.limits.timeout;
  r.connect_timeout = std::min(t->call.limits.connect_timeout, t->call.limits.timeout);
  t->ex.keep_body = true;
  t->ex.any_status = t->call.sink_path.empty();
  t->ex.max_bytes = t->call.limits.max_bytes;
  if (!t->call.sink_path.empty()) {
    t->sink.reset(std::fopen(t->call.sink_path.c_str(), "wb"));
    if (!t->sink) return t->reply(io_error(errno, "cannot create the file to download into"));
    t->ex.sink = t->sink.get();
  }
  if (auto prepared = prepare_easy(t->setup, t->call.target, r, guard_, client_, t->ex); !prepared) {
    return t->reply(prepared.error());
  }
  CURL* easy = t->setup.easy.get();
  if (curl_multi_add_handle(as_multi(multi_), easy) != CURLM_OK) {
    return t->reply(Error{errc::kFetchFailed, "libcurl could not start the call to " + t->call.target.display + "."});
  }
  in_flight_.emplace(easy, std::move(t));
}

void HttpLoop::run_due_timers() {
  // Timers due now; those a task adds run in a later turn, so a zero delay cannot starve the calls.
  const auto now = options_.clock->monotonic();
  std::vector<Task> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    due.push_back(std::move(timers_.begin()->second));
    timers_.erase(timers_.begin());
  }
  for (auto& task : due) task();
}

void HttpLoop::finish_done_transfers() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(as_multi(multi_), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    const auto it = in_flight_.find(msg->easy_handle);
    if (it == in_flight_.end()) continue;
    auto t = std::move(it->second);
    in_flight_.erase(it);
    const CURLcode rc = msg->data.result;
    CURL* easy = t->setup.easy.get();
    curl_multi_remove_handle(as_multi(multi_), easy);
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
      std::lock_guard lock(mutex_);
      opened_ += static_cast<std::uint64_t>(connects);
    }
    auto outcome = easy_outcome(rc, t->setup, t->call.target, t->request, t->ex);
    Result<HttpResponse> answer = HttpResponse{};
    if (!outcome) {
      answer = outcome.error();
    } else {
      HttpResponse response;
      response.status = static_cast<int>(outcome->status);
      response.body = std::move(t->ex.body);
      response.content_type = normalize_content_type(outcome->content_type);
      response.location = outcome->redirect_url;
      answer = std::move(response);
    }
    if (t->sink) answer = close_sink(*t, std::move(answer));
    t->reply(std::move(answer));
  }
}

milliseconds HttpLoop::next_wait() const {
  milliseconds wait = kMaxPoll;
  long curl_ms = -1;
  if (curl_multi_timeout(as_multi(multi_), &curl_ms) == CURLM_OK && curl_ms >= 0) {
    wait = std::min(wait, milliseconds(curl_ms));
  }
  if (!timers_.empty()) {
    const auto until = timers_.begin()->first - options_.clock->monotonic();
    wait = std::min(wait, std::max(milliseconds(0), std::chrono::ceil<milliseconds>(until)));
  }
  return wait;
}

void HttpLoop::run() {
  while (take_inbox()) {
    run_due_timers();
    int running = 0;
    curl_multi_perform(as_multi(multi_), &running);
    finish_done_transfers();
    const auto wait = next_wait();
    if (wait.count() == 0) continue;
    bool inbox_empty = false;
    {
      std::lock_guard lock(mutex_);
      inbox_empty = inbox_timers_.empty() && inbox_calls_.empty();
    }
    if (!inbox_empty) continue;
    if (options_.idle_wait && in_flight_.empty() && !timers_.empty()) {
      options_.idle_wait(wait);
      continue;
    }
    curl_multi_poll(as_multi(multi_), nullptr, 0, static_cast<int>(wait.count()), nullptr);
  }
  abandon_all();
}

void HttpLoop::abandon_all() {
  for (auto& [easy, t] : in_flight_) {
    curl_multi_remove_handle(as_multi(multi_), static_cast<CURL*>(easy));
    t->reply(cancelled_error(t->call.target.display));
  }
  in_flight_.clear();
  timers_.clear();
  std::vector<std::unique_ptr<Transfer>> calls;
  {
    std::lock_guard lock(mutex_);
    calls.swap(inbox_calls_);
    inbox_timers_.clear();
  }
  for (auto& t : calls) t->reply(cancelled_error(t->call.target.display));
}

}  // namespace vidserve::fetch
