// RTCP parser: walk a compound, parse every typed view, read every field; NACKs are
// re-packed and must report the same sequence numbers.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtp/rtcp_packet.h"
#include "rtp/rtcp_writer.h"

using namespace podium;
using namespace podium::rtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::uint64_t read_all(const RtcpPacket& packet) {
  std::uint64_t sink = packet.count() + packet.packet_type() + packet.body().size();
  if (auto sr = SenderReport::parse(packet)) {
    sink += sr->ssrc() + sr->ntp_timestamp() + sr->rtp_timestamp() + sr->packet_count() +
            sr->octet_count();
    for (std::size_t i = 0; i < sr->report_count(); ++i) sink += sr->report_block(i).jitter;
  }
  if (auto rr = ReceiverReport::parse(packet)) {
    sink += rr->ssrc();
    for (std::size_t i = 0; i < rr->report_count(); ++i) {
      ReportBlock b = rr->report_block(i);
      sink += b.ssrc + b.fraction_lost + static_cast<std::uint32_t>(b.cumulative_lost) +
              b.extended_highest_sequence + b.jitter + b.last_sr + b.delay_since_last_sr;
    }
  }
  SdesReader sdes(packet);
  while (auto item = sdes.next()) sink += item->ssrc + item->type + item->value.size();
  if (auto bye = Bye::parse(packet)) {
    for (std::size_t i = 0; i < bye->ssrc_count(); ++i) sink += bye->ssrc(i);
    sink += bye->reason().size();
  }
  if (auto fb = FeedbackPacket::parse(packet)) sink += fb->sender_ssrc() + fb->media_ssrc();
  if (auto nack = Nack::parse(packet)) {
    std::vector<std::uint16_t> seqs;
    nack->for_each_sequence_number([&](std::uint16_t s) { seqs.push_back(s); });
    // Re-packing what was reported must report the same set of sequence numbers.
    std::vector<std::uint8_t> out(12 + 4 * seqs.size());
    std::size_t n =
        write_nack(out.data(), out.size(), nack->sender_ssrc(), nack->media_ssrc(), seqs);
    check(n != 0);
    auto again = Nack::parse(*RtcpPacket::parse(std::span(out.data(), n)));
    check(again.has_value());
    std::vector<std::uint16_t> repacked;
    again->for_each_sequence_number([&](std::uint16_t s) { repacked.push_back(s); });
    std::sort(seqs.begin(), seqs.end());
    seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    std::sort(repacked.begin(), repacked.end());
    repacked.erase(std::unique(repacked.begin(), repacked.end()), repacked.end());
    check(seqs == repacked);
  }
  if (auto cc = TransportCc::parse(packet)) {
    sink += cc->base_sequence_number() + cc->packet_status_count() +
            static_cast<std::uint32_t>(cc->reference_time()) + cc->feedback_packet_count() +
            cc->chunks().size();
  }
  if (auto pli = Pli::parse(packet)) sink += pli->media_ssrc();
  if (auto fir = Fir::parse(packet)) {
    for (std::size_t i = 0; i < fir->entry_count(); ++i) sink += fir->entry(i).ssrc;
  }
  if (auto remb = Remb::parse(packet)) {
    sink += remb->bitrate();
    for (std::size_t i = 0; i < remb->ssrc_count(); ++i) sink += remb->ssrc(i);
  }
  return sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes input(data, size);
  std::uint64_t sink = 0;
  std::size_t total = 0;
  bool valid = for_each_rtcp_packet(input, [&](const RtcpPacket& packet) {
    total += packet.size();
    sink += read_all(packet);
  });
  check(!valid || total == size);
  // The lenient reader sees the same prefix packets even when the compound is broken.
  RtcpCompoundReader reader(input);
  while (auto packet = reader.next()) sink += read_all(*packet);
  (void)sink;
  return 0;
}
