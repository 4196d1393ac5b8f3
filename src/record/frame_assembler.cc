#include "record/frame_assembler.h"

#include <iterator>

#include "rtp/payload_descriptors.h"

namespace podium::record {
namespace {

bool is_video(rtp::Codec codec) { return codec == rtp::Codec::kVp8 || codec == rtp::Codec::kVp9; }

// A sequence jump this large is not reordering: the stream started over.
constexpr std::int64_t kMaxSequenceJump = 3000;

}  // namespace

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
    if (!first.valid || !first.frame_start) {
      // The middle of a frame whose start is gone (or garbage): that frame is lost.
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
  Parsed head = parse(begin->second.payload);
  std::int64_t timestamp = timestamps_.unwrap(begin->second.timestamp);
  bool keyframe = head.keyframe;
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
  for (auto it = begin; it != end; ++it) {
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
