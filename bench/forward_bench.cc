// What one forwarded packet costs in pieces: parse, rewrite the header for the
// subscriber, protect with SRTP. Run: build/bench/bench/forward_bench
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <vector>

#include "rtp/header_extensions.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "srtp/srtp_session.h"

namespace podium {
namespace {

std::vector<std::uint8_t> make_packet(std::size_t payload_size) {
  std::vector<std::uint8_t> packet(2048);
  rtp::RtpHeaderFields fields;
  fields.payload_type = 96;
  fields.sequence_number = 1;
  fields.timestamp = 90000;
  fields.ssrc = 0x1234;
  std::uint8_t mid[] = {'0'};
  rtp::ExtensionElement ext[] = {{4, Bytes(mid, 1)}};
  std::size_t header = rtp::write_rtp_header(packet.data(), packet.size(), fields, ext);
  std::memset(packet.data() + header, 0xab, payload_size);
  packet.resize(header + payload_size);
  return packet;
}

srtp::SrtpSession outbound(srtp::Profile profile) {
  std::vector<std::uint8_t> key(srtp::master_key_length(profile), 7);
  std::vector<std::uint8_t> salt(srtp::master_salt_length(profile), 9);
  return std::move(*srtp::SrtpSession::create(profile, key, salt, srtp::Direction::kOutbound));
}

void BM_ParseRtp(benchmark::State& state) {
  auto packet = make_packet(1200);
  for (auto _ : state) {
    auto view = rtp::RtpPacket::parse(MutableBytes(packet.data(), packet.size()));
    benchmark::DoNotOptimize(view->extension(4));
  }
}
BENCHMARK(BM_ParseRtp);

void BM_RewriteHeader(benchmark::State& state) {
  auto packet = make_packet(1200);
  std::array<std::uint8_t, 2048> out;
  auto view = *rtp::RtpPacket::parse(MutableBytes(packet.data(), packet.size()));
  std::uint8_t mid[] = {'3'};
  std::uint8_t send_time[] = {1, 2, 3};
  rtp::ExtensionElement ext[] = {{3, Bytes(mid, 1)}, {2, Bytes(send_time, 3)}};
  std::uint16_t seq = 0;
  for (auto _ : state) {
    rtp::RtpHeaderFields fields;
    fields.payload_type = 96;
    fields.sequence_number = seq++;
    fields.timestamp = view.timestamp() + 1000;
    fields.ssrc = 0x5678;
    std::size_t header = rtp::write_rtp_header(out.data(), out.size(), fields, ext);
    std::memcpy(out.data() + header, view.payload().data(), view.payload_size());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RewriteHeader);

void BM_Protect(benchmark::State& state) {
  srtp::initialize();
  auto profile = state.range(0) ? srtp::Profile::kAeadAes128Gcm : srtp::Profile::kAes128CmSha1_80;
  auto session = outbound(profile);
  auto packet = make_packet(static_cast<std::size_t>(state.range(1)));
  std::array<std::uint8_t, 2048> buffer;
  std::uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(buffer.data(), packet.data(), packet.size());
    buffer[2] = static_cast<std::uint8_t>(seq >> 8);
    buffer[3] = static_cast<std::uint8_t>(seq++);
    benchmark::DoNotOptimize(session.protect_rtp(buffer.data(), packet.size(), buffer.size()));
  }
  state.SetLabel(state.range(0) ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
}
BENCHMARK(BM_Protect)->Args({1, 1200})->Args({0, 1200})->Args({1, 100})->Args({0, 100});

}  // namespace
}  // namespace podium

BENCHMARK_MAIN();
