#include "sfu/consumer.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "rtp/codec.h"
#include "rtp/rtcp_writer.h"
#include "rtp/rtp_writer.h"
#include "sdp/negotiate.h"
#include "webrtc/media_counters.h"
#include "sfu/peer.h"
#include "sfu/producer.h"
#include "util/clock.h"
#include "util/log.h"

namespace podium::sfu {
namespace {

constexpr Duration kKeyframeRetry{1'000'000};

sdp::Codec to_sdp(const RtpCodecParameters& p) {
  sdp::Codec c;
  c.payload_type = static_cast<std::uint8_t>(p.payload_type);
  c.name = p.name;
  c.clock_rate = static_cast<std::uint32_t>(p.clock_rate);
  c.channels = static_cast<std::uint16_t>(p.channels);
  c.fmtp = p.fmtp;
  return c;
}

// Why the subscriber, who negotiated `negotiated`, cannot decode `source`; nullopt if it can.
std::optional<std::string> codec_mismatch(const RtpCodecParameters& negotiated,
                                          const RtpCodecParameters& source) {
  if (negotiated.codec != source.codec || negotiated.clock_rate != source.clock_rate)
    return "the subscriber negotiated " + negotiated.name;
  return sdp::receive_mismatch(to_sdp(negotiated), to_sdp(source));
}

bool newer(std::uint16_t a, std::uint16_t b) {
  return a != b && static_cast<std::uint16_t>(a - b) < 0x8000;
}

}  // namespace

Consumer::Consumer(std::string mid, MediaKind kind, std::uint32_t ssrc, int payload_type,
                   const rtp::ExtensionMap& extensions, Peer& subscriber)
    : mid_(std::move(mid)), kind_(kind), ssrc_(ssrc), payload_type_(payload_type),
      extensions_(extensions.ids()), subscriber_(subscriber), transport_(subscriber.transport()) {}

void Consumer::prefetch(int stage) const {
  if (stage == 0) {
    // The fields read per packet, which come first (consumer.h); not the cold rest.
    const char* self = reinterpret_cast<const char*>(this);
    const char* cold = reinterpret_cast<const char*>(&rtx_srtp_hint_);
    for (const char* line = self; line < cold; line += 64) __builtin_prefetch(line);
  } else if (stage == 1) {
    __builtin_prefetch(&transport_);
    if (srtp_hint_.stream != nullptr) __builtin_prefetch(srtp_hint_.stream);
    if (extensions_.id(rtp::ExtensionKind::kTransportWideCc)) subscriber_.prefetch_send_state();
  } else {
    if (stage == 2 && extensions_.id(rtp::ExtensionKind::kTransportWideCc)) subscriber_.prefetch_sent_entry();
    transport_.prefetch_send(stage - 2);
  }
}

Consumer::~Consumer() {
  if (source_) source_->remove_consumer(*this);
}

void Consumer::set_source(Producer* source, TimePoint now) {
  if (source_) source_->remove_consumer(*this);
  source_ = source;
  rebase_ = true;
  waiting_for_keyframe_ = kind_ == MediaKind::kVideo;
  keyframe_requested_at_.reset();
  source_fits_ = true;
  if (!source_) return;
  if (codec_) {
    if (auto why = codec_mismatch(*codec_, source_->codec())) {
      source_fits_ = false;
      log::info("sfu", "consumer {} of {}: track {} is {} ({}): {}; not forwarded", mid_,
                subscriber_.participant_id(), source_->id(), source_->codec().name,
                source_->codec().fmtp, *why);
    }
  }
  if (clock_rate_ != source_->codec().clock_rate || !sent_any_) {
    clock_rate_ = source_->codec().clock_rate;
    sent_ = rtp::SenderStatistics(static_cast<std::uint32_t>(clock_rate_));
  }
  source_->add_consumer(*this);
  current_layer_ = target_layer_ = std::clamp(preferred_spatial_layer(), 0, source_->stream_count() - 1);
  update_layers(now);
  request_keyframe(now);
}

void Consumer::set_preferred_layers(int spatial, int temporal, TimePoint now) {
  preference_.spatial = std::max(spatial, 0);
  preference_.temporal = std::max(temporal, 0);
  update_layers(now);
}

void Consumer::set_rendered_height(int height, TimePoint now) {
  rendered_height_ = std::max(height, 0);
  update_layers(now);
}

int Consumer::preferred_spatial_layer() const {
  if (!rendered_height_ || !source_) return preference_.spatial;
  constexpr int kMaxLayers = 8;
  int count = std::min(source_->stream_count(), kMaxLayers);
  std::array<LayerInfo, kMaxLayers> layers{};
  for (int i = 0; i < count; ++i) layers[static_cast<std::size_t>(i)].height = source_->stream_height(i);
  return spatial_layer_for_rendered_height(*rendered_height_, std::span<const LayerInfo>(layers.data(), count));
}

void Consumer::set_max_bitrate(std::optional<std::uint64_t> bps, TimePoint now) {
  max_bitrate_ = bps;
  update_layers(now);
}

void Consumer::update_layers(TimePoint now) {
  if (!source_ || kind_ != MediaKind::kVideo) return;
  target_temporal_ = choose_temporal_layer(preference_.temporal);
  constexpr int kMaxLayers = 8;
  int count = std::min(source_->stream_count(), kMaxLayers);
  std::array<LayerInfo, kMaxLayers> layers{};
  source_->describe_layers(now, std::span<LayerInfo>(layers.data(), count));
  const int preferred = preferred_spatial_layer();
  int target = choose_spatial_layer(std::span<const LayerInfo>(layers.data(), count), preferred,
                                    max_bitrate_, current_layer_)
                   .value_or(std::clamp(preferred, 0, count - 1));
  if (target == target_layer_) return;
  target_layer_ = target;
  // Nothing flows yet: start on the new stream. Otherwise the current one goes on
  // until the new one's keyframe arrives.
  if (waiting_for_keyframe_) current_layer_ = target;
  request_keyframe(now);
}

bool Consumer::above_temporal_layer(const rtp::Vp8Descriptor& d) {
  if (!d.temporal_id) return false;
  bool picture_start = d.start_of_partition && d.partition_id == 0;
  if (picture_start) {
    if (target_temporal_ < current_temporal_) {
      current_temporal_ = target_temporal_;
    } else if (target_temporal_ > current_temporal_ && *d.temporal_id > current_temporal_ &&
               *d.temporal_id <= target_temporal_ && d.layer_sync) {
      // RFC 7741 §4.2: a layer sync picture (Y) depends only on the base layer, so the
      // receiver can decode the higher layer from here on.
      current_temporal_ = *d.temporal_id;
    }
  }
  return *d.temporal_id > current_temporal_;
}

void Consumer::on_source_resumed(TimePoint now) {
  rebase_ = true;
  waiting_for_keyframe_ = kind_ == MediaKind::kVideo;
  request_keyframe(now);
}

void Consumer::request_keyframe(TimePoint now) {
  if (!source_ || !source_fits_ || kind_ != MediaKind::kVideo) return;
  keyframe_requested_at_ = now;
  source_->request_keyframe(now, target_layer_);
}

void Consumer::forward(const rtp::RtpPacket& packet, const std::optional<rtp::Vp8Descriptor>& vp8, TimePoint now,
                       int layer, std::size_t pad_payload_to) {
  webrtc::Transport& transport = transport_;
  if (!transport.connected() || !source_fits_) return;
  Bytes payload = packet.payload();
  if (layer != current_layer_) {
    // Another simulcast stream can only be decoded from one of its keyframes; until it
    // comes the current stream goes on.
    if (layer != target_layer_) return;
    if (payload.empty() || !rtp::is_keyframe(source_->codec().codec, payload)) {
      if (!keyframe_requested_at_ || now - *keyframe_requested_at_ > kKeyframeRetry)
        request_keyframe(now);
      return;
    }
    current_layer_ = layer;
    rebase_ = true;
    waiting_for_keyframe_ = false;
  } else if (waiting_for_keyframe_) {
    if (payload.empty() || !rtp::is_keyframe(source_->codec().codec, payload)) {
      if (!keyframe_requested_at_ || now - *keyframe_requested_at_ > kKeyframeRetry)
        request_keyframe(now);
      return;
    }
    waiting_for_keyframe_ = false;
  }
  std::uint16_t in_sequence = packet.sequence_number();
  std::uint32_t in_timestamp = packet.timestamp();
  if (vp8 && !rebase_ && above_temporal_layer(*vp8)) {
    // The next packet sent takes this one's number: no gap the receiver would NACK.
    --sequence_offset_;
    vp8_.on_dropped(*vp8);
    resend_window_reset_ = true;
    return;
  }
  // A late (e.g. repaired) packet from before this source began would land in the
  // sequence numbers of the previous source.
  if (!rebase_ && sent_any_) {
    auto last_in = static_cast<std::uint16_t>(last_sequence_ - sequence_offset_);
    auto back = static_cast<std::uint16_t>(last_in - in_sequence);
    if (!newer(in_sequence, last_in) &&
        back > static_cast<std::uint16_t>(last_in - first_source_sequence_))
      return;
  }
  if (rebase_) {
    // Continue our own lines from where they were: the receiver sees one stream.
    std::uint16_t next_sequence = sent_any_ ? static_cast<std::uint16_t>(last_sequence_ + 1) : in_sequence;
    std::uint32_t next_timestamp = in_timestamp;
    if (sent_any_) {
      auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - last_sent_at_).count();
      std::uint64_t ticks = static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed, 1000)) *
                            static_cast<std::uint64_t>(clock_rate_) / 1'000'000;
      next_timestamp = last_timestamp_ + static_cast<std::uint32_t>(std::max<std::uint64_t>(ticks, 1));
    }
    sequence_offset_ = static_cast<std::uint16_t>(next_sequence - in_sequence);
    timestamp_offset_ = next_timestamp - in_timestamp;
    rebase_ = false;
    first_sequence_since_switch_ = next_sequence;
    first_source_sequence_ = in_sequence;
    // A keyframe starts the new stream: all temporal layers may follow from it.
    current_temporal_ = target_temporal_;
    vp8_.rebase();
    resend_window_reset_ = false;
  }
  if (vp8) vp8_.on_forwarded(*vp8);
  std::uint16_t out_sequence = static_cast<std::uint16_t>(in_sequence + sequence_offset_);
  std::uint32_t out_timestamp = in_timestamp + timestamp_offset_;
  if (!send(packet, vp8, out_sequence, out_timestamp, now, false, pad_payload_to)) return;
  if (resend_window_reset_) {
    resend_window_reset_ = false;
    first_sequence_since_switch_ = out_sequence;
    first_source_sequence_ = in_sequence;
  }

  if (!sent_any_ || newer(out_sequence, last_sequence_)) {
    last_sequence_ = out_sequence;
    last_timestamp_ = out_timestamp;
    last_sent_at_ = now;
  }
  sent_any_ = true;
  sent_.on_packet_sent(out_timestamp, packet.payload_size(), now);
}

