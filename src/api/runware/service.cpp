#include "api/runware/service.hpp"

#include <future>
#include <mutex>

#include "api/http/error_codes.hpp"
#include "api/runware/document_check.hpp"
#include "api/runware/error_codes.hpp"
#include "api/runware/handlers.hpp"
#include "api/runware/task_list.hpp"
#include "api/tasks/intake.hpp"
#include "api/wire/error_codes.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"
#include "core/error_codes.hpp"
#include "fetch/input_resolver.hpp"
#include "store/error_codes.hpp"

namespace vidserve::api::runware {

namespace json = boost::json;

namespace {

// Authorization header first, else a leading {"taskType":"authentication","apiKey":...} task.
std::optional<std::string> authenticate(const Services& s, const json::array& tasks,
                                        std::string_view authorization, Envelope& out, bool& auth_task) {
  auth_task = !tasks.empty() && tasks[0].is_object() &&
              handlers::string_field(tasks[0].get_object(), "taskType") == "authentication";
  std::string key(Authenticator::bearer_token(authorization));
  // An authentication task's apiKey wins; without one, the Authorization header still counts.
  if (auth_task) {
    if (auto task_key = handlers::string_field(tasks[0].get_object(), "apiKey"); !task_key.empty()) key = task_key;
  }
  if (key.empty()) {
    out.error(401, errc::kMissingApiKey,
              "no API key: send Authorization: Bearer <key> or a leading authentication task.",
              "authentication", "");
    return std::nullopt;
  }
  auto owner = s.context.auth.owner_for(key);
  if (!owner)
    out.error(401, errc::kInvalidApiKey, "the API key is not valid or was revoked.",
              "authentication", "");
  return owner;
}

// What a request's tasks leave to answer after dispatch: inference tasks to commit durably, and
// imageUploads to fetch and store on the fetch pool.
struct Later {
  std::vector<handlers::Deferred> commits;
  std::vector<handlers::Upload> uploads;
};

void dispatch(const Services& s, const json::value& value, const std::string& owner, Envelope& out, Later& later) {
  if (!value.is_object()) {
    out.error(400, core::errc::kInvalidType, "each task must be a JSON object.", "", "");
    return;
  }
  const auto& task = value.get_object();
  const auto type = handlers::string_field(task, "taskType");
  if (type == "videoInference" || type == "imageInference") {
    return handlers::inference(s, task, owner, out, later.commits);
  }
  if (type == "getResponse") return handlers::get_response(s, task, owner, out);
  if (type == "imageUpload") return handlers::read_image_upload(task, out, later.uploads);
  if (type == "modelSearch") return handlers::model_search(s, task, out);
  if (type == "ping") {
    out.data.push_back(handlers::pong_item());
    return;
  }
  // Anything else gets the validator's answer (missing or unknown taskType, with a suggestion).
  const auto verdict = check_task(value, 0, s.context.catalog);
  for (const auto& p : verdict.validation.problems) out.problem(p, type, handlers::string_field(task, "taskUUID"));
  if (verdict.validation.problems.empty()) {
    out.error(400, errc::kUnsupportedTaskType,
              "taskType " + type + " is not served over this endpoint.", type,
              handlers::string_field(task, "taskUUID"));
  }
}

// The reply of one request whose inference tasks are being committed (and maybe awaited).
struct PendingReply {
  std::mutex mutex;
  Envelope out;
  int pending = 0;
  Service::EnvelopeCallback done;
  const SocketCall* socket = nullptr;  // set for WebSocket callers (lives until `done`)

  void add(Envelope piece) {
    std::lock_guard lock(mutex);
    out.merge(std::move(piece));
  }

