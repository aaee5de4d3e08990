#pragma once
// The Runware task API, independent of the transport: a request body in, a status and a JSON
// body out. POST /v1 (routes.cpp) and the WebSocket connections (ws_socket.hpp) call it.
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "api/runware/completion_waiter.hpp"
#include "api/runware/envelope.hpp"
#include "api/runware/reply_cache.hpp"
#include "api/tasks/context.hpp"
#include "api/wire/reply.hpp"
#include "fetch/fetch_pool.hpp"
#include "worker/task_runner.hpp"

namespace vidserve::api::runware {

// The Runware front-end's dependencies: the shared tasks::Context and what only Runware uses.
struct Services {
  tasks::Context& context;         // shared with the other front-ends; outlives the service
  worker::InputFetcher fetch;        // for imageUpload, called on fetch_pool
  std::chrono::milliseconds sync_timeout{120000};  // imageInference without deliveryMethod async
  std::size_t max_tasks_per_request = 100;
  std::shared_ptr<ReplyCache> finished = std::make_shared<ReplyCache>();
  CompletionWaiter* waiter = nullptr;      // synchronous imageInference
  // Runs each imageUpload's fetch and store off the io threads, capped per host; when full the
  // upload is answered 503 fetchBusy (Retry-After: 5). Null: run inline (unit tests only).
  fetch::FetchPool* fetch_pool = nullptr;
};

using wire::Reply;

// A caller on a WebSocket connection that authenticated already (see ws_socket.hpp).
struct SocketCall {
  std::string owner;
  // Each inference task right after it was stored, on the committer thread, before its
  // acknowledgement is sent, so that the connection can subscribe to its results.
  // `push_only`: a synchronous imageInference; it gets no acknowledgement, its results are pushed.
  std::function<void(const store::TaskRecord& record, bool push_only)> on_stored;
};

class Service {
 public:
  using ReplyCallback = wire::ReplyCallback;
  using EnvelopeCallback = std::function<void(Envelope)>;

  explicit Service(Services services) : s_(std::move(services)) {}
  // `authorization` is the Authorization header ("" when absent). `done` is called once, possibly
  // later and on another thread (after the durable commit, or when a synchronous task finished).
  void handle_async(std::string_view body, std::string_view authorization, ReplyCallback done) const;
  // The same, waiting for the reply.
  Reply handle(std::string_view body, std::string_view authorization) const;
  // DELETE /v1/tasks/{taskUUID}: cancels one of the key's queued or processing tasks (same
  // Authorization as POST /v1). `done` is called once, possibly on another thread.
  void cancel_async(std::string_view task_uuid, std::string_view authorization, ReplyCallback done) const;
  // GET /v1/tasks?status=S&limit=N: the key's Runware tasks, newest first, at most N (1-500,
  // default 30), only those in status S when given. A store read on the calling thread, as
  // getResponse's. Same Authorization as POST /v1.
  void list_async(std::string_view query, std::string_view authorization, ReplyCallback done) const;

  // One message of tasks (a JSON array, or one object); on failure `out` holds the error reply.
  Result<boost::json::array> parse_tasks(std::string_view body, Envelope& out) const;
  // Tasks from index `first` on, for a WebSocket caller: the same handlers as handle_async,
  // except that nothing waits for a result (see SocketCall). `call` must outlive `done`'s call.
  void handle_socket(boost::json::array tasks, std::size_t first, const SocketCall& call,
                     EnvelopeCallback done) const;

  const Services& services() const { return s_; }
  bool ready() const { return s_.context.ready(); }

 private:
  void run(boost::json::array tasks, std::size_t first, const std::string& owner, Envelope out,
           const SocketCall* socket, EnvelopeCallback done) const;

  Services s_;
};

}  // namespace vidserve::api::runware