void Consumer::set_rtx(std::uint32_t rtx_ssrc, std::optional<int> rtx_payload_type) {
  if (rtx_ssrc != rtx_ssrc_) rtx_sequence_ = static_cast<std::uint16_t>(rtx_ssrc);
  rtx_ssrc_ = rtx_ssrc;
  rtx_payload_type_ = rtx_payload_type;
}

void Consumer::on_nack(const rtp::Nack& nack, TimePoint now) {
  // Behind its load, the worker forwards before it repairs: a resent packet would cost
  // as much as a new one and arrive late, and past capacity repairs crowd out the stream.
  if (subscriber_.worker_behind()) {
    std::size_t count = 0;
    nack.for_each_sequence_number([&](std::uint16_t) { ++count; });
    subscriber_.counters().retransmissions_shed.add(count);
    return;
  }
  nack.for_each_sequence_number([&](std::uint16_t sequence) { resend(sequence, now); });
}

void Consumer::resend(std::uint16_t out_sequence, TimePoint now) {
  if (!source_ || !sent_any_ || rebase_ || resend_window_reset_ || kind_ != MediaKind::kVideo) return;
  if (!subscriber_.transport().connected()) return;
  // Within [first sent since the switch, last sent], modulo 2^16.
  auto since_switch = static_cast<std::uint16_t>(out_sequence - first_sequence_since_switch_);
  if (since_switch > static_cast<std::uint16_t>(last_sequence_ - first_sequence_since_switch_))
    return;
  auto in_sequence = static_cast<std::uint16_t>(out_sequence - sequence_offset_);
  auto packet = source_->retransmission(in_sequence, now, current_layer_);
  if (!packet) return;
  bool rtx = rtx_payload_type_.has_value() && rtx_ssrc_ != 0;
  if (resend_stored(*packet, out_sequence, packet->timestamp() + timestamp_offset_, now, rtx))
    subscriber_.counters().retransmissions_sent.add();
}

