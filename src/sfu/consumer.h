// An outgoing track for one subscriber. It has its own SSRC, sequence numbers and
// timestamps, so the source behind it can change (the stage moving to another speaker)
// without the receiver seeing a jump.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "rtp/header_extensions.h"
#include "rtp/rtcp_packet.h"
#include "rtp/receive_statistics.h"
#include "rtp/payload_descriptors.h"
#include "rtp/rtp_packet.h"
#include "rtp/vp8_rewriter.h"
#include "sfu/layer_selection.h"
#include "sfu/playout_delay.h"
#include "sfu/track.h"
#include "util/clock.h"
#include "webrtc/rtp_send_hint.h"

namespace podium::webrtc {
class Transport;
}

namespace podium::sfu {

class Peer;
class Producer;

class Consumer {
 public:
  Consumer(std::string mid, MediaKind kind, std::uint32_t ssrc, int payload_type,
           const rtp::ExtensionMap& extensions, Peer& subscriber);
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
  // The virtual track ("lang:ru", "program:ru") a consumer follows, set by the router;
  // empty for a consumer of one track.
  std::string follows_track;

  // Detaches from the current source (if any) and attaches to `source` (may be null).
  // The next packet continues this consumer's sequence and timestamp lines; video waits
  // for a keyframe, which is requested now.
  void set_source(Producer* source, TimePoint now);

  // The codec this consumer's subscriber negotiated. A source in another codec (or an
  // H.264 profile, VP9/AV1 profile the subscriber cannot decode; the stage may move to
  // such a publisher) is attached but not forwarded.
  void set_codec(const RtpCodecParameters& codec) { codec_ = codec; }
  bool source_fits() const { return source_fits_; }
  // Rewrites and sends one packet of the source's stream `layer` (0 unless simulcast).
  // `vp8`: the packet's VP8 payload descriptor, which the source parsed once for all its
  // consumers (nullopt for another codec, or when it is malformed).
  // `pad_payload_to`: a payload shorter than this is padded up to it (RFC 3550 §5.1), so
  // that the packets of a burst have one size and leave as one GSO send.
  void forward(const rtp::RtpPacket& packet, const std::optional<rtp::Vp8Descriptor>& vp8, TimePoint now,
               int layer = 0, std::size_t pad_payload_to = 0);
  // Producer::forward calls this a few consumers ahead, stage 0 to kPrefetchStages - 1
  // on successive consumers (each stage needs what the previous one fetched): this
  // consumer, then its transport's send state. A hint to the CPU cache; changes nothing.
  static constexpr int kPrefetchStages = 5;
  void prefetch(int stage) const;

  // Layer selection (RFC 8853 simulcast; VP8 temporal layers, RFC 7741). The control
  // plane sets what the subscriber shows (a thumbnail prefers the low stream), the
  // bandwidth estimator the most this consumer may send (nullopt: no limit). The
  // consumer forwards the highest active stream that satisfies both, and switches only
  // at a keyframe of the new stream, which it requests.
  void set_preferred_layers(int spatial, int temporal, TimePoint now);
  // What the app shows: the video `height` CSS pixels tall (0: not shown). The preferred
  // stream then follows from the source's own number of streams
  // (spatial_layer_for_rendered_height), also after the source changes.
  void set_rendered_height(int height, TimePoint now);
  void set_max_bitrate(std::optional<std::uint64_t> bps, TimePoint now);
  // Re-evaluates the choice (streams start and stop); called about once a second.
  void update_layers(TimePoint now);
  int current_spatial_layer() const { return current_layer_; }
  int preferred_spatial_layer() const;
  int target_spatial_layer() const { return target_layer_; }
  int current_temporal_layer() const { return current_temporal_; }

  // The RTX stream toward the subscriber (RFC 4588): its SSRC is announced in the
  // answer's FID group; the payload type is set when the subscriber negotiated rtx for
  // this consumer's codec, else retransmissions go out as plain copies.
  std::uint32_t rtx_ssrc() const { return rtx_ssrc_; }
  void set_rtx(std::uint32_t rtx_ssrc, std::optional<int> rtx_payload_type);
  std::optional<int> rtx_payload_type() const { return rtx_payload_type_; }

  // A generic NACK from the subscriber (RFC 4585 §6.2.1): resends each listed packet
  // still in the source's retransmission buffer. Only packets sent since the last
  // source switch are resent: earlier ones came from another stream.
  void on_nack(const rtp::Nack& nack, TimePoint now);

  // Bandwidth probing (sfu/probe.h): sends one packet on the RTX stream to fill a probe
  // cluster: an RTX copy of one of the last packets sent when the source's
  // retransmission buffer still has it (the receiver drops the duplicate; larger than
  // padding, so fewer packets), else a padding-only RTX packet (RFC 3550 §5.1 P bit;
  // RFC 4588 lets an RTX packet carry no original payload). Never on the media SSRC,
  // whose sequence numbers the receiver must see unbroken. Returns the bytes sent, 0
  // when this consumer cannot probe (a video consumer whose subscriber negotiated RTX
  // and that has sent something can).
  std::size_t send_probe(TimePoint now);
  bool can_probe() const;

