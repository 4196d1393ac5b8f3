// Packet index bookkeeping for SRTP: the RFC 3711 §3.3.1 index estimate and the §3.3.2
// replay window. Internal to src/srtp (tests include it too).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace podium::srtp {

// RFC 3711 §3.3.1: the 48-bit index (ROC || SEQ) of a packet with sequence number `seq`,
// guessed from the highest index seen so far. Until that index passes 2^15 the ROC is
// taken as 0, as libsrtp does: a stream may start at any sequence number, and guessing
// ROC - 1 for a stream that has not wrapped yet would be wrong.
inline std::uint64_t estimate_index(std::uint64_t highest, std::uint16_t seq) {
  constexpr std::uint32_t kHalf = 1u << 15;
  if (highest <= kHalf) return seq;
  const std::uint32_t roc = static_cast<std::uint32_t>(highest >> 16);
  const std::uint32_t s_l = static_cast<std::uint32_t>(highest & 0xffff);
  std::uint32_t v = roc;
  if (s_l < kHalf) {
    if (seq > s_l && seq - s_l > kHalf) v = roc - 1;  // a late packet from before the wrap
  } else if (s_l - kHalf > seq) {
    v = roc + 1;  // the sequence number wrapped
  }
  return (std::uint64_t{v} << 16) | seq;
}

// RFC 3711 §3.3.2: which of the last `Size` indices were received; anything older is
// refused. Only authenticated packets may be accepted into it.
template <std::size_t Size>
class ReplayWindow {
  static_assert(Size % 64 == 0 && Size > 0);

 public:
  enum class Verdict { kNew, kInWindow, kSeen, kTooOld };

  Verdict check(std::uint64_t index) const {
    if (index > highest_) return Verdict::kNew;
    const std::uint64_t behind = highest_ - index;
    if (behind >= Size) return Verdict::kTooOld;
    return bit(behind) ? Verdict::kSeen : Verdict::kInWindow;
  }
  bool accepts(std::uint64_t index) const {
    const Verdict verdict = check(index);
    return verdict == Verdict::kNew || verdict == Verdict::kInWindow;
  }

  // Records an index that check() allowed.
  void accept(std::uint64_t index) {
    if (index > highest_) {
      shift(index - highest_);
      highest_ = index;
    }
    const std::uint64_t behind = highest_ - index;
    if (behind < Size) bits_[behind / 64] |= std::uint64_t{1} << (behind % 64);
  }

  std::uint64_t highest() const { return highest_; }

 private:
  static constexpr std::size_t kWords = Size / 64;

  bool bit(std::uint64_t behind) const { return (bits_[behind / 64] >> (behind % 64)) & 1; }

  // Bit i stands for index highest - i; moving the top up by `by` moves every bit up.
  void shift(std::uint64_t by) {
    if (by >= Size) {
      bits_.fill(0);
      return;
    }
    const std::size_t words = static_cast<std::size_t>(by / 64);
    const unsigned bits = static_cast<unsigned>(by % 64);
    for (std::size_t w = kWords; w-- > 0;) {
      std::uint64_t value = 0;
      if (w >= words) {
        value = bits_[w - words] << bits;
        if (bits != 0 && w >= words + 1) value |= bits_[w - words - 1] >> (64 - bits);
      }
      bits_[w] = value;
    }
  }

  std::array<std::uint64_t, kWords> bits_{};
  std::uint64_t highest_ = 0;
};

}  // namespace podium::srtp
