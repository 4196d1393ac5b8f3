#include "record/frame_assembler.h"

#include <algorithm>
#include <iterator>

#include "rtp/payload_descriptors.h"

namespace podium::record {
namespace {

bool is_video(rtp::Codec codec) {
  return codec == rtp::Codec::kVp8 || codec == rtp::Codec::kVp9 || codec == rtp::Codec::kH264;
}

// RFC 6184 §5.2 NAL unit types in an RTP payload; 1-23 are single NAL unit packets.
constexpr std::uint8_t kStapA = 24;
constexpr std::uint8_t kFuA = 28;
constexpr std::uint8_t kIdr = 5;
constexpr std::uint8_t kSps = 7;
constexpr std::uint8_t kPps = 8;
constexpr std::uint8_t kStartCode[] = {0, 0, 0, 1};

// Calls f(nal) for each NAL unit a payload carries whole (single NAL, STAP-A), and for
// an FU-A with S set, f on its reconstructed one-byte header only. False if malformed.
template <typename F>
bool for_each_h264_nal(Bytes payload, F&& f) {
  if (payload.empty() || (payload[0] & 0x80)) return false;  // F: a corrupt NAL unit
  std::uint8_t type = payload[0] & 0x1f;
  if (type >= 1 && type <= 23) {
    f(payload);
    return true;
  }
  if (type == kStapA) {  // §5.7.1: 16-bit size, NAL unit, repeated
    std::size_t at = 1;
    if (at >= payload.size()) return false;
    while (at < payload.size()) {
      if (at + 2 > payload.size()) return false;
      std::size_t size = (payload[at] << 8) | payload[at + 1];
      at += 2;
      if (size == 0 || at + size > payload.size()) return false;
      f(payload.subspan(at, size));
      at += size;
    }
    return true;
  }
  if (type == kFuA) {  // §5.8: FU indicator, FU header (S E R type), fragment
    if (payload.size() < 3) return false;
    std::uint8_t header = payload[1];
    if ((header & 0xc0) == 0xc0) return false;  // S and E together are not allowed
    if (header & 0x80) {
      std::uint8_t nal_header = static_cast<std::uint8_t>((payload[0] & 0xe0) | (header & 0x1f));
      f(Bytes(&nal_header, 1));
    }
    return true;
  }
  return false;  // STAP-B, MTAP, FU-B: interleaved mode only, which WebRTC does not use
}

// Exp-Golomb reader over an RBSP (H.264 §7.2, §9.1), emulation prevention removed.
class BitReader {
 public:
  explicit BitReader(std::vector<std::uint8_t> data) : data_(std::move(data)) {}
  std::uint32_t bits(int n) {
    std::uint32_t value = 0;
    for (int i = 0; i < n; ++i) {
      if (position_ >= data_.size() * 8) {
        failed_ = true;
        return 0;
      }
      value = (value << 1) | ((data_[position_ / 8] >> (7 - position_ % 8)) & 1);
      ++position_;
    }
    return value;
  }
  std::uint32_t ue() {
    int zeros = 0;
    while (bits(1) == 0) {
      if (failed_ || ++zeros > 31) {
        failed_ = true;
        return 0;
      }
    }
    return ((1u << zeros) - 1) + bits(zeros);
  }
  std::int32_t se() {
    std::uint32_t k = ue();
    return (k & 1) ? static_cast<std::int32_t>((k + 1) / 2) : -static_cast<std::int32_t>(k / 2);
  }
  bool failed() const { return failed_; }

