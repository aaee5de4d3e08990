// Socket options of accepted connections: TCP_NODELAY, so that the last piece of a response is
// not held back by Nagle's algorithm until the client's delayed ACK (~40 ms on Linux).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "api/http/responses.hpp"
#include "api/http/server.hpp"
#include "test_client.hpp"

namespace vidserve::api::http {
namespace {

using test::RawClient;
using test::RunningServer;
using test::test_options;

unsigned short port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  return 0;
}

// The server's end of the connection from `client_port` to `server_port`: the server runs in
// this process, so it is one of our own descriptors.
std::optional<int> server_side_fd(unsigned short server_port, unsigned short client_port) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (...) {
      continue;
    }
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (port_of(local) == server_port && port_of(peer) == client_port) return fd;
  }
  return std::nullopt;
}

// Answers with the client's port, as the server sees it.
bhttp::message_generator peer_port(Request&& req, const ConnectionInfo& info) {
  return json_response(req, bhttp::status::ok,
                       boost::json::serialize(boost::json::object{{"port", info.remote_port}}));
}

TEST(HttpSocketOptions, AcceptedConnectionsHaveTcpNoDelay) {
  RunningServer s(test_options(), peer_port);
  RawClient client(s.port);
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto res = client.read_response();  // the session exists while the connection is open
  ASSERT_TRUE(res);
  const auto client_port =
      static_cast<unsigned short>(boost::json::parse(res->body()).at("port").as_int64());
  const auto fd = server_side_fd(s.port, client_port);
  ASSERT_TRUE(fd) << "no descriptor for 127.0.0.1:" << s.port << " <- port " << client_port;
  int nodelay = 0;
  socklen_t len = sizeof nodelay;
  ASSERT_EQ(::getsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
  EXPECT_NE(nodelay, 0);
}

}  // namespace
}  // namespace vidserve::api::http
