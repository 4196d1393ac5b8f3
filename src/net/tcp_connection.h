// One accepted (or, in tests, connected) non-blocking TCP stream with bounded buffers.
// It knows nothing of framing: the owner reads the buffered bytes, consumes what it
// used, and queues whole messages for writing. Neither buffer ever grows past its
// capacity, so a slow or hostile peer costs a fixed amount of memory, and nothing here
// blocks the loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/endpoint.h"
#include "util/bytes.h"
#include "util/result.h"

namespace podium::net {

struct TcpCounters {
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t write_drops = 0;  // messages refused because the write buffer was full
};

class TcpConnection {
 public:
  // Enough for a few frames of the largest WebRTC packet in flight.
  static constexpr std::size_t kDefaultReadCapacity = 64 * 1024 + 2;
  // ~1 s of a 2 Mbit/s video stream: beyond that the path is too slow for real-time
  // media and dropping is better than queueing.
  static constexpr std::size_t kDefaultWriteCapacity = 256 * 1024;

  // Takes ownership of a connected socket; makes it non-blocking and sets TCP_NODELAY
  // (each queued message is a real-time packet, not a byte stream to coalesce).
  TcpConnection(int fd, Endpoint remote, std::size_t read_capacity = kDefaultReadCapacity,
                std::size_t write_capacity = kDefaultWriteCapacity);
  // Blocking connect, then non-blocking: for clients in tests and tools.
  static Result<TcpConnection> connect(const Endpoint& remote);

  TcpConnection(TcpConnection&& other) noexcept;
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;
  // Closes without sending what is still queued. Unwatch the fd from its EventLoop first.
  ~TcpConnection();

  int fd() const { return fd_; }
  const Endpoint& remote() const { return remote_; }

  enum class ReadStatus {
    kData,    // new bytes are in buffered()
    kAgain,   // nothing new (EAGAIN, or the read buffer is full)
    kClosed,  // the peer closed, or the connection failed
  };
  // One recv into the free room of the read buffer.
  ReadStatus read();
  // The bytes read and not consumed yet; writable so packets can be decrypted in place.
  MutableBytes buffered();
  void consume(std::size_t count);
  bool read_buffer_full() const { return read_end_ - read_begin_ == read_buffer_.size(); }

  // Queues `first` then `second` as one unit (e.g. a length prefix and its packet), or
  // nothing at all when they do not fit: false, and counted in write_drops.
  bool write(Bytes first, Bytes second = {});
  // Sends what the kernel takes now; the rest waits for the next flush. False when the
  // connection failed.
  bool flush();
  std::size_t pending_write() const { return write_end_ - write_begin_; }

  const TcpCounters& counters() const { return counters_; }

 private:
  void close_fd();

  int fd_ = -1;
  Endpoint remote_;
  std::vector<std::uint8_t> read_buffer_;
  std::size_t read_begin_ = 0, read_end_ = 0;
  std::vector<std::uint8_t> write_buffer_;
  std::size_t write_begin_ = 0, write_end_ = 0;  // the queued, unsent bytes
  TcpCounters counters_;
};

}  // namespace podium::net