 private:
  std::vector<std::uint8_t> data_;
  std::size_t position_ = 0;
  bool failed_ = false;
};

// A sequence jump this large is not reordering: the stream started over.
constexpr std::int64_t kMaxSequenceJump = 3000;

}  // namespace

std::optional<PictureSize> h264_picture_size(Bytes sps) {
  if (sps.size() < 4 || (sps[0] & 0x1f) != kSps) return std::nullopt;
  std::vector<std::uint8_t> rbsp;
  int zeros = 0;
  for (std::size_t i = 1; i < sps.size(); ++i) {
    if (zeros >= 2 && sps[i] == 3) {  // emulation_prevention_three_byte
      zeros = 0;
      continue;
    }
    zeros = sps[i] == 0 ? zeros + 1 : 0;
    rbsp.push_back(sps[i]);
  }
  BitReader r(std::move(rbsp));
  std::uint32_t profile = r.bits(8);
  r.bits(16);  // constraint flags, level_idc
  r.ue();      // seq_parameter_set_id
  std::uint32_t chroma_format = 1;
  static constexpr std::uint32_t kHighProfiles[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
  if (std::find(std::begin(kHighProfiles), std::end(kHighProfiles), profile) != std::end(kHighProfiles)) {
    chroma_format = r.ue();
    if (chroma_format == 3) r.bits(1);  // separate_colour_plane_flag
    r.ue();                             // bit_depth_luma_minus8
    r.ue();                             // bit_depth_chroma_minus8
    r.bits(1);                          // qpprime_y_zero_transform_bypass_flag
    if (r.bits(1)) {                    // seq_scaling_matrix_present_flag
      for (int i = 0; i < (chroma_format == 3 ? 12 : 8); ++i) {
        if (!r.bits(1)) continue;
        int size = i < 6 ? 16 : 64, last = 8, next = 8;
        for (int j = 0; j < size && !r.failed(); ++j) {
          if (next != 0) next = (last + r.se() + 256) % 256;
          last = next == 0 ? last : next;
        }
      }
    }
  }
  r.ue();  // log2_max_frame_num_minus4
  std::uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    r.ue();
  } else if (poc_type == 1) {
    r.bits(1);
    r.se();
    r.se();
    std::uint32_t cycle = r.ue();
    if (cycle > 255) return std::nullopt;
    for (std::uint32_t i = 0; i < cycle; ++i) r.se();
  }
  r.ue();     // max_num_ref_frames
  r.bits(1);  // gaps_in_frame_num_value_allowed_flag
  std::uint32_t width_mbs = r.ue() + 1;
  std::uint32_t height_units = r.ue() + 1;
  std::uint32_t frame_mbs_only = r.bits(1);
  if (!frame_mbs_only) r.bits(1);  // mb_adaptive_frame_field_flag
  r.bits(1);                       // direct_8x8_inference_flag
  std::uint32_t crop[4] = {0, 0, 0, 0};
  if (r.bits(1))
    for (auto& c : crop) c = r.ue();
  if (r.failed() || width_mbs > 1024 || height_units > 1024) return std::nullopt;
  // §7.4.2.1.1: crop units by chroma format.
  std::uint32_t unit_x = chroma_format == 1 || chroma_format == 2 ? 2 : 1;
  std::uint32_t unit_y = (chroma_format == 1 ? 2 : 1) * (2 - frame_mbs_only);
  std::int64_t width = static_cast<std::int64_t>(width_mbs) * 16 - unit_x * (crop[0] + crop[1]);
  std::int64_t height =
      static_cast<std::int64_t>(height_units) * 16 * (2 - frame_mbs_only) - unit_y * (crop[2] + crop[3]);
  if (width <= 0 || height <= 0) return std::nullopt;
  return PictureSize{static_cast<int>(width), static_cast<int>(height)};
}

bool FrameAssembler::depacketize_h264(Bytes payload, std::vector<std::uint8_t>& out) {
  if (!payload.empty() && (payload[0] & 0x1f) == kFuA) {
    if (payload.size() < 3) return false;
    if (payload[1] & 0x80) {  // S: the NAL unit starts here, its header rebuilt (§5.8)
      out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
      out.push_back(static_cast<std::uint8_t>((payload[0] & 0xe0) | (payload[1] & 0x1f)));
    }
    out.insert(out.end(), payload.begin() + 2, payload.end());
    return true;
  }
  return for_each_h264_nal(payload, [&](Bytes nal) {
    out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
    out.insert(out.end(), nal.begin(), nal.end());
  });
}

FrameAssembler::Parsed FrameAssembler::parse(const std::vector<std::uint8_t>& payload) const {
  Parsed parsed;
  Bytes bytes{payload};
  switch (codec_) {
    case rtp::Codec::kVp8: {
      auto descriptor = rtp::parse_vp8_descriptor(bytes);
      if (!descriptor || descriptor->size >= bytes.size()) return parsed;
      parsed.valid = true;
      parsed.header = descriptor->size;
      // RFC 7741 §4.3: a frame starts where S is set in partition 0.
      parsed.frame_start = descriptor->start_of_partition && descriptor->partition_id == 0;
      // RFC 6386 §9.1: bit 0 of the frame tag is 0 for a key frame.
      parsed.keyframe = parsed.frame_start && (bytes[descriptor->size] & 0x01) == 0;
      return parsed;
    }
    case rtp::Codec::kVp9: {
      auto descriptor = rtp::parse_vp9_descriptor(bytes);
      if (!descriptor || descriptor->size >= bytes.size()) return parsed;
      parsed.valid = true;
      parsed.header = descriptor->size;
      parsed.frame_start = descriptor->start_of_frame && descriptor->spatial_id == 0;
      parsed.frame_end = descriptor->end_of_frame;
      parsed.keyframe = parsed.frame_start && !descriptor->inter_picture_predicted;
      return parsed;
    }
    case rtp::Codec::kH264: {
      bool starts = false, key = false;
      parsed.valid = for_each_h264_nal(bytes, [&](Bytes nal) {
        starts = true;  // a whole NAL unit, or the first fragment of one
        if ((nal[0] & 0x1f) == kIdr) key = true;
      });
      // A frame starts with a NAL unit's beginning; drain() also checks the packet
      // before it ended a frame. The IDR may come in a later packet: emit() looks.
      parsed.frame_start = parsed.valid && starts;
      parsed.keyframe = key;
      return parsed;
    }
    case rtp::Codec::kOpus:
      parsed.valid = !payload.empty();
      parsed.frame_start = parsed.frame_end = parsed.keyframe = parsed.valid;
      return parsed;
    default:
      return parsed;
  }
}

void FrameAssembler::new_epoch(std::uint32_t ssrc) {
  buffer_.clear();
  next_.reset();
  sequences_.reset();
  timestamps_.reset();
  ssrc_ = ssrc;
  last_timestamp_.reset();
  last_marker_ = true;
  ++epoch_;
  ++stats_.epochs;
  if (is_video(codec_)) waiting_for_keyframe_ = keyframe_request_ = true;
}

void FrameAssembler::push(std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp,
                          bool marker, Bytes payload, std::int64_t arrival_ms,
                          std::vector<AssembledFrame>& out) {
  ++stats_.packets;
  bool silence = ssrc_ && arrival_ms - last_arrival_ms_ > kSilenceResetsMs;
  if (!ssrc_ || *ssrc_ != ssrc || silence) {
    if (ssrc_) flush(out);
    new_epoch(ssrc);
  }
  last_arrival_ms_ = arrival_ms;
  std::int64_t extended = sequences_.peek(sequence);
  if (next_ && extended - *next_ > kMaxSequenceJump) {
    flush(out);
    new_epoch(ssrc);
    extended = sequences_.peek(sequence);
  }
  if (next_ && extended < *next_) return;  // late: its frame is gone already, or a duplicate
  sequences_.unwrap(sequence);
  if (buffer_.contains(extended)) return;
  Packet& packet = buffer_[extended];
  packet.timestamp = timestamp;
  packet.marker = marker;
  packet.arrival_ms = arrival_ms;
  packet.payload.assign(payload.begin(), payload.end());
  drain(arrival_ms - kMaxWaitMs, false, out);
}

void FrameAssembler::poll(std::int64_t now_ms, std::vector<AssembledFrame>& out) {
  drain(now_ms - kMaxWaitMs, false, out);
}

void FrameAssembler::flush(std::vector<AssembledFrame>& out) {
  drain(std::nullopt, true, out);
  buffer_.clear();
}

void FrameAssembler::lose(std::int64_t up_to) {
  stats_.packets_lost += static_cast<std::uint64_t>(up_to - *next_);
  next_ = up_to;
  last_marker_ = false;  // whether the lost packets ended a frame is unknown
  if (is_video(codec_)) waiting_for_keyframe_ = keyframe_request_ = true;
}

void FrameAssembler::drain(std::optional<std::int64_t> give_up_before_ms, bool flushing,
                           std::vector<AssembledFrame>& out) {
  auto give_up = [&](const Packet& oldest_waiting) {
    return flushing || buffer_.size() > kMaxBufferedPackets ||
           (give_up_before_ms && oldest_waiting.arrival_ms <= *give_up_before_ms);
  };
  while (!buffer_.empty()) {
    auto head = buffer_.begin();
    if (!next_) next_ = head->first;
    if (head->first != *next_) {
      // A gap before the head: wait for it, unless the packets after it are old.
      if (!give_up(head->second)) return;
      lose(head->first);
      continue;
    }
    Parsed first = parse(head->second.payload);
    if (codec_ == rtp::Codec::kH264 && first.frame_start && last_timestamp_ && !last_marker_ &&
        *last_timestamp_ == head->second.timestamp)
      first.frame_start = false;  // another NAL unit of the frame before it
    if (!first.valid || !first.frame_start) {
      // The middle of a frame whose start is gone (or garbage): that frame is lost.
      last_timestamp_ = head->second.timestamp;
      last_marker_ = head->second.marker;
      buffer_.erase(head);
      ++*next_;
      ++stats_.frames_dropped;
      if (is_video(codec_)) waiting_for_keyframe_ = keyframe_request_ = true;
      continue;
    }
    // Walk the frame: consecutive packets of one timestamp up to its end.
    std::int64_t last = head->first;
    bool complete = false;
    bool incomplete = false;
    for (auto it = head;;) {
      const Packet& packet = it->second;
      bool end = codec_ == rtp::Codec::kOpus || packet.marker;
      if (!end && codec_ == rtp::Codec::kVp9) end = parse(packet.payload).frame_end;
      if (end) {
        complete = true;
        break;
      }
      auto following = std::next(it);
      if (following == buffer_.end() || following->first != last + 1) {
        incomplete = true;
        break;
      }
      if (following->second.timestamp != head->second.timestamp) {
        // The next frame began without this one's marker (a lost marker packet would
        // leave a gap instead): this frame ends here.
        complete = true;
        break;
      }
      it = following;
      ++last;
    }
    if (complete) {
      emit(head->first, last, out);
      continue;
    }
    if (incomplete) {
      if (!give_up(head->second)) return;
      // Drop the partial frame; the gap after it is handled on the next turn.
      last_timestamp_ = buffer_.find(last)->second.timestamp;
      last_marker_ = buffer_.find(last)->second.marker;
      buffer_.erase(head, std::next(buffer_.find(last)));
      next_ = last + 1;
      ++stats_.frames_dropped;
      if (is_video(codec_)) waiting_for_keyframe_ = keyframe_request_ = true;
      continue;
    }
  }
}

void FrameAssembler::emit(std::int64_t first, std::int64_t last,
                          std::vector<AssembledFrame>& out) {
  auto begin = buffer_.find(first);
  auto end = std::next(buffer_.find(last));
  last_timestamp_ = buffer_.find(last)->second.timestamp;
  last_marker_ = buffer_.find(last)->second.marker;
  Parsed head = parse(begin->second.payload);
  std::int64_t timestamp = timestamps_.unwrap(begin->second.timestamp);
  bool keyframe = head.keyframe;
  std::vector<std::uint8_t> parameter_sets;
  std::optional<PictureSize> size;
  bool has_sps = false, has_pps = false;
  if (codec_ == rtp::Codec::kH264) {
    // An IDR anywhere in the access unit makes it a keyframe (H.264 §7.4.1.2.3); its SPS
    // and PPS (sent in-band with every IDR by WebRTC senders) go into the file header.
    for (auto it = begin; it != end; ++it) {
      for_each_h264_nal(it->second.payload, [&](Bytes nal) {
        std::uint8_t type = nal[0] & 0x1f;
        if (type == kIdr) keyframe = true;
        if ((type == kSps || type == kPps) && nal.size() > 1) {
          parameter_sets.insert(parameter_sets.end(), std::begin(kStartCode), std::end(kStartCode));
          parameter_sets.insert(parameter_sets.end(), nal.begin(), nal.end());
          if (type == kSps) {
            has_sps = true;
            if (!size) size = h264_picture_size(nal);
          } else {
            has_pps = true;
          }
        }
      });
    }
    if (!has_sps || !has_pps) parameter_sets.clear();
  }
  if (is_video(codec_) && waiting_for_keyframe_ && !keyframe) {
    ++stats_.frames_dropped;
    keyframe_request_ = true;  // the producer throttles these
    buffer_.erase(begin, end);
    next_ = last + 1;
    return;
  }
  if (keyframe) waiting_for_keyframe_ = false;
  AssembledFrame frame;
  frame.rtp_timestamp = timestamp;
  frame.epoch = epoch_;
  frame.arrival_ms = begin->second.arrival_ms;
  frame.keyframe = keyframe;
  if (codec_ == rtp::Codec::kH264) {
    for (auto it = begin; it != end; ++it) depacketize_h264(it->second.payload, frame.data);
    frame.parameter_sets = std::move(parameter_sets);
    if (size) {
      frame.width = size->width;
      frame.height = size->height;
    }
  }
  for (auto it = begin; it != end && codec_ != rtp::Codec::kH264; ++it) {
    const auto& payload = it->second.payload;
    std::size_t skip = codec_ == rtp::Codec::kOpus ? 0 : parse(payload).header;
    if (skip > payload.size()) skip = payload.size();
    frame.data.insert(frame.data.end(), payload.begin() + static_cast<std::ptrdiff_t>(skip),
                      payload.end());
  }
  // RFC 6386 §9.1: a key frame's 3-byte tag, start code 9d 01 2a, then 14-bit sizes.
  if (codec_ == rtp::Codec::kVp8 && keyframe && frame.data.size() >= 10 &&
      frame.data[3] == 0x9d && frame.data[4] == 0x01 && frame.data[5] == 0x2a) {
    frame.width = (frame.data[6] | (frame.data[7] << 8)) & 0x3fff;
    frame.height = (frame.data[8] | (frame.data[9] << 8)) & 0x3fff;
  }
  buffer_.erase(begin, end);
  next_ = last + 1;
  ++stats_.frames;
  if (!frame.data.empty()) out.push_back(std::move(frame));
}

}  // namespace podium::record
