// A non-blocking listening TCP socket (ICE-TCP passive candidates, RFC 6544 §4.5).
#pragma once

#include <cstdint>
#include <optional>

#include "net/endpoint.h"
#include "net/tcp_connection.h"
#include "util/result.h"

namespace podium::net {

class TcpListener {
 public:
  // Non-blocking, SO_REUSEADDR. "[::]:port" also takes IPv4 (IPV6_V6ONLY off), as for
  // UdpSocket; such peers are reported as plain IPv4 endpoints.
  static Result<TcpListener> bind(const Endpoint& local, int backlog = 128);

  TcpListener(TcpListener&& other) noexcept;
  TcpListener& operator=(TcpListener&& other) noexcept;
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  // Unwatch the fd from its EventLoop first.
  ~TcpListener();

  int fd() const { return fd_; }
  const Endpoint& local_endpoint() const { return local_; }

  // The next pending connection, or nothing when none is waiting (or the kernel refused
  // it: out of descriptors, aborted before accept).
  std::optional<TcpConnection> accept(std::size_t read_capacity = TcpConnection::kDefaultReadCapacity,
                                      std::size_t write_capacity = TcpConnection::kDefaultWriteCapacity);
  std::uint64_t accept_errors() const { return accept_errors_; }

 private:
  TcpListener(int fd, Endpoint local) : fd_(fd), local_(local) {}
  void close_fd();

  int fd_ = -1;
  Endpoint local_;
  std::uint64_t accept_errors_ = 0;
};

}  // namespace podium::net
