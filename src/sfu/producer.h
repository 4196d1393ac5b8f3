// An incoming track: RTP from one publisher's m-section, fanned out to its consumers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rtp/header_extensions.h"
#include "rtp/nack_generator.h"
#include "rtp/receive_statistics.h"
#include "rtp/retransmission_buffer.h"
#include "rtp/rtp_packet.h"
#include "sfu/track.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::sfu {

class Consumer;
class Peer;

class Producer {
 public:
  // Video producers keep a retransmission buffer from the start (allocated once here).
  Producer(std::string id, std::string mid, MediaKind kind, RtpCodecParameters codec,
           rtp::ExtensionMap extensions, Peer& publisher, std::uint64_t sequence);

  const std::string& id() const { return id_; }
  const std::string& mid() const { return mid_; }
  MediaKind kind() const { return kind_; }
  const RtpCodecParameters& codec() const { return codec_; }
  const rtp::ExtensionMap& extensions() const { return extensions_; }
  Peer& publisher() const { return publisher_; }
  // Order of creation in its router; the stage follows the newest publisher.
  std::uint64_t sequence() const { return sequence_; }

  // The media SSRC, learned from the SDP or the first packet.
  std::optional<std::uint32_t> ssrc() const { return ssrc_; }
  void set_ssrc(std::uint32_t ssrc);
  void set_payload_types(std::vector<int> types) { payload_types_ = std::move(types); }
  bool accepts_payload_type(int pt) const;

  void add_consumer(Consumer& consumer);
  void remove_consumer(Consumer& consumer);
  const std::vector<Consumer*>& consumers() const { return consumers_; }

  // A paused producer forwards nothing: the conference does not allow its publisher to
  // send this kind now (not on the floor, muted by a moderator). Enforced here, at the
  // router, so a client that ignores the decision still reaches no one. Resuming asks
  // for a keyframe so consumers restart cleanly.
  bool paused() const { return paused_; }
  void set_paused(bool paused, TimePoint now);

  // Hands a decrypted packet to every consumer. `repaired`: it came as RTX (RFC 4588)
  // and was unwrapped; one that is not missing any more is dropped as a duplicate.
  void forward(const rtp::RtpPacket& packet, TimePoint now, bool repaired = false);

  // Loss recovery toward the publisher: NACK what is missing (RFC 4585 §6.2.1), when
  // the publisher negotiated "nack" for the codec.
  void enable_nack();
  bool nack_enabled() const { return nack_ != nullptr; }
  // The publisher's RTX stream (RFC 4588): its SSRC (from a=ssrc-group:FID or learned
  // from the first RTX packet) and the RTX payload type of each original one.
  std::optional<std::uint32_t> rtx_ssrc() const { return rtx_ssrc_; }
  void set_rtx_ssrc(std::uint32_t ssrc) { rtx_ssrc_ = ssrc; }
  void add_rtx_payload_type(int rtx_payload_type, int original_payload_type);
  // The original payload type an RTX payload type repairs.
  std::optional<int> rtx_original_payload_type(int rtx_payload_type) const;

  // A packet forwarded lately, to resend to a subscriber that lost it.
  std::optional<rtp::RtpPacket> retransmission(std::uint16_t sequence_number, TimePoint now);

  // Asks the publisher for a keyframe (PLI, RFC 4585 §6.3.1), at most once per
  // kKeyframeInterval so a crowd of joining subscribers does not flood the publisher.
  void request_keyframe(TimePoint now);

  // Reception statistics for the receiver reports sent to the publisher (RFC 3550 §6.4).
  void on_sender_report(std::uint64_t ntp_timestamp, TimePoint now);
  std::optional<rtp::ReportBlock> report_block(TimePoint now);

  static constexpr Duration kKeyframeInterval{300'000};

 private:
  std::string id_;
  std::string mid_;
  MediaKind kind_;
  RtpCodecParameters codec_;
  rtp::ExtensionMap extensions_;
  Peer& publisher_;
  std::uint64_t sequence_;
  std::optional<std::uint32_t> ssrc_;
  std::vector<int> payload_types_;
  std::vector<Consumer*> consumers_;
  bool paused_ = false;
  std::optional<TimePoint> last_keyframe_request_;

  std::optional<rtp::ReceiveStatistics> statistics_;  // once the SSRC is known

  std::unique_ptr<rtp::RetransmissionBuffer> retransmissions_;  // video only
  std::unique_ptr<rtp::NackGenerator> nack_;
  std::vector<std::uint16_t> nack_due_;  // reused; capacity reserved once
  std::optional<std::uint32_t> rtx_ssrc_;
  std::vector<std::pair<int, int>> rtx_payload_types_;  // (rtx, original)
};

}  // namespace podium::sfu
