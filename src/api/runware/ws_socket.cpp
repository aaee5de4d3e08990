#include "api/runware/ws_socket.hpp"

#include "api/runware/error_codes.hpp"
#include "api/runware/handlers.hpp"

namespace vidserve::api::runware {

namespace json = boost::json;

namespace {

// Messages answered with missingApiKey before the connection is closed.
constexpr int kMaxUnauthenticatedMessages = 8;

bool is_task(const json::value& v, std::string_view type) {
  return v.is_object() && handlers::string_field(v.get_object(), "taskType") == type;
}

// {"data":[item]}
std::string data_frame(json::object item) {
  Envelope out;
  out.data.push_back(std::move(item));
  return out.body();
}

}  // namespace

RunwareSocket::RunwareSocket(const Service& service, SessionDirectory& sessions)
    : service_(service), sessions_(sessions) {}

void RunwareSocket::on_open(std::weak_ptr<http::WsConnection> connection) {
  connection_ = std::move(connection);
}

void RunwareSocket::on_message(std::string text) {
  auto connection = connection_.lock();
  if (!connection) return;
  Envelope out;
  auto tasks = service_.parse_tasks(text, out);
  if (!tasks) {
    connection->send(out.body());
    return connection->message_done();
  }
  std::size_t first = 0;
  if (is_task((*tasks)[0], "authentication")) {
    authenticate((*tasks)[0].get_object(), *connection);
    first = 1;
  }
  if (first == tasks->size()) return connection->message_done();
  if (!session_) {
    refuse_unauthenticated(*tasks, first, *connection);
    // A client that keeps talking without a valid key is not kept: the connection is closed.
    if (++unauthenticated_messages_ >= kMaxUnauthenticatedMessages) connection->close();
    return connection->message_done();
  }
  // Each message with tasks counts against the key's request rate; over it, the message gets the
  // error and the connection stays open.
  if (Envelope limited; handlers::over_rate(service_.services(), call_->owner, limited)) {
    connection->send(limited.body());
    return connection->message_done();
  }
  // The reply goes to this connection; its frames and the session's pushes are ordered by the
  // session's lock, so a result never overtakes its acknowledgement.
  service_.handle_socket(std::move(*tasks), first, *call_,
                         [session = session_, call = call_, weak = connection_](Envelope reply) {
                           session->reply(reply, weak);
                           if (auto live = weak.lock()) live->message_done();
                         });
}

void RunwareSocket::authenticate(const json::object& task, http::WsConnection& connection) {
  const auto key = handlers::string_field(task, "apiKey");
  const auto owner = key.empty() ? std::nullopt : service_.services().context.auth.owner_for(key);
  if (!owner) {
    Envelope out;
    out.error(401, errc::kInvalidApiKey,
              key.empty()
                  ? "no API key: send {\"taskType\":\"authentication\",\"apiKey\":\"<key>\"} first."
                  : "the API key is not valid or was revoked.",
              "authentication", "", "apiKey");
    connection.send(out.body());
    return;
  }
  const auto requested = handlers::string_field(task, "connectionSessionUUID");
  const bool same_session = session_ && session_->owner() == *owner &&
                            (requested.empty() || requested == session_->uuid());
  if (same_session) {  // authenticating again changes nothing: tasks in flight keep pushing here
    connection.send(data_frame(handlers::authentication_item(session_->uuid())));
    return;
  }
  if (session_) session_->detach(&connection, service_.services().context.clock->now_ms());
  session_ = sessions_.open(*owner, requested);
  call_ = std::make_shared<SocketCall>();
  call_->owner = *owner;
  call_->on_stored = [weak = std::weak_ptr<SocketSession>(session_)](
                         const store::TaskRecord& record, bool push_only) {
    if (auto session = weak.lock()) session->track(record, push_only);
  };
  connection.send(data_frame(handlers::authentication_item(session_->uuid())));
  session_->attach(connection_);  // after the reply: results kept while away come next
}

void RunwareSocket::refuse_unauthenticated(const json::array& tasks, std::size_t first,
                                           http::WsConnection& connection) {
  for (std::size_t i = first; i < tasks.size(); ++i) {
    if (is_task(tasks[i], "ping")) {
      connection.send(data_frame(handlers::pong_item()));
      continue;
    }
    static const json::object kNotAnObject;
    const auto& task = tasks[i].is_object() ? tasks[i].get_object() : kNotAnObject;
    Envelope out;
    out.error(401, errc::kMissingApiKey,
              "authenticate first: send {\"taskType\":\"authentication\",\"apiKey\":\"<key>\"} as "
              "the first message.",
              handlers::string_field(task, "taskType"), handlers::string_field(task, "taskUUID"),
              "apiKey");
    connection.send(out.body());
  }
}

void RunwareSocket::on_close() {
  if (!session_) return;
  session_->detach(connection_.lock().get(), service_.services().context.clock->now_ms());
  session_.reset();
  sessions_.sweep();
}

http::WsRoute runware_websocket_route(const Service& service, SessionDirectory& sessions) {
  return [&service, &sessions](const http::Request& req,
                               const http::ConnectionInfo&) -> std::shared_ptr<http::WsHandler> {
    const std::string_view target(req.target().data(), req.target().size());
    const auto path = target.substr(0, target.find('?'));
    if (path != "/" && path != "/v1" && path != "/v1/") return nullptr;
    return std::make_shared<RunwareSocket>(service, sessions);
  };
}

}  // namespace vidserve::api::runware
