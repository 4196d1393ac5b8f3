// What an interpretation program costs the media worker per 20 ms frame: the real
// LanguagePrograms tick (decode the floor voices once and each language's interpreter,
// mix, encode with libopus, packetize and hand to the program producer) for 1, 2 and 4
// languages, with one floor voice or a panel of three. Divide by the language count for
// the cost per language.
//
//   build/bench/bench/program_mix_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <opus/opus.h>

#include <cmath>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "sfu/language_channel.h"
#include "sfu/producer.h"
#include "util/log.h"

namespace podium::sfu {
namespace {

// One second of a tone as 20 ms Opus packets (what a browser sends: 48 kHz, ~32 kbps).
std::vector<std::vector<std::uint8_t>> tone_packets(double frequency) {
  int error = 0;
  OpusEncoder* encoder = opus_encoder_create(kMixSampleRate, 1, OPUS_APPLICATION_VOIP, &error);
  opus_encoder_ctl(encoder, OPUS_SET_BITRATE(32000));
  std::vector<std::vector<std::uint8_t>> packets;
  for (int frame = 0; frame < 50; ++frame) {
    PcmFrame pcm;
    for (int i = 0; i < kMixFrameSamples; ++i) {
      double t = static_cast<double>(frame * kMixFrameSamples + i) / kMixSampleRate;
      pcm[i] = static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * frequency * t));
    }
    std::vector<std::uint8_t> packet(1275);
    int size = opus_encode(encoder, pcm.data(), kMixFrameSamples, packet.data(), 1275);
    packet.resize(static_cast<std::size_t>(size));
    packets.push_back(std::move(packet));
  }
  opus_encoder_destroy(encoder);
  return packets;
}

struct Source {
  std::unique_ptr<Producer> producer;
  std::vector<std::vector<std::uint8_t>> packets;
  std::uint16_t sequence = 0;
  std::array<std::uint8_t, 1500> buffer{};

  void send(LanguagePrograms& programs) {
    const auto& payload = packets[sequence % packets.size()];
    rtp::RtpHeaderFields fields;
    fields.payload_type = 111;
    fields.sequence_number = sequence;
    fields.timestamp = static_cast<std::uint32_t>(sequence) * kMixFrameSamples;
    fields.ssrc = 1234;
    std::size_t header = rtp::write_rtp_header(buffer.data(), buffer.size(), fields, {});
    std::copy(payload.begin(), payload.end(), buffer.begin() + static_cast<std::ptrdiff_t>(header));
    auto packet = rtp::RtpPacket::parse(MutableBytes(buffer.data(), header + payload.size()));
    programs.on_audio_packet(*producer, *packet);
    ++sequence;
  }
};

void BM_ProgramTick(benchmark::State& state) {
  log::set_level(log::Level::kWarn);
  int languages = static_cast<int>(state.range(0));
  int floor_voices = static_cast<int>(state.range(1));
  RtpCodecParameters opus;
  opus.name = "opus";
  opus.codec = rtp::Codec::kOpus;
  opus.clock_rate = kMixSampleRate;
  // The floor: the floor holder and the other panelists allowed to speak.
  std::vector<std::unique_ptr<Source>> floor;
  std::vector<const Producer*> voices;
  for (int i = 0; i < floor_voices; ++i) {
    auto source = std::make_unique<Source>();
    source->producer =
        std::make_unique<Producer>("floor" + std::to_string(i), MediaKind::kAudio, opus);
    source->packets = tone_packets(440 + 37 * i);
    voices.push_back(source->producer.get());
    floor.push_back(std::move(source));
  }
  std::vector<std::unique_ptr<Source>> interpreters;
  std::map<std::string, const Producer*> live;
  for (int i = 0; i < languages; ++i) {
    auto source = std::make_unique<Source>();
    source->producer =
        std::make_unique<Producer>("int" + std::to_string(i), MediaKind::kAudio, opus);
    source->packets = tone_packets(660 + 110 * i);
    live["l" + std::to_string(i)] = source->producer.get();
    interpreters.push_back(std::move(source));
  }
  LanguagePrograms programs;
  programs.configure(voices.front(), voices, live, TimePoint{});
  for (const auto& [language, producer] : live) programs.hold(language);  // as a listener would
  auto send_all = [&] {
    for (auto& in : floor) in->send(programs);
    for (auto& in : interpreters) in->send(programs);
  };
  for (int i = 0; i < 5; ++i) {  // past the jitter buffer's start
    send_all();
    programs.mix(TimePoint{});
  }
  for (auto _ : state) {
    state.PauseTiming();
    send_all();
    state.ResumeTiming();
    programs.mix(TimePoint{});
  }
  state.counters["per_language"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * languages,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}
// {languages, floor voices}: one speaker, or a panel of three.
BENCHMARK(BM_ProgramTick)
    ->Args({1, 1})->Args({2, 1})->Args({4, 1})->Args({1, 3})->Args({4, 3})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace podium::sfu

BENCHMARK_MAIN();
