#include "ice/tcp_framing.h"

namespace podium::ice {

std::optional<std::array<std::uint8_t, kFrameHeaderSize>> frame_header(std::size_t length) {
  if (length > kMaxFramePayload) return std::nullopt;
  std::array<std::uint8_t, kFrameHeaderSize> header{};
  store_u16(header.data(), static_cast<std::uint16_t>(length));
  return header;
}

FrameScan next_frame(MutableBytes buffered, std::size_t max_packet) {
  FrameScan scan;
  if (buffered.size() < kFrameHeaderSize) return scan;
  std::size_t length = load_u16(buffered.data());
  if (length > max_packet) {
    scan.status = FrameScan::Status::kTooLarge;
    return scan;
  }
  if (buffered.size() < kFrameHeaderSize + length) return scan;
  scan.status = FrameScan::Status::kFrame;
  scan.packet = buffered.subspan(kFrameHeaderSize, length);
  scan.consumed = kFrameHeaderSize + length;
  return scan;
}

}  // namespace podium::ice
