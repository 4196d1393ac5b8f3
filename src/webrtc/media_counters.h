// Per-worker media counters. Each worker writes only its own (relaxed, no locked
// instruction); the control thread reads them for /metrics.
#pragma once

#include <atomic>
#include <cstdint>

namespace podium::webrtc {

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(std::uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Why a datagram or packet was dropped; each has its own counter.
enum class DropReason {
  kUnknownFirstByte,    // not STUN, DTLS or RTP/RTCP (RFC 7983)
  kStunRejected,        // malformed, unknown username, bad integrity
  kUnknownTuple,        // DTLS/SRTP from an address no valid ICE check came from
  kDtlsError,           // a record the DTLS stack refused
  kNotConnected,        // SRTP before the DTLS handshake finished
  kSrtpUnprotect,       // authentication or replay failure
  kMalformedRtp,
  kMalformedRtcp,
  kUnknownSsrc,         // RTP the publisher did not announce and no MID/PT maps
  kSendFailed,
  kNotAllowed,          // the conference does not let this publisher send now (paused)
  kCount
};

inline const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kUnknownFirstByte: return "unknown_first_byte";
    case DropReason::kStunRejected: return "stun_rejected";
    case DropReason::kUnknownTuple: return "unknown_tuple";
    case DropReason::kDtlsError: return "dtls_error";
    case DropReason::kNotConnected: return "not_connected";
    case DropReason::kSrtpUnprotect: return "srtp_unprotect";
    case DropReason::kMalformedRtp: return "malformed_rtp";
    case DropReason::kMalformedRtcp: return "malformed_rtcp";
    case DropReason::kUnknownSsrc: return "unknown_ssrc";
    case DropReason::kSendFailed: return "send_failed";
    case DropReason::kNotAllowed: return "not_allowed";
    case DropReason::kCount: break;
  }
  return "other";
}

struct MediaCounters {
  Counter datagrams_in, bytes_in;
  Counter rtp_packets_in, rtp_bytes_in;
  Counter rtp_packets_out, rtp_bytes_out;
  Counter rtcp_packets_in, rtcp_packets_out;
  Counter transports, transports_connected, producers, consumers;
  Counter keyframe_requests;
  Counter dropped[static_cast<int>(DropReason::kCount)];
  // Loss recovery (RFC 4585 §6.2.1 generic NACK, RFC 4588 RTX).
  Counter nacks_received;        // NACK packets from subscribers
  Counter nacks_sent;            // NACK packets to publishers
  Counter retransmissions_sent;  // packets resent to subscribers (RTX or plain)
  Counter retransmissions_shed;  // NACKed packets not resent: the worker was behind
  Counter rtx_packets_in;        // RTX packets from publishers
  Counter upstream_repaired;          // missing publisher packets that came after a NACK
  Counter upstream_repair_micros;     // sum of their delays from detection to arrival
  Counter nack_given_up;              // missing publisher packets given up on (then a PLI)
  Counter playout_delay_changes;      // min playout delay asked of a subscriber raised or lowered
  // Bandwidth estimation (transport-cc, REMB).
  Counter transport_cc_feedback_sent;      // feedback packets to publishers
  Counter transport_cc_feedback_received;  // feedback packets from subscribers
  Counter remb_received;
  Counter estimated_bitrate_sum;           // gauge: sum of subscribers' estimates, bps
  Counter estimated_bitrate_subscribers;   // gauge: subscribers with an estimate
  // Bandwidth probing toward subscribers (sfu/probe.h).
  Counter probe_clusters;        // probe clusters started
  Counter probe_packets;         // RTX copies and padding packets sent to probe
  Counter probe_bytes;
  Counter probe_raised;          // clusters that lifted a subscriber's estimate

  void drop(DropReason reason) { dropped[static_cast<int>(reason)].add(); }
};

}  // namespace podium::webrtc
