// Keeps the VP8 picture ID and TL0PICIDX of one outgoing stream continuous while the
// SFU changes what it forwards: another simulcast stream (each has its own numbering)
// or fewer temporal layers (the pictures of the upper layers are not sent at all).
#pragma once

#include <cstdint>
#include <optional>

#include "rtp/payload_descriptors.h"
#include "util/bytes.h"

namespace podium::rtp {

// RFC 7741 §4.2: a receiver detects lost pictures by gaps in the picture ID and lost
// base-layer pictures by gaps in TL0PICIDX, so both must read as one stream whatever
// the SFU switches or drops. Pure bookkeeping; the bytes are rewritten in the copy
// being sent, never in the source packet (other consumers share it).
class Vp8Rewriter {
 public:
  // The next forwarded packet starts a new source (a layer switch or a new producer):
  // its picture follows the last picture written, and its TL0PICIDX the last one.
  void rebase() { rebase_ = true; }

  // A packet that is sent: at a rebase this fixes the offsets; it records the last
  // values written.
  void on_forwarded(const Vp8Descriptor& descriptor);
  // A packet that is not sent because its picture is on a temporal layer above the
  // chosen one: every later picture moves down by one so no picture ID is missing.
  // (TL0PICIDX needs nothing: base-layer pictures are never dropped.)
  void on_dropped(const Vp8Descriptor& descriptor);

  // Writes the rewritten picture ID and TL0PICIDX into the descriptor at the start of
  // `payload`, keeping the width (7 or 15 bits) the packet has. False if the descriptor
  // is malformed (nothing is written then).
  bool write(MutableBytes payload) const;
  // The same with `descriptor` already parsed from these bytes (a forwarding SFU parses
  // each packet once for all its copies).
  void write(MutableBytes payload, const Vp8Descriptor& descriptor) const;

  // What `write` puts in a packet whose picture ID / TL0PICIDX is `in`.
  std::uint16_t picture_id(std::uint16_t in, bool is_15_bit) const;
  std::uint8_t tl0_pic_idx(std::uint8_t in) const { return static_cast<std::uint8_t>(in + tl0_offset_); }

 private:
  bool rebase_ = true;
  std::uint16_t picture_offset_ = 0;  // modulo 2^15
  std::uint8_t tl0_offset_ = 0;
  std::optional<std::uint16_t> last_picture_id_;  // written, 15-bit space
  std::optional<std::uint8_t> last_tl0_pic_idx_;  // written
  std::optional<std::uint16_t> last_dropped_picture_id_;  // source's
};

}  // namespace podium::rtp
