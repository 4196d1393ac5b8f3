// The interpretation mixer's decoder path: publishers' Opus payloads reach the program
// mixers unchecked (any size, any sequence number or timestamp, in any order, at any
// time). The input is a script of operations on the real LanguagePrograms of one
// conference (four voices: three floor voices and an interpreter) and on a bare
// OpusInput per voice:
//
//   op byte: kind = op & 7, voice = (op >> 3) & 3
//   0-2  packet:    u16 sequence, u32 timestamp, u16 length (mod 1600), payload bytes
//   3, 7 one 20 ms tick: mix, and pull every bare input
//   4    hold / release a program ("en" or "ru", by the voice bits)
//   5    reconfigure: a flags byte (which voices are on the floor, who holds it, whether
//        "ru" has its interpreter live, whether "en" has a booth)
//   6    a pause: u8 ticks of time pass without mixing
//
// Nothing may crash, and every program packet must decode to one 20 ms frame with
// sequence numbers one apart.
#include <opus/opus.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "sfu/audio_mixer.h"
#include "sfu/language_channel.h"
#include "sfu/producer.h"
#include "util/log.h"

using namespace podium;
using namespace podium::sfu;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return offset_ >= size_; }
  std::uint8_t u8() { return offset_ < size_ ? data_[offset_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) << 16 | u16(); }
  // Up to `count` bytes (fewer at the end of the input).
  Bytes take(std::size_t count) {
    count = std::min(count, size_ - std::min(offset_, size_));
    Bytes bytes(data_ + offset_, count);
    offset_ += count;
    return bytes;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

RtpCodecParameters opus_codec() {
  RtpCodecParameters codec;
  codec.payload_type = 111;
  codec.name = "opus";
  codec.codec = rtp::Codec::kOpus;
  codec.clock_rate = kMixSampleRate;
  codec.channels = 2;
  return codec;
}

struct ProgramCheck {
  OpusDecoder* decoder = nullptr;
  bool have_sequence = false;
  std::uint16_t sequence = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::set_level(log::Level::kWarn);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  std::array<std::unique_ptr<Producer>, 4> voices;
  std::array<std::unique_ptr<OpusInput>, 4> bare;
  for (int i = 0; i < 4; ++i) {
    voices[i] = std::make_unique<Producer>("v" + std::to_string(i), MediaKind::kAudio, opus_codec());
    bare[i] = std::make_unique<OpusInput>();
  }
  std::map<std::string, ProgramCheck> checks;
  LanguagePrograms programs;
  programs.set_packet_observer([&](const std::string& language, const rtp::RtpPacket& packet,
                                   TimePoint) {
    auto& check_state = checks[language];
    if (!check_state.decoder) check_state.decoder = opus_decoder_create(kMixSampleRate, 1, nullptr);
    PcmFrame pcm;
    int samples = opus_decode(check_state.decoder, packet.payload().data(),
                              static_cast<opus_int32>(packet.payload().size()), pcm.data(),
                              kMixFrameSamples, 0);
    check(samples == kMixFrameSamples);
    if (check_state.have_sequence)
      check(static_cast<std::uint16_t>(packet.sequence_number() - check_state.sequence) == 1);
    check_state.have_sequence = true;
    check_state.sequence = packet.sequence_number();
  });
  TimePoint now{std::chrono::seconds(1)};
  programs.configure(voices[0].get(), {voices[0].get(), voices[1].get(), voices[2].get()},
                     {{"ru", voices[3].get()}, {"en", nullptr}}, now);
  std::array<std::uint8_t, 1700> buffer{};
  int operations = 0;
  while (!in.empty() && ++operations < 4000) {
    std::uint8_t op = in.u8();
    int kind = op & 7, voice = (op >> 3) & 3;
    switch (kind) {
      case 0:
      case 1:
      case 2: {
        rtp::RtpHeaderFields fields;
        fields.payload_type = 111;
        fields.sequence_number = in.u16();
        fields.timestamp = in.u32();
        fields.ssrc = 1000 + static_cast<std::uint32_t>(voice);
        std::size_t length = in.u16() % 1600;
        Bytes payload = in.take(length);
        std::size_t header = rtp::write_rtp_header(buffer.data(), buffer.size(), fields, {});
        check(header > 0 && header + payload.size() <= buffer.size());
        std::copy(payload.begin(), payload.end(), buffer.begin() + static_cast<std::ptrdiff_t>(header));
        auto packet = rtp::RtpPacket::parse(MutableBytes(buffer.data(), header + payload.size()));
        if (!packet) break;
        if (programs.active()) programs.on_audio_packet(*voices[voice], *packet);
        bare[voice]->push(fields.sequence_number, packet->payload());
        break;
      }
      case 3:
      case 7: {
        if (programs.active()) programs.mix(now);
        now += Duration{20'000};
        PcmFrame frame;
        for (auto& input : bare) input->pull(frame);
        break;
      }
      case 4: {
        int which = voice & 1;
        const char* language = which ? "ru" : "en";
        if (voice & 2) {
          programs.release(language);
        } else {
          programs.hold(language);
        }
        break;
      }
      case 5: {
        std::uint8_t flags = in.u8();
        std::vector<const Producer*> floor;
        for (int i = 0; i < 3; ++i)
          if (flags & (1 << i)) floor.push_back(voices[i].get());
        const Producer* holder = (flags & 0x18) == 0x18 ? nullptr : voices[(flags >> 3) & 3].get();
        std::map<std::string, const Producer*> booths;
        booths["ru"] = flags & 0x20 ? voices[3].get() : nullptr;
        if (flags & 0x40) booths["en"] = nullptr;
        // A voice can be the floor and the interpreter at once (one person doing both).
        if (flags & 0x80) booths["ru"] = voices[0].get();
        programs.configure(holder, floor, booths, now);
        // A booth that goes away and comes back is a new stream.
        for (auto it = checks.begin(); it != checks.end();) {
          if (booths.count(it->first)) {
            ++it;
            continue;
          }
          if (it->second.decoder) opus_decoder_destroy(it->second.decoder);
          it = checks.erase(it);
        }
        break;
      }
      case 6:
        now += Duration{20'000} * in.u8();
        break;
    }
  }
  for (auto& [language, state] : checks)
    if (state.decoder) opus_decoder_destroy(state.decoder);
  return 0;
}
