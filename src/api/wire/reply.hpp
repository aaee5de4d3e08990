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
  // The caller's key id (its owner id: "env:<hash prefix>", the key store's id, "kling-ak:<access
  // key>"), once the front-end authenticated it; "" before. For the access log; never the key.
  std::string key_id = {};
};

using ReplyCallback = std::function<void(Reply)>;

// `done`, with every reply carrying `key_id` (set where a front-end has authenticated the caller).
inline ReplyCallback with_key_id(ReplyCallback done, std::string key_id) {
  return [done = std::move(done), key_id = std::move(key_id)](Reply reply) {
    reply.key_id = key_id;
    done(std::move(reply));
  };
}

}  // namespace vidserve::api::wire
