#include "rtp/vp8_rewriter.h"

namespace podium::rtp {
namespace {

constexpr std::uint16_t kPictureIdMask = 0x7FFF;

// a is after b in the 15-bit picture ID space.
bool newer_picture(std::uint16_t a, std::uint16_t b) {
  auto forward = static_cast<std::uint16_t>((a - b) & kPictureIdMask);
  return forward != 0 && forward < 0x4000;
}

}  // namespace

std::uint16_t Vp8Rewriter::picture_id(std::uint16_t in, bool is_15_bit) const {
  auto out = static_cast<std::uint16_t>((in + picture_offset_) & kPictureIdMask);
  // A 7-bit picture ID wraps at 128 (RFC 7741 §4.2); 2^7 divides 2^15, so masking the
  // 15-bit sum keeps the sequence continuous.
  return is_15_bit ? out : static_cast<std::uint16_t>(out & 0x7F);
}

void Vp8Rewriter::on_forwarded(const Vp8Descriptor& d) {
  if (rebase_) {
    rebase_ = false;
    last_dropped_picture_id_.reset();
    if (d.picture_id && last_picture_id_)
      picture_offset_ = static_cast<std::uint16_t>((*last_picture_id_ + 1 - *d.picture_id) & kPictureIdMask);
    if (d.tl0_pic_idx && last_tl0_pic_idx_) {
      // A new source starts on a keyframe, which is a base-layer (TID 0) picture: it
      // takes the next TL0PICIDX.
      tl0_offset_ = static_cast<std::uint8_t>(*last_tl0_pic_idx_ + 1 - *d.tl0_pic_idx);
    }
  }
  if (d.picture_id) {
    auto out = static_cast<std::uint16_t>((*d.picture_id + picture_offset_) & kPictureIdMask);
    if (!last_picture_id_ || newer_picture(out, *last_picture_id_)) last_picture_id_ = out;
  }
  if (d.tl0_pic_idx) {
    auto out = tl0_pic_idx(*d.tl0_pic_idx);
    if (!last_tl0_pic_idx_ || static_cast<std::uint8_t>(out - *last_tl0_pic_idx_) < 0x80)
      last_tl0_pic_idx_ = out;
  }
}

void Vp8Rewriter::on_dropped(const Vp8Descriptor& d) {
  if (rebase_ || !d.picture_id) return;
  // Every packet of the dropped picture carries the same ID: count it once.
  if (last_dropped_picture_id_ == d.picture_id) return;
  last_dropped_picture_id_ = d.picture_id;
  picture_offset_ = static_cast<std::uint16_t>((picture_offset_ - 1) & kPictureIdMask);
}

bool Vp8Rewriter::write(MutableBytes payload) const {
  auto d = parse_vp8_descriptor(payload);
  if (!d) return false;
  write(payload, *d);
  return true;
}

void Vp8Rewriter::write(MutableBytes payload, const Vp8Descriptor& d) const {
  if (!(payload[0] & 0x80)) return;  // no X byte: nothing to rewrite
  std::uint8_t x = payload[1];
  std::size_t offset = 2;
  if (x & 0x80) {  // I
    std::uint16_t out = picture_id(*d.picture_id, d.picture_id_is_15_bit);
    if (d.picture_id_is_15_bit) {
      payload[offset] = static_cast<std::uint8_t>(0x80 | (out >> 8));
      payload[offset + 1] = static_cast<std::uint8_t>(out);
      offset += 2;
    } else {
      payload[offset] = static_cast<std::uint8_t>(out & 0x7F);
      offset += 1;
    }
  }
  if (x & 0x40) payload[offset] = tl0_pic_idx(*d.tl0_pic_idx);  // L
}

}  // namespace podium::rtp
