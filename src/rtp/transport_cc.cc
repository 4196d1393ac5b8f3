#include "rtp/transport_cc.h"

#include <algorithm>
#include <limits>

namespace podium::rtp {
namespace {

// §3.1.1 packet status symbols.
constexpr std::uint8_t kSymbolNotReceived = 0;
constexpr std::uint8_t kSymbolSmallDelta = 1;  // one unsigned byte
constexpr std::uint8_t kSymbolLargeDelta = 2;  // two bytes, signed
constexpr std::uint8_t kSymbolReserved = 3;

constexpr std::size_t kFixedSize = 4 + 8 + 8;  // RTCP header, SSRCs, FCI fixed fields
constexpr std::uint16_t kMaxRunLength = 0x1FFF;

// Floor division for the 64 ms reference time of a non-negative µs value.
std::int64_t reference_of(std::int64_t us) { return us / kTransportCcReferenceUs; }

struct Plan {
  std::size_t packets = 0;
  std::array<std::uint8_t, kMaxTransportCcStatuses> symbols;
  std::array<std::int16_t, kMaxTransportCcStatuses> deltas;
};

// Greedy chunking: a run when it covers at least a full vector (or the rest), else the
// densest vector that can hold the next symbols (§3.1.3, §3.1.4).
template <typename Emit>
void for_each_chunk(const Plan& plan, std::size_t count, Emit&& emit) {
  std::size_t i = 0;
  while (i < count) {
    std::size_t run = 1;
    while (i + run < count && run < kMaxRunLength && plan.symbols[i + run] == plan.symbols[i]) ++run;
    std::size_t one_bit = std::min<std::size_t>(14, count - i);
    bool fits_one_bit = std::all_of(plan.symbols.begin() + i, plan.symbols.begin() + i + one_bit,
                                    [](std::uint8_t s) { return s <= kSymbolSmallDelta; });
    std::uint16_t chunk = 0;
    if (run >= 14 || i + run == count) {
      chunk = static_cast<std::uint16_t>((plan.symbols[i] << 13) | run);
      i += run;
    } else if (fits_one_bit) {
      chunk = 0x8000;
      for (std::size_t k = 0; k < one_bit; ++k)
        chunk |= static_cast<std::uint16_t>(plan.symbols[i + k] << (13 - k));
      i += one_bit;
    } else if (run >= 7) {
      chunk = static_cast<std::uint16_t>((plan.symbols[i] << 13) | run);
      i += run;
    } else {
      std::size_t two_bit = std::min<std::size_t>(7, count - i);
      chunk = 0xC000;
      for (std::size_t k = 0; k < two_bit; ++k)
        chunk |= static_cast<std::uint16_t>(plan.symbols[i + k] << (12 - 2 * k));
      i += two_bit;
    }
    emit(chunk);
  }
}

std::size_t encoded_size(const Plan& plan, std::size_t count) {
  std::size_t size = kFixedSize;
  for_each_chunk(plan, count, [&](std::uint16_t) { size += 2; });
  for (std::size_t i = 0; i < count; ++i)
    size += plan.symbols[i] == kSymbolSmallDelta ? 1 : plan.symbols[i] == kSymbolLargeDelta ? 2 : 0;
  return (size + 3) & ~std::size_t{3};  // §3.1: zero padding to 32 bits
}

}  // namespace

bool read_transport_cc(const TransportCc& feedback, std::vector<TransportCcStatus>& out) {
  out.clear();
  std::size_t count = feedback.packet_status_count();
  if (count > kMaxTransportCcStatuses) return false;
  Bytes rest = feedback.chunks();
  std::size_t offset = 0;
  std::uint16_t sequence = feedback.base_sequence_number();
  auto add = [&](std::uint8_t symbol) {
    out.push_back({sequence++, symbol != kSymbolNotReceived, symbol});  // symbol parked in time
  };
  while (out.size() < count) {
    if (offset + 2 > rest.size()) return out.clear(), false;
    std::uint16_t chunk = load_u16(&rest[offset]);
    offset += 2;
    std::size_t left = count - out.size();
    if ((chunk & 0x8000) == 0) {  // §3.1.3 run length chunk
      auto symbol = static_cast<std::uint8_t>((chunk >> 13) & 0x3);
      std::size_t run = chunk & kMaxRunLength;
      if (symbol == kSymbolReserved) return out.clear(), false;
      for (std::size_t k = 0; k < std::min(run, left); ++k) add(symbol);
    } else if ((chunk & 0x4000) == 0) {  // §3.1.4 one-bit symbols, 14 per chunk
      for (std::size_t k = 0; k < std::min<std::size_t>(14, left); ++k)
        add(static_cast<std::uint8_t>((chunk >> (13 - k)) & 0x1));
    } else {  // two-bit symbols, 7 per chunk
      for (std::size_t k = 0; k < std::min<std::size_t>(7, left); ++k) {
        auto symbol = static_cast<std::uint8_t>((chunk >> (12 - 2 * k)) & 0x3);
        if (symbol == kSymbolReserved) return out.clear(), false;
        add(symbol);
      }
    }
  }
  // §3.1.5: one delta per received packet, in order, relative to the previous one (the
  // first to the reference time).
  std::int64_t time = std::int64_t{feedback.reference_time()} * kTransportCcReferenceUs;
  for (auto& status : out) {
    auto symbol = status.receive_time_us;
    if (symbol == kSymbolSmallDelta) {
      if (offset + 1 > rest.size()) return out.clear(), false;
      time += std::int64_t{rest[offset]} * kTransportCcDeltaUs;
      offset += 1;
    } else if (symbol == kSymbolLargeDelta) {
      if (offset + 2 > rest.size()) return out.clear(), false;
      time += std::int64_t{static_cast<std::int16_t>(load_u16(&rest[offset]))} * kTransportCcDeltaUs;
      offset += 2;
    }
    status.receive_time_us = status.received ? time : 0;
  }
  return true;
}

TransportCcWritten write_transport_cc(std::uint8_t* out, std::size_t capacity,
                                      std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                      std::uint16_t base_sequence, std::uint8_t feedback_count,
                                      std::span<const std::int64_t> arrivals_us) {
  auto first = std::find_if(arrivals_us.begin(), arrivals_us.end(), [](std::int64_t a) { return a >= 0; });
  if (first == arrivals_us.end()) return {};
  static thread_local Plan plan;  // 24 KB: kept off the stack, reused
  std::int64_t reference = reference_of(*first);
  std::int64_t previous = reference * (kTransportCcReferenceUs / kTransportCcDeltaUs);  // ticks
  std::size_t count = std::min(arrivals_us.size(), kMaxTransportCcStatuses);
  std::size_t planned = 0;
  for (; planned < count; ++planned) {
    std::int64_t arrival = arrivals_us[planned];
    if (arrival < 0) {
      plan.symbols[planned] = kSymbolNotReceived;
      continue;
    }
    // Deltas are taken between quantized times, so rounding never accumulates.
    std::int64_t ticks = arrival / kTransportCcDeltaUs;
    std::int64_t delta = ticks - previous;
    if (delta < std::numeric_limits<std::int16_t>::min() || delta > std::numeric_limits<std::int16_t>::max())
      break;
    plan.symbols[planned] = delta >= 0 && delta <= 255 ? kSymbolSmallDelta : kSymbolLargeDelta;
    plan.deltas[planned] = static_cast<std::int16_t>(delta);
    previous = ticks;
  }
  // Trailing losses tell the sender nothing yet; they are reported with what follows.
  while (planned > 0 && plan.symbols[planned - 1] == kSymbolNotReceived) --planned;
  while (planned > 0 && encoded_size(plan, planned) > capacity) {
    planned /= 2;
    while (planned > 0 && plan.symbols[planned - 1] == kSymbolNotReceived) --planned;
  }
  if (planned == 0) return {};

  std::size_t length = encoded_size(plan, planned);
  std::fill(out, out + length, 0);
  out[0] = 0x80 | kFmtTransportCc;
  out[1] = static_cast<std::uint8_t>(RtcpType::kRtpFeedback);
  store_u16(out + 2, static_cast<std::uint16_t>(length / 4 - 1));
  store_u32(out + 4, sender_ssrc);
  store_u32(out + 8, media_ssrc);
  store_u16(out + 12, base_sequence);
  store_u16(out + 14, static_cast<std::uint16_t>(planned));
  store_u24(out + 16, static_cast<std::uint32_t>(reference) & 0xFFFFFF);
  out[19] = feedback_count;
  std::size_t offset = kFixedSize;
  for_each_chunk(plan, planned, [&](std::uint16_t chunk) {
    store_u16(out + offset, chunk);
    offset += 2;
  });
  for (std::size_t i = 0; i < planned; ++i) {
    if (plan.symbols[i] == kSymbolSmallDelta) {
      out[offset++] = static_cast<std::uint8_t>(plan.deltas[i]);
    } else if (plan.symbols[i] == kSymbolLargeDelta) {
      store_u16(out + offset, static_cast<std::uint16_t>(plan.deltas[i]));
      offset += 2;
    }
  }
  return {length, planned};
}

void TransportCcRecorder::on_packet(std::uint16_t sequence, TimePoint arrival) {
  std::int64_t extended = unwrapper_.unwrap(sequence);
  std::int64_t us = arrival.time_since_epoch().count();
  if (us < 0) return;
  if (next_ < 0) {
    next_ = highest_ = extended;
    slot(extended) = us;
    return;
  }
  if (extended < next_) return;  // already reported as lost; too late to matter
  if (extended > highest_) {
    // The ring keeps the last kWindow numbers; older unreported ones are given up.
    std::int64_t oldest = extended - static_cast<std::int64_t>(kWindow) + 1;
    if (next_ < oldest) next_ = oldest;
    for (std::int64_t s = std::max(highest_ + 1, next_); s < extended; ++s) slot(s) = kNotReceived;
    highest_ = extended;
  }
  slot(extended) = us;
}

std::size_t TransportCcRecorder::write_feedback(std::uint8_t* out, std::size_t capacity,
                                                std::uint32_t sender_ssrc, std::uint32_t media_ssrc) {
  if (!has_pending()) return 0;
  std::array<std::int64_t, kWindow> arrivals;
  auto count = static_cast<std::size_t>(highest_ - next_ + 1);
  for (std::size_t i = 0; i < count; ++i) arrivals[i] = slot(next_ + static_cast<std::int64_t>(i));
  auto written = write_transport_cc(out, capacity, sender_ssrc, media_ssrc,
                                    static_cast<std::uint16_t>(next_), feedback_count_,
                                    std::span<const std::int64_t>(arrivals.data(), count));
  if (written.length == 0) return 0;
  ++feedback_count_;
  next_ += static_cast<std::int64_t>(written.packets);
  return written.length;
}

}  // namespace podium::rtp
