// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
// extensions-01 §3.1): the status chunks and receive deltas of an RTPFB FMT 15 packet,
// their writer, and the receive-side recorder that turns arrivals into feedback.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtp/rtcp_packet.h"
#include "rtp/sequence_unwrapper.h"
#include "util/clock.h"

namespace podium::rtp {

// §3.1: receive deltas count 250 µs, the reference time 64 ms.
inline constexpr std::int64_t kTransportCcDeltaUs = 250;
inline constexpr std::int64_t kTransportCcReferenceUs = 64'000;
// An arrival time that means "not received" in writer input.
inline constexpr std::int64_t kNotReceived = -1;
// More statuses than this in one feedback are refused by the reader (a 1500-byte packet
// of run-length chunks could otherwise claim 65535 entries) and never written.
inline constexpr std::size_t kMaxTransportCcStatuses = 8192;

struct TransportCcStatus {
  std::uint16_t sequence = 0;
  bool received = false;
  // Receiver clock: reference time plus the deltas so far, in µs. Valid when received.
  std::int64_t receive_time_us = 0;
  bool operator==(const TransportCcStatus&) const = default;
};

// Decodes every packet status of `feedback` into `out` (cleared first, its capacity
// reused). False, with `out` empty, when the chunks or deltas are truncated, use the
// reserved symbol, or claim more than kMaxTransportCcStatuses packets.
bool read_transport_cc(const TransportCc& feedback, std::vector<TransportCcStatus>& out);

struct TransportCcWritten {
  std::size_t length = 0;   // bytes written; 0 when nothing fit
  std::size_t packets = 0;  // statuses covered, from base_sequence on
};

// Writes one feedback for the packets base_sequence, base_sequence+1, ... whose arrival
// times (µs, any non-negative timeline, kNotReceived when lost) are `arrivals_us`. Writes as many as fit in `capacity` and in the 16-bit
// signed delta (a longer gap ends the packet: the caller sends the rest in the next).
// The reference time is that of the first received entry; trailing losses are left for
// the next feedback.
TransportCcWritten write_transport_cc(std::uint8_t* out, std::size_t capacity,
                                      std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                      std::uint16_t base_sequence, std::uint8_t feedback_count,
                                      std::span<const std::int64_t> arrivals_us);

// Receive side: remembers the arrival time of the last kWindow transport-wide sequence
// numbers in a fixed ring and writes feedback for everything not yet reported.
class TransportCcRecorder {
 public:
  static constexpr std::size_t kWindow = 1024;

  TransportCcRecorder() { arrivals_.fill(kNotReceived); }

  void on_packet(std::uint16_t sequence, TimePoint arrival);
  bool has_pending() const { return next_ >= 0 && next_ <= highest_; }
  // One feedback packet (or 0 bytes when there is nothing new). Call again while
  // has_pending() to send what did not fit.
  std::size_t write_feedback(std::uint8_t* out, std::size_t capacity, std::uint32_t sender_ssrc,
                             std::uint32_t media_ssrc);

 private:
  std::int64_t& slot(std::int64_t extended) { return arrivals_[static_cast<std::size_t>(extended) % kWindow]; }

  SequenceUnwrapper unwrapper_;
  std::array<std::int64_t, kWindow> arrivals_;
  std::int64_t next_ = -1;     // first extended sequence number not yet reported
  std::int64_t highest_ = -1;  // highest extended sequence number received
  std::uint8_t feedback_count_ = 0;
};

}  // namespace podium::rtp
