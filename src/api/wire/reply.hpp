#pragma once
// What a transport-free front-end answers: an HTTP status and a JSON body, possibly later and on
// another thread (after the durable commit), through a ReplyCallback.
#include <functional>
#include <string>

namespace vidserve::api::wire {

struct Reply {
  int status = 200;
  std::string body;  // JSON
  int retry_after_s = 0;  // > 0: the Retry-After to send (else the status's default)
};

using ReplyCallback = std::function<void(Reply)>;

}  // namespace vidserve::api::wire
