// RTP parser: parse, read every field, look up extensions, then rewrite the header
// with the packet's own extensions and check the rewritten packet reads the same.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtp/codec.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"

using namespace podium;
using namespace podium::rtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool same(Bytes a, Bytes b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> buffer(data, data + size);
  auto packet = RtpPacket::parse(buffer);
  if (!packet) return 0;

  check(packet->version() == 2);
  check(packet->header_size() + packet->payload_size() + packet->padding_size() == size);
  std::uint32_t sink = packet->marker() + packet->payload_type() + packet->sequence_number() +
                       packet->timestamp() + packet->ssrc() + packet->has_padding();
  std::array<std::uint32_t, 15> csrcs{};
  for (std::size_t i = 0; i < packet->csrc_count(); ++i) csrcs[i] = packet->csrc(i);
  for (int id = 0; id < 256; ++id) {
    if (auto e = packet->extension(static_cast<std::uint8_t>(id))) sink += e->size();
  }
  for (Codec codec : {Codec::kVp8, Codec::kVp9, Codec::kH264, Codec::kAv1}) {
    sink += is_keyframe(codec, packet->payload());
  }
  (void)sink;

  // Collect the elements (no allocation beyond the fixed array) and write them back.
  std::array<ExtensionElement, 512> elements;
  std::size_t count = 0;
  auto reader = packet->extensions();
  while (auto e = reader.next()) {
    if (count == elements.size()) return 0;
    elements[count++] = *e;
  }
  RtpHeaderFields fields{.marker = packet->marker(),
                         .payload_type = packet->payload_type(),
                         .sequence_number = packet->sequence_number(),
                         .timestamp = packet->timestamp(),
                         .ssrc = packet->ssrc(),
                         .csrcs = std::span(csrcs.data(), packet->csrc_count())};
  std::span<const ExtensionElement> extensions(elements.data(), count);
  std::vector<std::uint8_t> out(size + 4 * count + 64);
  std::size_t n = write_rtp_packet(out.data(), out.size(), fields, extensions, packet->payload(),
                                   static_cast<std::uint8_t>(packet->padding_size()));
  // The rewritten block is never larger than the parsed one (plus alignment), so
  // whatever parsed can be written.
  check(n != 0);
  auto again = RtpPacket::parse(std::span(out.data(), n));
  check(again.has_value());
  check(again->marker() == packet->marker());
  check(again->payload_type() == packet->payload_type());
  check(again->sequence_number() == packet->sequence_number());
  check(again->timestamp() == packet->timestamp());
  check(again->ssrc() == packet->ssrc());
  check(again->csrc_count() == packet->csrc_count());
  check(again->padding_size() == packet->padding_size());
  check(same(again->payload(), packet->payload()));
  for (std::size_t i = 0; i < count; ++i) {
    auto got = again->extension(elements[i].id);
    auto want = packet->extension(elements[i].id);
    check(got.has_value() && want.has_value() && same(*got, *want));
  }
  return 0;
}
