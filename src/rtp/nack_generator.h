// NackGenerator: which packets of one received stream to ask the sender to resend
// (generic NACK, RFC 4585 §6.2.1). Fed with every received sequence number, it keeps
// the missing ones, offers each for a NACK right away and again every retry interval
// (about one round trip, so a retransmission has had time to arrive), and gives up on
// one after kMaxRetries or once it is too old to be useful. When a gap is so large
// that resending it would cost more than a new picture, it suggests a keyframe
// request instead (RFC 4585 §3.6.2 leaves that trade-off to the receiver).
//
// On a long path (retry interval of kEchoMinRetryInterval or more) the first NACK of a
// packet is echoed once, kEchoDelay after it: a lost NACK then costs kEchoDelay instead
// of a whole round trip. The echo is not a try; a sender that already answered the
// first ignores it (libwebrtc resends a packet at most once per round trip).
//
// The missing list has a fixed capacity reserved up front: nothing is allocated per
// packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rtp/sequence_unwrapper.h"
#include "util/clock.h"

namespace podium::rtp {

class NackGenerator {
 public:
  static constexpr std::size_t kMaxMissing = 256;
  static constexpr int kMaxRetries = 10;
  static constexpr Duration kMaxAge{1'000'000};
  static constexpr Duration kDefaultRetryInterval{30'000};
  static constexpr Duration kMinRetryInterval{10'000};
  static constexpr Duration kMaxRetryInterval{200'000};
  static constexpr Duration kEchoDelay{15'000};
  static constexpr Duration kEchoMinRetryInterval{60'000};

  enum class Reception {
    kInOrder,          // the newest so far (after a gap, the gap is now missing)
    kRecovered,        // a packet that was missing
    kDuplicate,        // older than the newest and not missing: already had it, or given up
    kKeyframeNeeded,   // a gap too large to repair: the missing list was cleared
  };

  NackGenerator();

  Reception on_packet(std::uint16_t sequence_number, TimePoint now);

  // Appends to `out` the sequence numbers to NACK now, oldest first, and counts each
  // as one more try. Drops the ones that ran out of tries or age.
  void collect(TimePoint now, std::vector<std::uint16_t>& out);

  // Round-trip estimate (e.g. from RTCP, RFC 3550 §6.4.1 LSR/DLSR); sets the retry spacing.
  void set_round_trip_time(Duration rtt);
  Duration retry_interval() const { return retry_interval_; }

  std::size_t missing_count() const { return missing_.size(); }
  std::uint64_t given_up() const { return given_up_; }
  // Of the last kRecovered packet: time since its loss was detected, and NACKs sent for it.
  Duration last_repair_delay() const { return last_repair_delay_; }
  int last_repair_tries() const { return last_repair_tries_; }
  void reset();

 private:
  struct Missing {
    std::int64_t sequence;  // extended
    TimePoint detected_at;
    std::optional<TimePoint> last_sent_at;
    int tries = 0;
    bool echoed = false;  // the first NACK's echo went out
  };

  SequenceUnwrapper unwrapper_;
  std::optional<std::int64_t> newest_;
  std::vector<Missing> missing_;  // increasing sequence
  Duration retry_interval_ = kDefaultRetryInterval;
  std::uint64_t given_up_ = 0;
  Duration last_repair_delay_{};
  int last_repair_tries_ = 0;
};

}  // namespace podium::rtp
