#include "rtp/vp8_packetizer.h"

#include <algorithm>

namespace podium::rtp {

std::size_t vp8_descriptor_size(const Vp8DescriptorFields& f) {
  bool extended = f.picture_id || f.tl0_pic_idx || f.temporal_id || f.key_idx;
  if (!extended) return 1;
  std::size_t size = 2;
  if (f.picture_id) size += 2;
  if (f.tl0_pic_idx) size += 1;
  if (f.temporal_id || f.key_idx) size += 1;
  return size;
}

std::size_t write_vp8_descriptor(std::uint8_t* out, std::size_t capacity,
                                 const Vp8DescriptorFields& f) {
  std::size_t size = vp8_descriptor_size(f);
  if (size > capacity) return 0;
  // RFC 7741 §4.2: |X|R|N|S|R| PID |
  bool extended = size > 1;
  out[0] = static_cast<std::uint8_t>((extended ? 0x80 : 0) | (f.non_reference ? 0x20 : 0) |
                                     (f.start_of_partition ? 0x10 : 0) | (f.partition_id & 0x07));
  if (!extended) return 1;
  // |I|L|T|K| RSV |
  out[1] = static_cast<std::uint8_t>((f.picture_id ? 0x80 : 0) | (f.tl0_pic_idx ? 0x40 : 0) |
                                     (f.temporal_id ? 0x20 : 0) | (f.key_idx ? 0x10 : 0));
  std::size_t offset = 2;
  if (f.picture_id) {
    // |M| PictureID (15 bits) |
    store_u16(out + offset, static_cast<std::uint16_t>(0x8000 | (*f.picture_id & 0x7FFF)));
    offset += 2;
  }
  if (f.tl0_pic_idx) out[offset++] = *f.tl0_pic_idx;
  if (f.temporal_id || f.key_idx) {
    // |TID|Y| KEYIDX |
    out[offset++] = static_cast<std::uint8_t>(((f.temporal_id.value_or(0) & 0x03) << 6) |
                                              (f.layer_sync ? 0x20 : 0) |
                                              (f.key_idx.value_or(0) & 0x1F));
  }
  return offset;
}

std::vector<std::vector<std::uint8_t>> packetize_vp8(Bytes frame, const Vp8DescriptorFields& fields,
                                                     std::size_t max_payload_size) {
  std::vector<std::vector<std::uint8_t>> out;
  Vp8DescriptorFields f = fields;
  f.start_of_partition = true;
  f.partition_id = 0;
  std::size_t descriptor = vp8_descriptor_size(f);
  if (frame.empty() || max_payload_size <= descriptor) return out;
  std::size_t room = max_payload_size - descriptor;
  std::size_t count = (frame.size() + room - 1) / room;
  std::size_t base = frame.size() / count;
  std::size_t extra = frame.size() % count;  // the first `extra` payloads carry one more byte
  std::size_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t chunk = base + (i < extra ? 1 : 0);
    std::vector<std::uint8_t> payload(descriptor + chunk);
    write_vp8_descriptor(payload.data(), payload.size(), f);
    std::copy_n(frame.data() + offset, chunk, payload.data() + descriptor);
    offset += chunk;
    out.push_back(std::move(payload));
    f.start_of_partition = false;
  }
  return out;
}

bool set_vp8_picture_id(MutableBytes payload, std::uint16_t picture_id) {
  if (payload.size() < 4 || !(payload[0] & 0x80) || !(payload[1] & 0x80) || !(payload[2] & 0x80))
    return false;
  store_u16(&payload[2], static_cast<std::uint16_t>(0x8000 | (picture_id & 0x7FFF)));
  return true;
}

}  // namespace podium::rtp
