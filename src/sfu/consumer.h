// An outgoing track for one subscriber. It has its own SSRC, sequence numbers and
// timestamps, so the source behind it can change (the stage moving to another speaker)
// without the receiver seeing a jump.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rtp/header_extensions.h"
#include "rtp/receive_statistics.h"
#include "rtp/rtp_packet.h"
#include "sfu/track.h"
#include "util/clock.h"

namespace podium::sfu {

class Peer;
class Producer;

class Consumer {
 public:
  Consumer(std::string mid, MediaKind kind, std::uint32_t ssrc, int payload_type,
           rtp::ExtensionMap extensions, Peer& subscriber);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  const std::string& mid() const { return mid_; }
  MediaKind kind() const { return kind_; }
  std::uint32_t ssrc() const { return ssrc_; }
  Peer& subscriber() const { return subscriber_; }
  Producer* source() const { return source_; }
  // True for a WHEP stage consumer, which follows the stage instead of one track.
  bool follows_stage = false;

  // Detaches from the current source (if any) and attaches to `source` (may be null).
  // The next packet continues this consumer's sequence and timestamp lines; video waits
  // for a keyframe, which is requested now.
  void set_source(Producer* source, TimePoint now);

  // Rewrites and sends one packet of the source.
  void forward(const rtp::RtpPacket& packet, TimePoint now);

  // Called when the subscriber's transport connects or asks for a keyframe.
  void request_keyframe(TimePoint now);

  // RTCP sender report + SDES for this stream (RFC 3550 §6.4.1); 0 if nothing sent yet.
  std::size_t write_sender_report(std::uint8_t* out, std::size_t capacity, TimePoint now) const;

  std::uint64_t packets_sent() const { return sent_.packet_count(); }

 private:
  std::string mid_;
  MediaKind kind_;
  std::uint32_t ssrc_;
  int payload_type_;
  rtp::ExtensionMap extensions_;
  Peer& subscriber_;
  Producer* source_ = nullptr;

  bool waiting_for_keyframe_ = true;
  std::optional<TimePoint> keyframe_requested_at_;
  // Rewriting: out = in + offset (mod 2^16 / 2^32). Reset at each source switch.
  bool rebase_ = true;
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t timestamp_offset_ = 0;
  bool sent_any_ = false;
  std::uint16_t last_sequence_ = 0;
  std::uint32_t last_timestamp_ = 0;
  TimePoint last_sent_at_{};
  int clock_rate_ = 90000;
  rtp::SenderStatistics sent_{90000};
};

}  // namespace podium::sfu
