// Deferred fan-out: while a worker handles one receive batch, a video producer with
// several consumers keeps the packets it receives (a frame arrives as a burst) and fans
// them out when the batch ends, consumer by consumer. Each subscriber's copies of the
// burst are then written one after another, equal in size (RTP padding makes up a few
// bytes where the publisher's packetizer left them unequal), and leave the worker's
// socket as one UDP GSO message (net/udp_socket.h) instead of one send each.
#pragma once

#include <algorithm>
#include <vector>

namespace podium::sfu {

class Producer;

class FanoutBatch {
 public:
  // Between open() and close() producers may defer; outside, they forward at once.
  void open() { open_ = true; }
  bool is_open() const { return open_; }
  // Fans out what every producer deferred, in the order they first deferred.
  void close();

  // A producer that deferred a packet, to be flushed at close().
  void enqueue(Producer& producer) { producers_.push_back(&producer); }
  // A producer going away with packets deferred.
  void forget(const Producer& producer) { std::erase(producers_, &producer); }

 private:
  bool open_ = false;
  std::vector<Producer*> producers_;
};

}  // namespace podium::sfu
