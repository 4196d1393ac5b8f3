#include "rtp/retransmission_buffer.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace podium::rtp {

RetransmissionBuffer::RetransmissionBuffer(std::size_t capacity, Duration max_age)
    : slots_(std::bit_ceil(std::clamp<std::size_t>(capacity, 1, 1 << 15))), max_age_(max_age) {}

bool RetransmissionBuffer::store(const RtpPacket& packet, TimePoint now) {
  Bytes bytes = packet.data();
  if (bytes.size() > kMaxPacketSize) return false;
  Slot& slot = slots_[index(packet.sequence_number())];
  std::memcpy(slot.data.data(), bytes.data(), bytes.size());
  slot.length = static_cast<std::uint16_t>(bytes.size());
  slot.sequence_number = packet.sequence_number();
  slot.stored_at = now;
  slot.used = true;
  return true;
}

std::optional<RtpPacket> RetransmissionBuffer::get(std::uint16_t sequence_number, TimePoint now) {
  Slot& slot = slots_[index(sequence_number)];
  // The sequence number check catches a slot reused by a newer packet; the age check a
  // packet from 2^16 sequence numbers ago, and a stream that stopped long ago.
  if (!slot.used || slot.sequence_number != sequence_number) return std::nullopt;
  if (now - slot.stored_at > max_age_ || now < slot.stored_at) return std::nullopt;
  return RtpPacket::parse(MutableBytes(slot.data.data(), slot.length));
}

void RetransmissionBuffer::clear() {
  for (Slot& slot : slots_) slot.used = false;
}

}  // namespace podium::rtp
