#include "net/tcp_listener.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace podium::net {
namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

}  // namespace

Result<TcpListener> TcpListener::bind(const Endpoint& local, int backlog) {
  if (!local.is_v4() && !local.is_v6()) return Error{"cannot bind an unspecified endpoint"};
  int fd = socket(local.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{fmt::format("socket: {}", errno_text(errno))};
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (local.is_v6()) {
    int zero = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  }
  if (::bind(fd, local.sockaddr_ptr(), local.sockaddr_length()) != 0 || ::listen(fd, backlog) != 0) {
    int error = errno;
    ::close(fd);
    return Error{fmt::format("listen on tcp {}: {}", local.to_string(), errno_text(error))};
  }
  sockaddr_in6 bound{};
  socklen_t length = sizeof(bound);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    int error = errno;
    ::close(fd);
    return Error{fmt::format("getsockname: {}", errno_text(error))};
  }
  auto endpoint = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&bound), length);
  if (!endpoint) {
    ::close(fd);
    return Error{"getsockname returned an unknown address family"};
  }
  return TcpListener(fd, *endpoint);
}

TcpListener::TcpListener(TcpListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), local_(other.local_), accept_errors_(other.accept_errors_) {}

TcpListener& TcpListener::operator=(TcpListener&& other) noexcept {
  if (this != &other) {
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    local_ = other.local_;
    accept_errors_ = other.accept_errors_;
  }
  return *this;
}

TcpListener::~TcpListener() { close_fd(); }

void TcpListener::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::optional<TcpConnection> TcpListener::accept(std::size_t read_capacity,
                                                  std::size_t write_capacity) {
  for (;;) {
    sockaddr_in6 peer{};
    socklen_t length = sizeof(peer);
    int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) accept_errors_++;
      return std::nullopt;
    }
    auto remote = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&peer), length);
    if (!remote) {
      ::close(fd);
      accept_errors_++;
      continue;
    }
    return TcpConnection(fd, remote->is_v4_mapped() ? remote->unmapped() : *remote,
                         read_capacity, write_capacity);
  }
}

}  // namespace podium::net