std::size_t Consumer::add_transport_extensions(rtp::ExtensionElement* out, TransportExtensionValues& values,
                                               TimePoint now) {
  std::size_t count = 0;
  if (auto id = extensions_.id(rtp::ExtensionKind::kMid)) out[count++] = {id, as_bytes(mid_)};
  if (auto id = extensions_.id(rtp::ExtensionKind::kAbsSendTime)) {
    values.send_time = rtp::abs_send_time(now);
    out[count++] = {id, Bytes(values.send_time.data(), values.send_time.size())};
  }
  // draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: one counter per transport,
  // on every packet (retransmissions and probes too), so the subscriber's feedback
  // covers them all.
  if (auto id = extensions_.id(rtp::ExtensionKind::kTransportWideCc)) {
    store_u16(values.transport_sequence.data(), subscriber_.next_transport_sequence());
    values.has_transport_sequence = true;
    out[count++] = {id, Bytes(values.transport_sequence.data(), 2)};
  }
  return count;
}

std::size_t Consumer::resend_stored(const rtp::RtpPacket& packet, std::uint16_t out_sequence,
                                    std::uint32_t out_timestamp, TimePoint now, bool rtx) {
  std::optional<rtp::Vp8Descriptor> vp8;
  if (source_->codec().codec == rtp::Codec::kVp8) vp8 = rtp::parse_vp8_descriptor(packet.payload());
  return send(packet, vp8, out_sequence, out_timestamp, now, rtx);
}

