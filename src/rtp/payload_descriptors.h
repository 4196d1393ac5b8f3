// The payload descriptors that VP8 and VP9 put in front of the codec data. The SFU
// reads them to find keyframes and the temporal/spatial layer of each packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace podium::rtp {

// RFC 7741 §4.2.
struct Vp8Descriptor {
  std::size_t size = 0;                     // descriptor bytes; the VP8 payload follows
  bool non_reference = false;               // N
  bool start_of_partition = false;          // S
  std::uint8_t partition_id = 0;            // PID
  std::optional<std::uint16_t> picture_id;  // 7 or 15 bits
  bool picture_id_is_15_bit = false;
  std::optional<std::uint8_t> tl0_pic_idx;
  std::optional<std::uint8_t> temporal_id;  // TID, with layer_sync (Y)
  bool layer_sync = false;
  std::optional<std::uint8_t> key_idx;
};

// nullopt if the descriptor runs past the payload.
std::optional<Vp8Descriptor> parse_vp8_descriptor(Bytes payload);

// RFC 9628 §4.2.
struct Vp9Descriptor {
  std::size_t size = 0;                     // descriptor bytes, scalability structure included
  bool inter_picture_predicted = false;     // P
  bool flexible_mode = false;               // F
  bool start_of_frame = false;              // B
  bool end_of_frame = false;                // E
  bool has_scalability_structure = false;   // V
  bool not_reference = false;               // Z
  std::optional<std::uint16_t> picture_id;  // 7 or 15 bits
  bool picture_id_is_15_bit = false;
  bool has_layer_indices = false;  // L; the three below are 0 without it
  std::uint8_t temporal_id = 0;
  std::uint8_t spatial_id = 0;
  bool switching_up_point = false;          // U
  bool inter_layer_dependency = false;      // D
  std::optional<std::uint8_t> tl0_pic_idx;  // non-flexible mode only
  std::uint8_t reference_count = 0;         // P_DIFF entries, flexible mode
};

std::optional<Vp9Descriptor> parse_vp9_descriptor(Bytes payload);

}  // namespace podium::rtp