  // Called with the lock released; the last piece sends the reply.
  void piece_done() {
    std::unique_lock lock(mutex);
    if (--pending > 0) return;
    Envelope reply = std::move(out);
    lock.unlock();
    done(std::move(reply));
  }
};

Service::EnvelopeCallback as_reply(Service::ReplyCallback done) {
  return [done = std::move(done)](Envelope out) { done({out.status(), out.body()}); };
}

// Each upload is one more piece of the reply, answered from the fetch pool: the io thread that
// read the request neither fetches, decodes nor waits for the disk.
void start_uploads(const Services& s, const std::shared_ptr<PendingReply>& state, const std::string& owner,
                   std::vector<handlers::Upload> uploads) {
  for (auto& upload : uploads) {
    {
      std::lock_guard lock(state->mutex);
      ++state->pending;
    }
    const auto task_uuid = upload.task_uuid;
    const auto host = fetch::url_input_host(upload.image).value_or("");
    auto job = [&s, state, owner, upload = std::move(upload)] {
      Envelope piece;
      handlers::image_upload(s, upload, owner, piece);
      state->add(std::move(piece));
      state->piece_done();
    };
    if (!s.fetch_pool) {
      job();
      continue;
    }
    auto queued = s.fetch_pool->submit(host, std::move(job));
    if (queued) continue;
    Envelope refused;
    refused.error(503, queued.error().code, "image: " + queued.error().message, "imageUpload", task_uuid, "image");
    state->add(std::move(refused));
    state->piece_done();
  }
}

void committed(const Services& s, const std::shared_ptr<PendingReply>& state, std::vector<bool> waits,
               std::vector<Result<store::TaskRecord>> results) {
  std::vector<store::TaskRecord> to_wait;
  {
    std::lock_guard lock(state->mutex);
    for (std::size_t i = 0; i < results.size(); ++i) {
      auto& r = results[i];
      if (!r) continue;  // errors were filled in below
      if (state->socket) {
        // The socket subscribes before the acknowledgement goes out; a task that waits for its
        // result gets no acknowledgement there: its results are pushed as they finish.
        state->socket->on_stored(*r, waits[i]);
        if (waits[i]) continue;
      }
      if (waits[i]) {
        to_wait.push_back(*r);
        ++state->pending;
      } else {
        state->out.data.push_back(json::object{{"taskType", r->task_type}, {"taskUUID", r->task_uuid}});
      }
    }
  }
  if (s.context.wake) s.context.wake();
  const auto deadline = s.context.clock->monotonic() + s.sync_timeout;
  for (const auto& record : to_wait) {
    s.waiter->wait(record.owner, record.task_uuid, deadline, [&s, state, record](std::optional<store::TaskRecord> done) {
      {
        std::lock_guard lock(state->mutex);
        if (done) {
          handlers::task_items(s.context, *done, state->out);
        } else {
          state->out.error(504, errc::kTimeout,
                           "the task is still processing; poll it with getResponse.",
                           record.task_type, record.task_uuid);
        }
      }
      state->piece_done();
    });
  }
  state->piece_done();  // the commit itself
}

void report_commit_errors(const std::vector<Result<store::TaskRecord>>& results,
                          const std::vector<handlers::Deferred>& deferred, Envelope& out) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i]) continue;
    const auto& record = deferred[i].record;
    const auto& code = results[i].error().code;
    if (code == wire::errc::kInsufficientStorage) {
      out.error(507, code, results[i].error().message, record.task_type, record.task_uuid);
      continue;
    }
    if (code == store::errc::kTooManyQueuedTasks) {
      out.error(429, code, results[i].error().message, record.task_type, record.task_uuid);
      continue;
    }
    const bool duplicate = code == store::errc::kDuplicateTaskUUID;
    out.error(duplicate ? 400 : 500,
              duplicate ? store::errc::kDuplicateTaskUUID : http::errc::kInternalServerError,
              duplicate ? "taskUUID " + record.task_uuid +
                              " was already used for a different request; resending the same request returns "
                              "its acknowledgement again, a new task needs a new UUID v4."
                        : "the task could not be stored: " + results[i].error().message,
              record.task_type, record.task_uuid, duplicate ? "taskUUID" : "");
  }
}

}  // namespace

Result<json::array> Service::parse_tasks(std::string_view body, Envelope& out) const {
  if (!ready()) {
    out.error(503, wire::errc::kServiceUnavailable, "the server is starting; retry shortly.", "",
              "");
    return Error{wire::errc::kServiceUnavailable, ""};
  }
  wire::SyntaxError syntax;
  auto doc = wire::parse_json(body, syntax);
  if (!doc) {
    out.error(400, errc::kInvalidJSON, syntax.describe(), "", "");
    return Error{errc::kInvalidJSON, ""};
  }
  json::array tasks = doc->is_array() ? std::move(doc->get_array()) : json::array{std::move(*doc)};
  if (tasks.empty() || tasks.size() > s_.max_tasks_per_request) {
    out.error(400, errc::kInvalidTaskCount,
              "send between 1 and " + std::to_string(s_.max_tasks_per_request) +
                  " tasks in a JSON array.",
              "", "");
    return Error{errc::kInvalidTaskCount, ""};
  }
  return tasks;
}

void Service::handle_async(std::string_view body, std::string_view authorization, ReplyCallback done) const {
  Envelope out;
  auto tasks = parse_tasks(body, out);
  if (!tasks) return done({out.status(), out.body()});
  bool auth_task = false;
  const auto owner = authenticate(s_, *tasks, authorization, out, auth_task);
  if (!owner) return done({out.status(), out.body()});
  done = wire::with_key_id(std::move(done), *owner);
  if (const auto wait = handlers::over_rate(s_, *owner, out)) return done({out.status(), out.body(), *wait});
  if (auth_task) {
    out.data.push_back(handlers::authentication_item(uuid::generate_v4()));
  }
  run(std::move(*tasks), auth_task ? 1 : 0, *owner, std::move(out), nullptr, as_reply(std::move(done)));
}