std::size_t Consumer::send(const rtp::RtpPacket& packet, const std::optional<rtp::Vp8Descriptor>& vp8,
                           std::uint16_t out_sequence, std::uint32_t out_timestamp, TimePoint now, bool rtx,
                           std::size_t pad_payload_to) {
  webrtc::Transport& transport = transport_;
  Bytes payload = packet.payload();

  // The subscriber's own extension ids; only what it negotiated.
  std::array<rtp::ExtensionElement, 6> extensions;
  TransportExtensionValues values;
  std::size_t count = add_transport_extensions(extensions.data(), values, now);
  const rtp::ExtensionMap& in_map = source_->extensions();
  for (auto kind : {rtp::ExtensionKind::kAudioLevel, rtp::ExtensionKind::kVideoOrientation}) {
    auto out_id = extensions_.id(kind);
    auto in_id = in_map.id(kind);
    if (!out_id || !in_id) continue;
    if (auto value = packet.extension(in_id)) extensions[count++] = {out_id, *value};
  }
  std::uint8_t playout_delay[3];
  if (auto id = extensions_.id(rtp::ExtensionKind::kPlayoutDelay); id && kind_ == MediaKind::kVideo) {
    bool changed = false;
    auto delay = playout_delay_.on_packet(source_->repair_need(), subscriber_.round_trip_time(), now, &changed);
    if (changed) subscriber_.counters().playout_delay_changes.add();
    if (delay) {
      rtp::write_playout_delay(*delay, playout_delay);
      extensions[count++] = {id, Bytes(playout_delay, 3)};
    }
  }

  MutableBytes slot = transport.rtp_slot();
  if (slot.empty()) return 0;
  rtp::RtpHeaderFields fields;
  fields.marker = packet.marker();
  fields.payload_type = static_cast<std::uint8_t>(rtx ? *rtx_payload_type_ : payload_type_);
  fields.sequence_number = rtx ? rtx_sequence_ : out_sequence;
  fields.timestamp = out_timestamp;
  fields.ssrc = rtx ? rtx_ssrc_ : ssrc_;
  std::size_t header = rtp::write_rtp_header(slot.data(), slot.size(), fields,
                                             std::span<const rtp::ExtensionElement>(extensions.data(), count));
  // RFC 4588 §4: the RTX payload is the original sequence number, then the original payload.
  std::size_t osn = rtx ? 2 : 0;
  std::size_t padding = 0;
  if (!rtx && pad_payload_to > payload.size() && pad_payload_to - payload.size() <= 255)
    padding = pad_payload_to - payload.size();
  if (header == 0 || header + osn + payload.size() + padding > slot.size()) return 0;
  if (rtx) {
    store_u16(slot.data() + header, out_sequence);
    ++rtx_sequence_;
  }
  std::memcpy(slot.data() + header + osn, payload.data(), payload.size());
  if (vp8) vp8_.write(MutableBytes(slot.data() + header + osn, payload.size()), *vp8);
  const std::size_t size = header + osn + payload.size() + padding;
  if (padding > 0) rtp::write_rtp_padding(slot.data(), size, static_cast<std::uint8_t>(padding));
  transport.commit_rtp(size, rtx ? &rtx_srtp_hint_ : &srtp_hint_);
  if (values.has_transport_sequence)
    subscriber_.on_transport_sequence_sent(load_u16(values.transport_sequence.data()), size, now);
  return size;
}

