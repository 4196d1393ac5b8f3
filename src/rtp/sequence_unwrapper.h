// Extends wrapping RTP counters (16-bit sequence numbers, 32-bit timestamps) to 64
// bits, so ordering and differences survive the wrap.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

namespace podium::rtp {

template <typename T>
class Unwrapper {
  static_assert(std::is_unsigned_v<T> && sizeof(T) < sizeof(std::int64_t));
  using Signed = std::make_signed_t<T>;

 public:
  // The first value maps to itself; each later one to the extended value nearest the
  // previous one (a step of less than half the range, forwards or backwards).
  std::int64_t unwrap(T value) {
    if (!last_) {
      last_ = value;
      return value;
    }
    auto delta = static_cast<Signed>(static_cast<T>(value - static_cast<T>(*last_)));
    *last_ += delta;
    return *last_;
  }
  // The extended value `value` would get, without remembering it.
  std::int64_t peek(T value) const {
    if (!last_) return value;
    auto delta = static_cast<Signed>(static_cast<T>(value - static_cast<T>(*last_)));
    return *last_ + delta;
  }
  std::optional<std::int64_t> last() const { return last_; }
  void reset() { last_.reset(); }

 private:
  std::optional<std::int64_t> last_;
};

using SequenceUnwrapper = Unwrapper<std::uint16_t>;
using TimestampUnwrapper = Unwrapper<std::uint32_t>;

}  // namespace podium::rtp
