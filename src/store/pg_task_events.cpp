#include "store/pg_task_events.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>

#include "common/log.hpp"
#include "common/uuid.hpp"
#include "store/pg_database.hpp"

namespace vidserve::store {

namespace {

constexpr std::size_t kBatch = 200;
constexpr std::string_view kQueuedWake = "queued";  // NOTIFYs sent in one statement
constexpr auto kPollWait = std::chrono::milliseconds(250);
constexpr auto kReconnectWait = std::chrono::milliseconds(1000);

int to_int(std::string_view text) {
  int out = 0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

}  // namespace

// origin \n kind \n progress \n webhook \n owner \n task_uuid: owners and task uuids are
// validated ids without newlines.
std::string encode_task_event(const std::string& origin, const TaskEvent& e) {
  return origin + "\n" + std::to_string(static_cast<int>(e.kind)) + "\n" +
         std::to_string(e.progress) + "\n" + (e.may_have_webhook ? "1" : "0") + "\n" + e.owner +
         "\n" + e.task_uuid;
}

std::optional<DecodedTaskEvent> decode_task_event(std::string_view payload) {
  std::vector<std::string_view> parts;
  while (parts.size() < 5) {
    const auto nl = payload.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    parts.push_back(payload.substr(0, nl));
    payload.remove_prefix(nl + 1);
  }
  DecodedTaskEvent out;
  out.origin = std::string(parts[0]);
  const int kind = to_int(parts[1]);
  if (kind != static_cast<int>(TaskEvent::Kind::Progress) &&
      kind != static_cast<int>(TaskEvent::Kind::Finished)) {
    return std::nullopt;
  }
  out.event.kind = static_cast<TaskEvent::Kind>(kind);
  out.event.progress = to_int(parts[2]);
  out.event.may_have_webhook = parts[3] == "1";
  out.event.owner = std::string(parts[4]);
  out.event.task_uuid = std::string(payload);
  if (out.origin.empty() || out.event.owner.empty() || out.event.task_uuid.empty()) {
    return std::nullopt;
  }
  return out;
}

PgTaskEvents::PgTaskEvents(std::shared_ptr<PgDatabase> db)
    : db_(std::move(db)),
      origin_(uuid::generate_v4()),
      sender_([this] { return send_step(); }),
      listener_([this] { return listen_step(); }) {}

PgTaskEvents::~PgTaskEvents() {
  stop();
}

void PgTaskEvents::start() {
  // NOTIFY channels are per database; the schema in the name keeps two installations that share
  // a database (in schemas of their own) apart.
  auto schema = db_->exec("SELECT current_schema()");
  channel_ = "vidserve_task_events";
  if (schema && schema->rows() == 1) channel_ += ":" + schema->text(0, 0);
  sender_.start();
  listener_.start();
  listener_.wake();
}

void PgTaskEvents::stop() {
  listener_.stop();
  sender_.stop();
  send_step();  // what was published before the stop still goes out
}

void PgTaskEvents::publish(const TaskEvent& event) {
  local_.publish(event);
  enqueue_payload(encode_task_event(origin_, event));
}

// "origin\nqueued": no task named, so nothing a listener could mistake for a TaskEvent.
void PgTaskEvents::send_queued() { enqueue_payload(origin_ + "\n" + std::string(kQueuedWake)); }

void PgTaskEvents::enqueue_payload(std::string payload) {
  {
    std::lock_guard lock(mutex_);
    if (outgoing_.size() >= kMaxQueued) {
      outgoing_.pop_front();
      ++dropped_;
    }
    outgoing_.push_back(std::move(payload));
  }
  sender_.wake();
}

void PgTaskEvents::listen(TaskEventListener& listener) {
  local_.listen(listener);
}

std::uint64_t PgTaskEvents::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

void PgTaskEvents::deliver(const TaskEvent& event) {
  {
    std::lock_guard lock(mutex_);
    ++received_;
  }
  local_.publish(event);
}

// Sends up to kBatch queued events in one statement; what fails stays queued for the next step.
BackgroundLoop::Next PgTaskEvents::send_step() {
  std::vector<std::string> batch;
  {
    std::lock_guard lock(mutex_);
    while (!outgoing_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(outgoing_.front()));
      outgoing_.pop_front();
    }
  }
  if (batch.empty()) return std::nullopt;
  // One text[] parameter: {"a","b"} with each element quoted and escaped.
  std::string array = "{";
  for (const auto& payload : batch) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (char c : payload) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  auto sent = db_->exec("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
                        {PgParam::text(channel_), PgParam::text(array)});
  if (!sent) {
    std::lock_guard lock(mutex_);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (outgoing_.size() >= kMaxQueued) break;
      outgoing_.push_front(std::move(*it));
    }
    return kReconnectWait;
  }
  return std::chrono::milliseconds(0);
}

// One wait for notifications on the listening connection (made, and made again, as needed).
BackgroundLoop::Next PgTaskEvents::listen_step() {
  if (!listening_ || PQstatus(listening_.get()) != CONNECTION_OK) {
    listening_.reset();
    auto conn = db_->connect_unpooled();
    if (!conn) return kReconnectWait;
    PgConnection c(conn->get());
    char* quoted = PQescapeIdentifier(conn->get(), channel_.data(), channel_.size());
    if (!quoted) return kReconnectWait;
    const std::string listen = std::string("LISTEN ") + quoted;
    PQfreemem(quoted);
    if (!c.exec(listen)) return kReconnectWait;
    listening_ = *conn;
  }
  pollfd fd{PQsocket(listening_.get()), POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(kPollWait.count())) < 0) return kPollWait;
  if (PQconsumeInput(listening_.get()) == 0) {
    log::get().warn("task events: the PostgreSQL LISTEN connection broke; making a new one");
    listening_.reset();
    return kReconnectWait;
  }
  bool wake = false;
  while (PGnotify* n = PQnotifies(listening_.get())) {
    const std::string payload = n->extra ? n->extra : "";
    PQfreemem(n);
    if (payload.rfind(origin_ + "\n", 0) == 0) continue;  // our own
    if (payload.size() > kQueuedWake.size() &&
        payload.compare(payload.size() - kQueuedWake.size() - 1, std::string::npos,
                        "\n" + std::string(kQueuedWake)) == 0 &&
        payload.find('\n') == payload.size() - kQueuedWake.size() - 1) {
      wake = true;
      continue;
    }
    if (auto decoded = decode_task_event(payload)) deliver(decoded->event);
  }
  if (wake) wake_workers();
  return std::chrono::milliseconds(0);
}

}  // namespace vidserve::store
