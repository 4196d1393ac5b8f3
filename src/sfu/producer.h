// An incoming track: RTP from one publisher's m-section, fanned out to its consumers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/header_extensions.h"
#include "rtp/nack_generator.h"
#include "rtp/payload_descriptors.h"
#include "rtp/receive_statistics.h"
#include "rtp/retransmission_buffer.h"
#include "rtp/rtp_packet.h"
#include "sfu/layer_selection.h"
#include "sfu/playout_delay.h"
#include "sfu/track.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::sfu {

class Consumer;
class FanoutBatch;
class Peer;
class RelayHub;
class RelayOrigin;
class Router;

class Producer {
 public:
  // Video producers keep a retransmission buffer from the start (allocated once here).
  Producer(std::string id, std::string mid, MediaKind kind, RtpCodecParameters codec,
           rtp::ExtensionMap extensions, Peer& publisher, std::uint64_t sequence);
  // An internal source the server itself produces (an interpretation program mix): no
  // publisher, no NACK, never paused; it is not in the router's producer list.
  Producer(std::string id, MediaKind kind, RtpCodecParameters codec);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // The worker's deferred fan-out (sfu/fanout_batch.h); without one, packets are fanned
  // out as they come.
  void set_fanout_batch(FanoutBatch* batch) { fanout_batch_ = batch; }
  // Fans out the packets deferred during the current receive batch.
  void flush_deferred();
  // Deferred packets of one stream whose payloads are within this of the largest are
  // padded to its size (RFC 3550 §5.1) so a subscriber's copies can share one GSO send.
  static constexpr std::size_t kMaxGsoPadding = 16;

  const std::string& id() const { return id_; }
  const std::string& mid() const { return mid_; }
  MediaKind kind() const { return kind_; }
  const RtpCodecParameters& codec() const { return codec_; }
  const rtp::ExtensionMap& extensions() const { return extensions_; }
  // A relay producer (sfu/relay.h): stands on this worker for a producer of another
  // worker of the conference. No publisher: its keyframe requests go to `origin`, its
  // audio feeds `router`'s program mixers (never the active speaker); no NACK toward a
  // publisher, but subscribers' NACKs are answered from its own retransmission buffer.
  Producer(std::string id, std::string mid, MediaKind kind, RtpCodecParameters codec,
           rtp::ExtensionMap extensions, std::string participant_id, std::uint64_t sequence,
           RelayOrigin& origin, Router& router);

  // Not for internal sources or relay producers.
  Peer& publisher() const { return *publisher_; }
  bool internal() const { return publisher_ == nullptr; }
  bool relayed() const { return relay_origin_ != nullptr; }
  // Who publishes it (for a relay producer: the original's publisher); empty for an
  // internal source.
  const std::string& participant_id() const;
  // Relay out (set by the router of a conference that spans workers): each packet
  // forwarded is also pushed once to every worker in `*targets` (empty: none).
  void set_relay_out(RelayHub* hub, int worker, const std::vector<int>* targets, std::uint64_t key) {
    relay_hub_ = hub;
    relay_worker_ = worker;
    relay_targets_ = targets;
    relay_key_ = key;
  }
  std::uint64_t relay_key() const { return relay_key_; }
  // Order of creation in its router; the stage follows the newest publisher.
  std::uint64_t sequence() const { return sequence_; }

  // Simulcast (RFC 8853): one stream per rid, ordered low → high (spatial layer =
  // index). Set before any SSRC. Without it the producer has one stream (layer 0).
  void set_simulcast(const std::vector<std::string>& rids);
  bool is_simulcast() const { return streams_.size() > 1 || !streams_[0].rid.empty(); }
  int stream_count() const { return static_cast<int>(streams_.size()); }
  const std::string& rid(int layer) const { return streams_[layer].rid; }
  // The layer of a rid (RFC 8852 RtpStreamId), of a media SSRC, of an RTX SSRC.
  std::optional<int> layer_of_rid(std::string_view rid) const;
  std::optional<int> layer_of_ssrc(std::uint32_t ssrc) const;
  std::optional<int> layer_of_rtx_ssrc(std::uint32_t ssrc) const;

  // The media SSRC of a stream, learned from the SDP or its first packet.
  std::optional<std::uint32_t> ssrc(int layer = 0) const { return streams_[layer].ssrc; }
  void set_ssrc(std::uint32_t ssrc, int layer = 0);
  void set_payload_types(std::vector<int> types) { payload_types_ = std::move(types); }
  const std::vector<int>& payload_types() const { return payload_types_; }
  bool accepts_payload_type(int pt) const;

