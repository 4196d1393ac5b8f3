// The jitter buffer of a recorded track: RTP packets in arrival order in, whole codec
// frames in RTP order out. It reorders, waits a little for late and retransmitted
// packets, assembles VP8 (RFC 7741), VP9 (RFC 9628) and H.264 (RFC 6184, packetization
// mode 0 or 1: single NAL unit, STAP-A and FU-A packets; frames come out as Annex B
// byte streams, start codes before each NAL unit) frames from their packets, and
// passes Opus packets through (RFC 7587: one packet, one frame). Video starts at a
// keyframe; a frame with a lost packet is dropped and so is everything after it until
// the next keyframe, since those frames refer to what was lost.
//
// A new SSRC, or a silence of more than kSilenceResets (a pause: the conference did not
// let the publisher send), starts a new epoch: timestamps and sequence numbers begin
// again, and the caller re-anchors RTP time to its clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "rtp/codec.h"
#include "rtp/sequence_unwrapper.h"
#include "util/bytes.h"

namespace podium::record {

struct AssembledFrame {
  std::vector<std::uint8_t> data;
  std::int64_t rtp_timestamp = 0;  // unwrapped, in this epoch
  std::uint32_t epoch = 0;
  std::int64_t arrival_ms = 0;  // of the frame's first packet, on the caller's clock
  bool keyframe = false;        // always true for audio
  // VP8 keyframes carry the picture size (RFC 6386 §9.1), H.264 ones their SPS
  // (H.264 §7.3.2.1.1); 0 when unknown.
  int width = 0;
  int height = 0;
  // H.264: the frame's SPS and PPS NAL units, each after a start code (empty: none).
  std::vector<std::uint8_t> parameter_sets;
};

// The picture size an H.264 sequence parameter set (NAL unit, header byte included)
// gives, cropping applied; nullopt when it cannot be read.
struct PictureSize {
  int width = 0;
  int height = 0;
};
std::optional<PictureSize> h264_picture_size(Bytes sps);

struct AssemblerStats {
  std::uint64_t packets = 0;
  std::uint64_t frames = 0;
  std::uint64_t frames_dropped = 0;  // incomplete, or waiting for a keyframe
  std::uint64_t packets_lost = 0;    // given up on
  std::uint64_t epochs = 0;
};

class FrameAssembler {
 public:
  // How long a gap may stay open for a retransmission before the packet counts as lost.
  static constexpr std::int64_t kMaxWaitMs = 300;
  static constexpr std::int64_t kSilenceResetsMs = 2000;
  static constexpr std::size_t kMaxBufferedPackets = 1000;

  explicit FrameAssembler(rtp::Codec codec) : codec_(codec) {}

  // One RTP packet's header fields and payload (copied). Frames that became complete
  // are appended to `out`.
  void push(std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp, bool marker,
            Bytes payload, std::int64_t arrival_ms, std::vector<AssembledFrame>& out);
  // Gives up on gaps older than kMaxWaitMs at `now_ms` (call when no packet came).
  void poll(std::int64_t now_ms, std::vector<AssembledFrame>& out);
  // Emits what is complete and drops the rest (the end of the recording).
  void flush(std::vector<AssembledFrame>& out);

  // True once after the assembler started waiting for a keyframe (ask the publisher).
  bool take_keyframe_request() {
    bool wanted = keyframe_request_;
    keyframe_request_ = false;
    return wanted;
  }
  bool waiting_for_keyframe() const { return waiting_for_keyframe_; }
  const AssemblerStats& stats() const { return stats_; }

 private:
  struct Packet {
    std::uint32_t timestamp = 0;
    bool marker = false;
    std::int64_t arrival_ms = 0;
    std::vector<std::uint8_t> payload;
  };
  // Where a packet's codec payload starts and what it says about the frame.
  struct Parsed {
    bool valid = false;
    bool frame_start = false;
    bool frame_end = false;  // VP9 E bit; VP8 and Opus rely on the marker / one packet
    bool keyframe = false;
    std::size_t header = 0;  // payload descriptor bytes to skip
  };
  Parsed parse(const std::vector<std::uint8_t>& payload) const;

  void new_epoch(std::uint32_t ssrc);
  // Emits frames from the head of the buffer; `give_up_before_ms`: a missing packet
  // whose successors arrived before this is declared lost.
  void drain(std::optional<std::int64_t> give_up_before_ms, bool flushing,
             std::vector<AssembledFrame>& out);
  void emit(std::int64_t first, std::int64_t last, std::vector<AssembledFrame>& out);
  void lose(std::int64_t up_to);
  // RFC 6184 §5.6-5.8 depacketization of one payload, appended as Annex B.
  static bool depacketize_h264(Bytes payload, std::vector<std::uint8_t>& out);

  rtp::Codec codec_;
  std::optional<std::uint32_t> ssrc_;
  std::uint32_t epoch_ = 0;
  rtp::SequenceUnwrapper sequences_;
  rtp::TimestampUnwrapper timestamps_;
  std::optional<std::int64_t> next_;  // the next sequence number to emit
  std::int64_t last_arrival_ms_ = 0;
  std::map<std::int64_t, Packet> buffer_;
  bool waiting_for_keyframe_ = true;
  bool keyframe_request_ = true;
  // H.264 has no frame-start bit outside FU-A: a packet starts a frame when the packet
  // before it ended one (marker) or belonged to another timestamp.
  std::optional<std::uint32_t> last_timestamp_;
  bool last_marker_ = true;
  AssemblerStats stats_;
};

}  // namespace podium::record
