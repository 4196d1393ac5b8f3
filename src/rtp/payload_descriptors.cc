#include "rtp/payload_descriptors.h"

namespace podium::rtp {
namespace {

// RFC 7741 §4.2 and RFC 9628 §4.2 share the picture ID layout: M bit, then 7 or 15
// bits. Returns false if it runs past the payload.
bool read_picture_id(Bytes payload, std::size_t& offset, std::optional<std::uint16_t>& id,
                     bool& is_15_bit) {
  if (offset >= payload.size()) return false;
  if (payload[offset] & 0x80) {
    if (offset + 2 > payload.size()) return false;
    id = static_cast<std::uint16_t>(load_u16(&payload[offset]) & 0x7FFF);
    is_15_bit = true;
    offset += 2;
  } else {
    id = payload[offset] & 0x7F;
    offset += 1;
  }
  return true;
}

}  // namespace

std::optional<Vp8Descriptor> parse_vp8_descriptor(Bytes payload) {
  if (payload.empty()) return std::nullopt;
  Vp8Descriptor d;
  std::uint8_t first = payload[0];
  d.non_reference = (first & 0x20) != 0;
  d.start_of_partition = (first & 0x10) != 0;
  d.partition_id = first & 0x07;
  std::size_t offset = 1;
  if (first & 0x80) {
    // X: the extension byte says which optional fields follow (I, L, T, K).
    if (offset >= payload.size()) return std::nullopt;
    std::uint8_t x = payload[offset++];
    if (x & 0x80) {
      if (!read_picture_id(payload, offset, d.picture_id, d.picture_id_is_15_bit)) {
        return std::nullopt;
      }
    }
    if (x & 0x40) {
      if (offset >= payload.size()) return std::nullopt;
      d.tl0_pic_idx = payload[offset++];
    }
    // RFC 7741 §4.2: the TID/Y/KEYIDX byte is present if T or K is set.
    if (x & 0x30) {
      if (offset >= payload.size()) return std::nullopt;
      std::uint8_t b = payload[offset++];
      if (x & 0x20) {
        d.temporal_id = b >> 6;
        d.layer_sync = (b & 0x20) != 0;
      }
      if (x & 0x10) d.key_idx = b & 0x1F;
    }
  }
  d.size = offset;
  return d;
}

std::optional<Vp9Descriptor> parse_vp9_descriptor(Bytes payload) {
  if (payload.empty()) return std::nullopt;
  Vp9Descriptor d;
  std::uint8_t first = payload[0];
  d.inter_picture_predicted = (first & 0x40) != 0;
  d.has_layer_indices = (first & 0x20) != 0;
  d.flexible_mode = (first & 0x10) != 0;
  d.start_of_frame = (first & 0x08) != 0;
  d.end_of_frame = (first & 0x04) != 0;
  d.has_scalability_structure = (first & 0x02) != 0;
  d.not_reference = (first & 0x01) != 0;
  std::size_t offset = 1;

  if (first & 0x80) {
    if (!read_picture_id(payload, offset, d.picture_id, d.picture_id_is_15_bit)) {
      return std::nullopt;
    }
  }
  if (d.has_layer_indices) {
    if (offset >= payload.size()) return std::nullopt;
    std::uint8_t b = payload[offset++];
    d.temporal_id = b >> 5;
    d.switching_up_point = (b & 0x10) != 0;
    d.spatial_id = (b >> 1) & 0x07;
    d.inter_layer_dependency = (b & 0x01) != 0;
    // RFC 9628 §4.2: TL0PICIDX only in non-flexible mode.
    if (!d.flexible_mode) {
      if (offset >= payload.size()) return std::nullopt;
      d.tl0_pic_idx = payload[offset++];
    }
  }
  // RFC 9628 §4.2: in flexible mode an inter-predicted picture lists 1..3 reference
  // index differences, each with an N bit saying another follows.
  if (d.flexible_mode && d.inter_picture_predicted) {
    while (true) {
      if (offset >= payload.size() || d.reference_count == 3) return std::nullopt;
      std::uint8_t b = payload[offset++];
      ++d.reference_count;
      if ((b & 0x01) == 0) break;
    }
  }
  // RFC 9628 §4.2.1 scalability structure: N_S|Y|G, sizes if Y, picture group if G.
  if (d.has_scalability_structure) {
    if (offset >= payload.size()) return std::nullopt;
    std::uint8_t ss = payload[offset++];
    std::size_t spatial_layers = (ss >> 5) + 1u;
    if (ss & 0x10) offset += 4 * spatial_layers;
    if (ss & 0x08) {
      if (offset >= payload.size()) return std::nullopt;
      std::size_t groups = payload[offset++];
      for (std::size_t g = 0; g < groups; ++g) {
        if (offset >= payload.size()) return std::nullopt;
        std::size_t references = (payload[offset++] >> 2) & 0x03;
        offset += references;
      }
    }
    if (offset > payload.size()) return std::nullopt;
  }
  d.size = offset;
  return d;
}

}  // namespace podium::rtp
