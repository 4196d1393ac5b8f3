// RFC 4571 framing, which ICE-TCP uses for everything on a TCP connection (RFC 6544 §3):
// each STUN, DTLS or SRTP packet is preceded by its length as a 16-bit big-endian
// number. Pure functions over buffers; the connection that owns the bytes is elsewhere.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace podium::ice {

// RFC 4571 §2: LENGTH is 16 bits, so a frame carries at most 65535 bytes.
inline constexpr std::size_t kFrameHeaderSize = 2;
inline constexpr std::size_t kMaxFramePayload = 65535;

// The length prefix for a packet of `length` bytes, or nothing when it cannot be framed.
std::optional<std::array<std::uint8_t, kFrameHeaderSize>> frame_header(std::size_t length);

struct FrameScan {
  enum class Status {
    kFrame,     // `packet` is complete; drop `consumed` bytes after using it
    kNeedMore,  // the header or the packet is not all there yet
    kTooLarge,  // the header announces more than the caller accepts: the stream is bad
  };
  Status status = Status::kNeedMore;
  MutableBytes packet;       // a view into the scanned buffer (kFrame only)
  std::size_t consumed = 0;  // header + packet (kFrame only)
};

// Looks at the start of `buffered` for one whole frame. `max_packet` bounds what the
// caller is willing to hold: WebRTC packets are never larger than a datagram, so a
// longer frame is garbage rather than something to wait for.
FrameScan next_frame(MutableBytes buffered, std::size_t max_packet = kMaxFramePayload);

}  // namespace podium::ice
