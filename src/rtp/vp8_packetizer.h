// Writing the VP8 payload descriptor (RFC 7741 §4.2) and splitting an encoded VP8
// frame into RTP payloads (§4.4, §4.5): what a VP8 sender does, and what the load-test
// tool sends. The SFU only reads descriptors (payload_descriptors.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "util/bytes.h"

namespace podium::rtp {

struct Vp8DescriptorFields {
  bool non_reference = false;               // N
  bool start_of_partition = false;          // S
  std::uint8_t partition_id = 0;            // PID, 0..7
  std::optional<std::uint16_t> picture_id;  // written in the 15-bit form (M = 1)
  std::optional<std::uint8_t> tl0_pic_idx;
  std::optional<std::uint8_t> temporal_id;  // 0..3, with layer_sync (Y)
  bool layer_sync = false;
  std::optional<std::uint8_t> key_idx;      // 0..31
};

// Bytes write_vp8_descriptor writes: 1, plus the X byte and the optional fields.
std::size_t vp8_descriptor_size(const Vp8DescriptorFields& fields);
// Returns bytes written, or 0 if it does not fit in `capacity`.
std::size_t write_vp8_descriptor(std::uint8_t* out, std::size_t capacity,
                                 const Vp8DescriptorFields& fields);

// One frame into payloads of at most `max_payload_size` bytes (descriptor included), of
// nearly equal size. The first has S = 1 and partition 0 (RFC 7741 §4.4: the frame is
// sent as one partition run, which every receiver must accept); the others repeat the
// descriptor with S = 0. Empty if the frame is empty or the size leaves no room for data.
std::vector<std::vector<std::uint8_t>> packetize_vp8(Bytes frame, const Vp8DescriptorFields& fields,
                                                     std::size_t max_payload_size);

// The picture ID of a payload written by write_vp8_descriptor, rewritten in place (the
// 15-bit form). False if the payload carries no 15-bit picture ID.
bool set_vp8_picture_id(MutableBytes payload, std::uint16_t picture_id);

}  // namespace podium::rtp