bool Consumer::can_probe() const {
  return kind_ == MediaKind::kVideo && rtx_payload_type_ && rtx_ssrc_ != 0 && source_ && source_fits_ &&
         sent_any_ && transport_.connected();
}

std::size_t Consumer::send_probe(TimePoint now) {
  if (!can_probe()) return 0;
  // Copies of the last kProbeHistory packets sent, newest first, round and round; only
  // of packets sent since the last switch or shift, like a NACK's (see resend).
  constexpr std::uint16_t kProbeHistory = 32;
  if (!rebase_ && !resend_window_reset_) {
    auto window = static_cast<std::uint16_t>(last_sequence_ - first_sequence_since_switch_);
    auto back = static_cast<std::uint16_t>(probe_cursor_ % kProbeHistory);
    if (back > window) back = probe_cursor_ = 0;
    ++probe_cursor_;
    auto out_sequence = static_cast<std::uint16_t>(last_sequence_ - back);
    auto in_sequence = static_cast<std::uint16_t>(out_sequence - sequence_offset_);
    if (auto packet = source_->retransmission(in_sequence, now, current_layer_)) {
      if (std::size_t size = resend_stored(*packet, out_sequence, packet->timestamp() + timestamp_offset_, now, true))
        return size;
    }
  }
  return send_padding(now);
}

std::size_t Consumer::send_padding(TimePoint now) {
  webrtc::Transport& transport = transport_;
  std::array<rtp::ExtensionElement, 3> extensions;
  TransportExtensionValues values;
  std::size_t count = add_transport_extensions(extensions.data(), values, now);
  MutableBytes slot = transport.rtp_slot();
  if (slot.empty()) return 0;
  rtp::RtpHeaderFields fields;
  fields.payload_type = static_cast<std::uint8_t>(*rtx_payload_type_);
  fields.sequence_number = rtx_sequence_;
  fields.timestamp = last_timestamp_;
  fields.ssrc = rtx_ssrc_;
  // The padding count is one octet (RFC 3550 §5.1).
  constexpr std::uint8_t kPadding = 255;
  std::size_t size = rtp::write_rtp_packet(slot.data(), slot.size(), fields,
                                           std::span<const rtp::ExtensionElement>(extensions.data(), count),
                                           Bytes(), kPadding);
  if (size == 0) return 0;
  ++rtx_sequence_;
  transport.commit_rtp(size, &rtx_srtp_hint_);
  if (values.has_transport_sequence)
    subscriber_.on_transport_sequence_sent(load_u16(values.transport_sequence.data()), size, now);
  return size;
}

std::size_t Consumer::write_sender_report(std::uint8_t* out, std::size_t capacity, TimePoint now) const {
  auto rtp_now = sent_.rtp_timestamp_at(now);
  if (!rtp_now) return 0;
  // RFC 3550 §6.4.1: the RTP timestamp corresponds to the NTP time of the report.
  return rtp::write_sender_report(out, capacity, ssrc_, ntp_now(), *rtp_now, sent_.packet_count(),
                                  sent_.octet_count(), {});
}

}  // namespace podium::sfu
