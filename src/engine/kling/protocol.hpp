#pragma once
// Kling's answers, read without exposing JSON: the {code, message, request_id, data} envelope of
// the legacy /v1 API, what an answer means for the relay (go on, retry later, or fail with a
// clear error; by Kling's documented error codes, see judge()), and the backoff between polls and
// retries.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace vidserve::engine::kling {

// The parts of an answer the engine uses. Fields absent from the body stay empty.
struct Reply {
  int http_status = 0;
  bool json = false;              // the body was a JSON object
  std::optional<long long> code;  // envelope "code"; 0 = success
  std::string message, request_id;
  // data (create and query answers)
  std::string task_id, task_status, task_status_msg;
  std::string result_url;                   // task_result.videos[0].url or images[0].url
  std::optional<double> result_duration_s;  // videos[0].duration ("5.041")
};

// Never fails: a body that is not JSON gives json=false and the raw text (shortened) as message.
Reply parse_reply(int http_status, std::string_view body);

enum class Verdict { Success, Retry, Fail };

struct Judgement {
  Verdict verdict = Verdict::Success;
  Error error;  // Fail: what the client sees; Retry: why we wait (used if the deadline passes)
};

// Success: HTTP 2xx with code 0. Retry: HTTP 429 with code 1302/1303 (or none), 5xx, codes
// 5000-5002. Fail (not retried): auth 1000-1004 "providerAuthFailed", 1100-1102 account/balance,
// 1103 permission, 1200-1203 "providerInvalidRequest", 1300/1301 "contentPolicyViolation", 1304
// IP allow-list, other codes and statuses "providerError".
Judgement judge(const Reply& reply);

// The delay before attempt `attempt` (0-based): initial * 2^attempt, at most `max`.
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, int attempt);

// Task status spelled by Kling: submitted | processing | succeed | failed.
inline bool task_finished(const std::string& status) {
  return status == "succeed" || status == "failed";
}

}  // namespace vidserve::engine::kling
