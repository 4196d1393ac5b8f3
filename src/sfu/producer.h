// An incoming track: RTP from one publisher's m-section, fanned out to its consumers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtp/header_extensions.h"
#include "rtp/receive_statistics.h"
#include "rtp/rtp_packet.h"
#include "sfu/track.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::sfu {

class Consumer;
class Peer;

class Producer {
 public:
  Producer(std::string id, std::string mid, MediaKind kind, RtpCodecParameters codec,
           rtp::ExtensionMap extensions, Peer& publisher, std::uint64_t sequence)
      : id_(std::move(id)), mid_(std::move(mid)), kind_(kind), codec_(std::move(codec)),
        extensions_(extensions), publisher_(publisher), sequence_(sequence) {}

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

  // Hands a decrypted packet to every consumer.
  void forward(const rtp::RtpPacket& packet, TimePoint now);

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
  std::optional<TimePoint> last_keyframe_request_;

  std::optional<rtp::ReceiveStatistics> statistics_;  // once the SSRC is known
};

}  // namespace podium::sfu