  // Per stream, for layer selection: active (packets within kInactiveAfter) and bitrate.
  void describe_layers(TimePoint now, std::span<LayerInfo> out) const;
  // Rows of stream `layer`'s last keyframe, where the codec carries it (VP8); 0 otherwise.
  int stream_height(int layer) const { return streams_[static_cast<std::size_t>(layer)].height; }
  static constexpr Duration kInactiveAfter{1'500'000};

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
  bool nack_enabled() const { return nack_enabled_; }
  // Round trip to the publisher (from its report blocks, RFC 3550 §6.4.1): a missing
  // packet is NACKed again once a retransmission could have come and did not, i.e.
  // after the round trip plus kNackRetryMargin, not on every packet that arrives.
  void set_round_trip_time(Duration rtt);
  static constexpr Duration kNackRetryMargin{10'000};
  // Periodic (the worker's tick): NACKs that fell due without a packet arriving, and a
  // keyframe request for a stream whose missing packet was given up on.
  void on_tick(TimePoint now);
  // How long a frame may wait upstream for repairs lately (sfu/playout_delay.h);
  // nullopt while the publisher's path needs none. Updated on each repair and tick.
  std::optional<Duration> repair_need() const { return repair_need_; }
  // A relay producer's is its original's, carried with each relayed packet.
  void set_relayed_repair_need(std::optional<Duration> need) {
    if (relay_origin_) repair_need_ = need;
  }
  // The publisher's RTX stream (RFC 4588): its SSRC (from a=ssrc-group:FID or learned
  // from the first RTX packet) and the RTX payload type of each original one.
  std::optional<std::uint32_t> rtx_ssrc(int layer = 0) const { return streams_[layer].rtx_ssrc; }
  void set_rtx_ssrc(std::uint32_t ssrc, int layer = 0) { streams_[layer].rtx_ssrc = ssrc; }
  void add_rtx_payload_type(int rtx_payload_type, int original_payload_type);
  // The original payload type an RTX payload type repairs.
  std::optional<int> rtx_original_payload_type(int rtx_payload_type) const;

  // A packet of stream `layer` forwarded lately, to resend to a subscriber that lost it.
  std::optional<rtp::RtpPacket> retransmission(std::uint16_t sequence_number, TimePoint now,
                                               int layer = 0);

  // Asks the publisher for a keyframe of one stream (PLI to its SSRC, RFC 4585 §6.3.1),
  // at most once per kKeyframeInterval per stream so a crowd of joining subscribers
  // does not flood the publisher. A request inside the interval is held, not lost: it
  // goes out with the stream's first packet after the interval, unless a keyframe
  // comes first.
  void request_keyframe(TimePoint now, int layer = 0);

  // Reception statistics for the receiver reports sent to the publisher (RFC 3550 §6.4),
  // one block per stream.
  void on_sender_report(std::uint32_t ssrc, std::uint64_t ntp_timestamp, TimePoint now);
  void append_report_blocks(TimePoint now, std::vector<rtp::ReportBlock>& blocks);

  static constexpr Duration kKeyframeInterval{300'000};

 private:
  std::string id_;
  std::string mid_;
  MediaKind kind_;
  RtpCodecParameters codec_;
  rtp::ExtensionMap extensions_;
  Peer* publisher_;  // null for an internal source
  std::uint64_t sequence_;
  // Relays (sfu/relay.h): the way home of a relay producer, the way out of an original.
  RelayOrigin* relay_origin_ = nullptr;
  Router* relay_router_ = nullptr;
  std::string relay_participant_;
  RelayHub* relay_hub_ = nullptr;
  int relay_worker_ = 0;
  const std::vector<int>* relay_targets_ = nullptr;
  std::uint64_t relay_key_ = 0;
  std::vector<int> payload_types_;
  std::vector<Consumer*> consumers_;
  bool paused_ = false;
  bool nack_enabled_ = false;

  // What the producer keeps per RTP stream (one per simulcast rid).
  struct Stream {
    std::string rid;
    std::optional<std::uint32_t> ssrc;
    std::optional<std::uint32_t> rtx_ssrc;
    std::optional<rtp::ReceiveStatistics> statistics;  // once the SSRC is known
    std::unique_ptr<rtp::RetransmissionBuffer> retransmissions;  // video only
    std::unique_ptr<rtp::NackGenerator> nack;
    std::optional<TimePoint> last_keyframe_request;
    bool keyframe_request_held = false;  // asked inside the interval; sent after it
    std::optional<TimePoint> last_packet_at;
    // Bitrate over windows of about a second.
    TimePoint window_start{};
    std::uint64_t window_bytes = 0;
    std::uint64_t bitrate_bps = 0;
    int height = 0;  // rows of its last keyframe, where the codec says (rtp::keyframe_height)
  };
  Stream make_stream(std::string rid) const;
  void send_due_nacks(TimePoint now, int layer);
  void forward_to_consumers(const rtp::RtpPacket& packet, TimePoint now, int layer);
  // The packet's VP8 payload descriptor for the consumers, parsed once per packet
  // (nullopt for another codec).
  std::optional<rtp::Vp8Descriptor> vp8_descriptor(const rtp::RtpPacket& packet) const;
  // What the deferred fan-out keeps: copies, since the receive buffer (or the RTX
  // scratch buffer) is reused before the batch ends.
  struct Deferred {
    static constexpr std::size_t kCapacity = 16;
    static constexpr std::size_t kPacketCapacity = 1500;
    std::uint8_t bytes[kCapacity][kPacketCapacity];
    std::size_t size[kCapacity];
    TimePoint at[kCapacity];
    int layer[kCapacity];
    std::size_t count = 0;
  };
  bool defer(const rtp::RtpPacket& packet, TimePoint now, int layer);
  // Out of the batch's list, then flush_deferred(): the deferred packets go now.
  void flush_deferred_before_batch_end();
  template <typename Visit>
  void for_each_consumer(Visit&& visit);
  FanoutBatch* fanout_batch_ = nullptr;
  std::unique_ptr<Deferred> deferred_;  // allocated at the first deferral
  std::unique_ptr<rtp::NackGenerator> make_nack_generator() const;
  void update_repair_need(TimePoint now);
  std::optional<Duration> rtt_;  // to the publisher, once measured
  RepairWindow repairs_;
  std::optional<Duration> repair_need_;
  std::vector<Stream> streams_;
  std::vector<std::uint16_t> nack_due_;  // reused; capacity reserved once
  std::vector<std::pair<int, int>> rtx_payload_types_;  // (rtx, original)
};

}  // namespace podium::sfu