namespace {

void cancel_reply(const store::TaskRecord& record, Envelope& out) {
  out.data.push_back(
      json::object{{"taskType", record.task_type}, {"taskUUID", record.task_uuid}, {"status", "cancelled"}});
}

void cancel_error(const Error& e, const std::string& task_uuid, Envelope& out) {
  if (e.code == store::errc::kNotFound) {
    return out.error(404, errc::kTaskNotFound,
                     "no task " + text::excerpt(task_uuid, handlers::kMaxEchoedId) + " for this API key.", "",
                     task_uuid, "taskUUID");
  }
  if (e.code == store::errc::kInvalidState) {
    return out.error(409, errc::kTaskNotCancellable, e.message, "", task_uuid);
  }
  const bool busy = e.code == wire::errc::kServiceUnavailable;
  out.error(busy ? 503 : 500, busy ? e.code : http::errc::kInternalServerError, e.message, "", task_uuid);
}

}  // namespace

void Service::cancel_async(std::string_view task_uuid, std::string_view authorization, ReplyCallback done) const {
  Envelope out;
  if (!ready()) {
    out.error(503, wire::errc::kServiceUnavailable, "the server is starting; retry shortly.", "", "");
    return done({out.status(), out.body()});
  }
  bool auth_task = false;
  const auto owner = authenticate(s_, json::array{}, authorization, out, auth_task);
  if (!owner) return done({out.status(), out.body()});
  done = wire::with_key_id(std::move(done), *owner);
  if (const auto wait = handlers::over_rate(s_, *owner, out)) return done({out.status(), out.body(), *wait});
  tasks::cancel_task(s_.context, *owner, std::string(task_uuid), std::string(handlers::kRunwareApi),
                     [uuid = std::string(task_uuid), done = std::move(done)](Result<store::TaskRecord> record) {
                       Envelope reply;
                       if (record) {
                         cancel_reply(*record, reply);
                       } else {
                         cancel_error(record.error(), uuid, reply);
                       }
                       done({reply.status(), reply.body()});
                     });
}

void Service::list_async(std::string_view query, std::string_view authorization,
                         ReplyCallback done) const {
  Envelope out;
  if (!ready()) {
    out.error(503, wire::errc::kServiceUnavailable, "the server is starting; retry shortly.", "",
              "");
    return done({out.status(), out.body()});
  }
  bool auth_task = false;
  const auto owner = authenticate(s_, json::array{}, authorization, out, auth_task);
  if (!owner) return done({out.status(), out.body()});
  if (const auto wait = handlers::over_rate(s_, *owner, out))
    return done({out.status(), out.body(), *wait});
  auto list = parse_list_query(query, out);
  if (!list) return done({out.status(), out.body()});
  list->api = std::string(handlers::kRunwareApi);
  auto records = s_.context.tasks.list(*owner, *list);
  if (!records) {
    const bool busy = records.error().code == wire::errc::kServiceUnavailable;
    out.error(busy ? 503 : 500, busy ? records.error().code : http::errc::kInternalServerError,
              records.error().message, "", "");
    return done({out.status(), out.body()});
  }
  for (const auto& record : *records) out.data.push_back(list_item(record));
  done({200, out.body()});
}

void Service::handle_socket(json::array tasks, std::size_t first, const SocketCall& call,
                            EnvelopeCallback done) const {
  run(std::move(tasks), first, call.owner, Envelope{}, &call, std::move(done));
}

void Service::run(json::array tasks, std::size_t first, const std::string& owner, Envelope out,
                  const SocketCall* socket, EnvelopeCallback done) const {
  Later later;
  for (std::size_t i = first; i < tasks.size(); ++i) dispatch(s_, tasks[i], owner, out, later);
  if (later.commits.empty() && later.uploads.empty()) return done(std::move(out));

  auto state = std::make_shared<PendingReply>();
  state->out = std::move(out);
  state->pending = 1;  // the commit, or (without inference tasks) this call
  state->done = std::move(done);
  state->socket = socket;
  start_uploads(s_, state, owner, std::move(later.uploads));
  if (later.commits.empty()) return state->piece_done();
  std::vector<store::TaskRecord> records;
  std::vector<bool> waits;
  for (auto& d : later.commits) {
    records.push_back(d.record);
    waits.push_back(d.wait_for_result);
  }
  const bool accepted = s_.context.submitter->submit(
      std::move(records), [this, state, waits, deferred = std::move(later.commits)](auto results) mutable {
        {
          std::lock_guard lock(state->mutex);
          report_commit_errors(results, deferred, state->out);
        }
        committed(s_, state, std::move(waits), std::move(results));
      });
  if (!accepted) {
    state->add([] {
      Envelope e;
      e.error(503, wire::errc::kServiceUnavailable, "the server is shutting down; retry shortly.",
              "", "");
      return e;
    }());
    state->piece_done();
  }
}

Reply Service::handle(std::string_view body, std::string_view authorization) const {
  std::promise<Reply> promise;
  auto future = promise.get_future();
  handle_async(body, authorization, [&promise](Reply reply) { promise.set_value(std::move(reply)); });
  return future.get();
}

}  // namespace vidserve::api::runware
