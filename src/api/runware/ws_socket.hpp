#pragma once
// The Runware task API over WebSocket (at /v1 and /, on the HTTP port): one RunwareSocket per
// connection, speaking to the same Service as POST /v1.
//
//   [{"taskType":"authentication","apiKey":K[,"connectionSessionUUID":S]}]
//       → {"data":[{"taskType":"authentication","connectionSessionUUID":S'}]}   (no taskUUID)
//         S' = S when S is a kept session of the same key (its buffered results follow, once)
//       → bad key:
//       {"errors":[{"code":"invalidApiKey","parameter":"apiKey","taskType":"authentication"}]}
//   any task before a successful authentication (but ping) → a missingApiKey error per task;
//   the 8th message without a valid authentication closes the connection
//   [{"taskType":"ping","ping":true}] → {"data":[{"taskType":"ping","pong":true}]}
//   every other task → the REST handlers; the reply is split into one frame per taskUUID; the
//   results of inference tasks submitted here are pushed (see ws_session.hpp).
#include <memory>
#include <string>

#include "api/http/websocket.hpp"
#include "api/runware/ws_session.hpp"

namespace vidserve::api::runware {

class RunwareSocket final : public http::WsHandler {
 public:
  RunwareSocket(const Service& service, SessionDirectory& sessions);

  void on_open(std::weak_ptr<http::WsConnection> connection) override;
  void on_message(std::string text) override;
  void on_close() override;

 private:
  void authenticate(const boost::json::object& task, http::WsConnection& connection);
  void refuse_unauthenticated(const boost::json::array& tasks, std::size_t first,
                              http::WsConnection& connection);

  const Service& service_;
  SessionDirectory& sessions_;
  std::weak_ptr<http::WsConnection> connection_;
  // After authentication. The call is shared with replies still being committed.
  std::shared_ptr<SocketSession> session_;
  std::shared_ptr<SocketCall> call_;
  int unauthenticated_messages_ = 0;
};

// The WebSocket route of `vidserve serve`: the Runware socket at /, /v1 and /v1/ (any query).
http::WsRoute runware_websocket_route(const Service& service, SessionDirectory& sessions);

}  // namespace vidserve::api::runware
