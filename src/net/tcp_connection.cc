#include "net/tcp_connection.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace podium::net {
namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

}  // namespace

TcpConnection::TcpConnection(int fd, Endpoint remote, std::size_t read_capacity,
                             std::size_t write_capacity)
    : fd_(fd), remote_(remote), read_buffer_(read_capacity), write_buffer_(write_capacity) {
  int flags = fcntl(fd_, F_GETFL, 0);
  if (flags >= 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

Result<TcpConnection> TcpConnection::connect(const Endpoint& remote) {
  if (!remote.is_v4() && !remote.is_v6()) return Error{"cannot connect to an unspecified endpoint"};
  int fd = socket(remote.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{fmt::format("socket: {}", errno_text(errno))};
  if (::connect(fd, remote.sockaddr_ptr(), remote.sockaddr_length()) != 0) {
    int error = errno;
    ::close(fd);
    return Error{fmt::format("connect {}: {}", remote.to_string(), errno_text(error))};
  }
  return TcpConnection(fd, remote);
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      remote_(other.remote_),
      read_buffer_(std::move(other.read_buffer_)),
      read_begin_(other.read_begin_),
      read_end_(other.read_end_),
      write_buffer_(std::move(other.write_buffer_)),
      write_begin_(other.write_begin_),
      write_end_(other.write_end_),
      counters_(other.counters_) {}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    remote_ = other.remote_;
    read_buffer_ = std::move(other.read_buffer_);
    read_begin_ = other.read_begin_;
    read_end_ = other.read_end_;
    write_buffer_ = std::move(other.write_buffer_);
    write_begin_ = other.write_begin_;
    write_end_ = other.write_end_;
    counters_ = other.counters_;
  }
  return *this;
}

TcpConnection::~TcpConnection() { close_fd(); }

void TcpConnection::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

TcpConnection::ReadStatus TcpConnection::read() {
  if (fd_ < 0) return ReadStatus::kClosed;
  // Move the unconsumed tail to the front so the free room is contiguous.
  if (read_begin_ > 0) {
    std::memmove(read_buffer_.data(), read_buffer_.data() + read_begin_, read_end_ - read_begin_);
    read_end_ -= read_begin_;
    read_begin_ = 0;
  }
  if (read_end_ == read_buffer_.size()) return ReadStatus::kAgain;
  for (;;) {
    ssize_t n = ::recv(fd_, read_buffer_.data() + read_end_, read_buffer_.size() - read_end_, 0);
    if (n > 0) {
      read_end_ += static_cast<std::size_t>(n);
      counters_.bytes_received += static_cast<std::size_t>(n);
      return ReadStatus::kData;
    }
    if (n == 0) return ReadStatus::kClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadStatus::kAgain;
    return ReadStatus::kClosed;
  }
}

MutableBytes TcpConnection::buffered() {
  return MutableBytes(read_buffer_.data() + read_begin_, read_end_ - read_begin_);
}

void TcpConnection::consume(std::size_t count) {
  read_begin_ += std::min(count, read_end_ - read_begin_);
  if (read_begin_ == read_end_) read_begin_ = read_end_ = 0;
}

bool TcpConnection::write(Bytes first, Bytes second) {
  std::size_t size = first.size() + second.size();
  if (write_end_ + size > write_buffer_.size() && write_begin_ > 0) {
    std::memmove(write_buffer_.data(), write_buffer_.data() + write_begin_, write_end_ - write_begin_);
    write_end_ -= write_begin_;
    write_begin_ = 0;
  }
  if (fd_ < 0 || write_end_ + size > write_buffer_.size()) {
    counters_.write_drops++;
    return false;
  }
  if (!first.empty()) std::memcpy(write_buffer_.data() + write_end_, first.data(), first.size());
  write_end_ += first.size();
  if (!second.empty()) std::memcpy(write_buffer_.data() + write_end_, second.data(), second.size());
  write_end_ += second.size();
  return true;
}

bool TcpConnection::flush() {
  if (fd_ < 0) return false;
  while (write_begin_ < write_end_) {
    ssize_t n = ::send(fd_, write_buffer_.data() + write_begin_, write_end_ - write_begin_,
                       MSG_NOSIGNAL);
    if (n > 0) {
      write_begin_ += static_cast<std::size_t>(n);
      counters_.bytes_sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  write_begin_ = write_end_ = 0;
  return true;
}

}  // namespace podium::net
