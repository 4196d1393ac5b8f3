// RetransmissionBuffer: the last packets of one received stream, kept so that a NACK
// (RFC 4585 §6.2.1) from any subscriber can be answered without asking the publisher.
// Storage is a ring of fixed slots allocated once; storing copies the packet bytes into
// the slot of its sequence number, so nothing is allocated per packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/rtp_packet.h"
#include "util/clock.h"

namespace podium::rtp {

class RetransmissionBuffer {
 public:
  // Larger packets are not stored (they cannot have come over a 1500-byte path anyway).
  static constexpr std::size_t kMaxPacketSize = 1500;
  static constexpr std::size_t kDefaultCapacity = 1024;  // ~1 s of 8 Mbit/s video
  static constexpr Duration kDefaultMaxAge{1'000'000};

  // `capacity` is rounded up to a power of two (so that it divides 2^16 and the slot of
  // a sequence number stays the same across the wrap).
  explicit RetransmissionBuffer(std::size_t capacity = kDefaultCapacity,
                                Duration max_age = kDefaultMaxAge);

  std::size_t capacity() const { return slots_.size(); }

  // Copies the packet (header, payload and padding) into its slot, replacing whatever
  // the slot held. Returns false if the packet is too large to keep.
  bool store(const RtpPacket& packet, TimePoint now);

  // The stored packet with this sequence number, if it is still there and was stored
  // no more than max_age before `now`. The view stays valid until the next store().
  std::optional<RtpPacket> get(std::uint16_t sequence_number, TimePoint now);

  void clear();

 private:
  struct Slot {
    bool used = false;
    std::uint16_t sequence_number = 0;
    std::uint16_t length = 0;
    TimePoint stored_at{};
    std::array<std::uint8_t, kMaxPacketSize> data;
  };

  std::size_t index(std::uint16_t sequence_number) const {
    return sequence_number & (slots_.size() - 1);
  }

  std::vector<Slot> slots_;
  Duration max_age_;
};

}  // namespace podium::rtp