  // The source was paused and sends again: restart on a keyframe, and continue the
  // timestamp line from the wall clock (the source's own timestamps jumped meanwhile).
  void on_source_resumed(TimePoint now);

  // Called when the subscriber's transport connects or asks for a keyframe.
  void request_keyframe(TimePoint now);

  // RTCP sender report for this stream (RFC 3550 §6.4.1), no report blocks; 0 if nothing
  // was sent yet or it does not fit. The peer adds it to a compound with an SDES chunk.
  std::size_t write_sender_report(std::uint8_t* out, std::size_t capacity, TimePoint now) const;

  std::uint64_t packets_sent() const { return sent_.packet_count(); }

 private:
  void resend(std::uint16_t out_sequence, TimePoint now);
  // VP8 temporal scalability: true when this packet's picture is above the temporal
  // layer forwarded now (moving that layer at picture starts, up only at a sync frame).
  bool above_temporal_layer(const rtp::Vp8Descriptor& descriptor);
  // Writes the rewritten packet into the transport's next send slot; as RTX when
  // `rtx`. `vp8` as in forward. Returns the bytes written, 0 if it could not be sent.
  std::size_t send(const rtp::RtpPacket& packet, const std::optional<rtp::Vp8Descriptor>& vp8,
                   std::uint16_t out_sequence, std::uint32_t out_timestamp, TimePoint now, bool rtx,
                   std::size_t pad_payload_to = 0);
  // send() for a stored packet (a NACK's or a probe's), parsing its VP8 descriptor.
  std::size_t resend_stored(const rtp::RtpPacket& packet, std::uint16_t out_sequence, std::uint32_t out_timestamp,
                            TimePoint now, bool rtx);
  std::size_t send_padding(TimePoint now);
  // The extensions every packet toward the subscriber carries, of those it negotiated:
  // MID, abs-send-time, the transport-wide sequence number. Written to `out` (room for
  // three); their bytes live in `values`. Returns how many.
  struct TransportExtensionValues {
    std::array<std::uint8_t, 3> send_time{};
    std::array<std::uint8_t, 2> transport_sequence{};
    bool has_transport_sequence = false;
  };
  std::size_t add_transport_extensions(rtp::ExtensionElement* out, TransportExtensionValues& values, TimePoint now);

  // What forward() and send() read for every packet comes first, in as few cache lines
  // as it fits (the fan-out prefetches them, Consumer::prefetch); what changes with
  // signalling or is read about once a second follows from rtx_srtp_hint_ on.
  std::string mid_;
  MediaKind kind_;
  std::uint32_t ssrc_;
  int payload_type_;
  rtp::ExtensionIds extensions_;  // the subscriber's ids (only the sending half of its map)
  Peer& subscriber_;
  webrtc::Transport& transport_;  // the subscriber's, kept here: forward reads it per packet
  webrtc::RtpSendHint srtp_hint_;  // ssrc_'s SRTP stream on transport_ (no lookup per packet)
  Producer* source_ = nullptr;
  bool source_fits_ = true;
  bool waiting_for_keyframe_ = true;
  // Rewriting: out = in + offset (mod 2^16 / 2^32). Reset at each source switch.
  bool rebase_ = true;
  bool sent_any_ = false;
  // Packets skipped since the last sent one (temporal layers dropped) shift the sequence
  // offset; retransmissions are answered only for packets sent after the last shift, so
  // an old packet never goes out under a wrong number.
  bool resend_window_reset_ = false;
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t timestamp_offset_ = 0;
  std::uint16_t first_sequence_since_switch_ = 0;  // our sequence; valid once !rebase_
  std::uint16_t first_source_sequence_ = 0;        // the source's, for the same packet
  std::uint16_t last_sequence_ = 0;
  std::uint32_t last_timestamp_ = 0;
  TimePoint last_sent_at_{};
  int clock_rate_ = 90000;
  int current_layer_ = 0;  // the stream forwarded now
  int target_layer_ = 0;   // the stream to switch to at its next keyframe
  int current_temporal_ = 3;
  int target_temporal_ = 3;
  rtp::SenderStatistics sent_{90000};
  rtp::Vp8Rewriter vp8_;
  // The min playout delay asked of the subscriber while the source's publisher path
  // needs repairs (sfu/playout_delay.h); video only.
  PlayoutDelayControl playout_delay_;
  std::uint32_t rtx_ssrc_ = 0;
  std::optional<int> rtx_payload_type_;
  std::uint16_t rtx_sequence_ = 0;

  // Read on retransmissions, probes, keyframe requests and signalling.
  webrtc::RtpSendHint rtx_srtp_hint_;  // rtx_ssrc_'s
  std::uint16_t probe_cursor_ = 0;  // how far back the next probe copy is taken
  std::optional<TimePoint> keyframe_requested_at_;
  std::optional<RtpCodecParameters> codec_;
  LayerPreference preference_;
  std::optional<int> rendered_height_;
  std::optional<std::uint64_t> max_bitrate_;
};

}  // namespace podium::sfu
