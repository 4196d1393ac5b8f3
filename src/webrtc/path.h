// The network path a transport's packets take (RFC 8445 §3 "candidate pair", seen from
// the server): a peer address on the worker's shared UDP socket, or one ICE-TCP
// connection (RFC 6544), where everything travels in RFC 4571 frames.
#pragma once

#include <string>

#include "net/endpoint.h"
#include "net/tcp_connection.h"

namespace podium::webrtc {

struct Path {
  net::Endpoint remote;
  net::TcpConnection* tcp = nullptr;  // not owned; the worker tells the demux before closing it

  Path() = default;
  // A UDP path; implicit so that a datagram's source address is a path as it stands.
  Path(const net::Endpoint& udp_remote) : remote(udp_remote) {}  // NOLINT(google-explicit-constructor)
  static Path over_tcp(net::TcpConnection& connection) {
    Path path(connection.remote());
    path.tcp = &connection;
    return path;
  }

  bool is_tcp() const { return tcp != nullptr; }
  std::string to_string() const { return (tcp ? "tcp " : "udp ") + remote.to_string(); }

  friend bool operator==(const Path& a, const Path& b) { return a.tcp == b.tcp && a.remote == b.remote; }
};

}  // namespace podium::webrtc
