// The per-language programs of a conference (LanguagePrograms), fed real Opus: the floor
// bed mixes every voice allowed on the floor (the loudest few, the floor holder always),
// the live interpreter over it, and a program is mixed only while something needs it.
// Each voice is a tone of its own frequency; the program's packets are decoded with
// libopus and the tones measured.
#include "sfu/language_channel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "sfu/media_server.h"
#include "sfu/producer.h"
#include "tests/sfu/audio_tones.h"

namespace podium::sfu {
namespace {

using tones::decibels;
using tones::kAmplitude;
using tones::ProgramListener;
using tones::tone_amplitude;
using tones::ToneSource;

constexpr Duration kTick{20'000};

RtpCodecParameters opus_codec() {
  RtpCodecParameters codec;
  codec.payload_type = 111;
  codec.name = "opus";
  codec.codec = rtp::Codec::kOpus;
  codec.clock_rate = kMixSampleRate;
  codec.channels = 2;
  return codec;
}

// One publisher's microphone: a producer and a tone sent as one RTP packet per tick.
struct Voice {
  Voice(std::string id, double frequency, double amplitude = kAmplitude)
      : producer(std::make_unique<Producer>(std::move(id), MediaKind::kAudio, opus_codec())),
        tone(frequency, false, amplitude) {}

  void send(LanguagePrograms& programs) {
    auto payload = tone.next();
    rtp::RtpHeaderFields fields;
    fields.payload_type = 111;
    fields.sequence_number = sequence++;
    fields.timestamp = timestamp;
    timestamp += kMixFrameSamples;
    fields.ssrc = 4321;
    std::size_t header = rtp::write_rtp_header(buffer.data(), buffer.size(), fields, {});
    ASSERT_GT(header, 0u);
    std::copy(payload.begin(), payload.end(), buffer.begin() + static_cast<std::ptrdiff_t>(header));
    auto packet = rtp::RtpPacket::parse(MutableBytes(buffer.data(), header + payload.size()));
    ASSERT_TRUE(packet);
    programs.on_audio_packet(*producer, *packet);
  }

  std::unique_ptr<Producer> producer;
  ToneSource tone;
  std::uint16_t sequence = 100;
  std::uint32_t timestamp = 5000;
  std::array<std::uint8_t, 1500> buffer{};
};

struct Received {
  std::uint16_t sequence;
  std::uint32_t timestamp;
  TimePoint at;
};

// What the programs send, per language: the packets' numbering and the decoded audio.
struct Programs {
  Programs() {
    programs.set_packet_observer(
        [this](const std::string& language, const rtp::RtpPacket& packet, TimePoint at) {
          packets[language].push_back(Received{packet.sequence_number(), packet.timestamp(), at});
          listeners[language].receive(packet.payload());
        });
  }
  // One 20 ms tick: every sending voice's packet, then the mixer's frame.
  void tick(const std::vector<Voice*>& sending) {
    for (Voice* voice : sending) voice->send(programs);
    programs.mix(now);
    now += kTick;
  }
  double level(const std::string& language, double frequency) {
    return decibels(tone_amplitude(listeners[language].pcm(), frequency) / kAmplitude);
  }

  LanguagePrograms programs;
  TimePoint now{std::chrono::seconds(10)};
  std::map<std::string, std::vector<Received>> packets;
  std::map<std::string, ProgramListener> listeners;
};

TEST(LanguagePrograms, ThePanelIsTheFloorUnderTheInterpreter) {
  // The floor holder (440 Hz) and two panelists allowed to speak (550, 660 Hz); the
  // Russian booth's live interpreter (880 Hz); the English booth has nobody live.
  Voice holder("holder", 440), panelist_a("panelist-a", 550), panelist_b("panelist-b", 660);
  Voice interpreter("interpreter", 880);
  Programs p;
  p.programs.configure(holder.producer.get(),
                       {holder.producer.get(), panelist_a.producer.get(), panelist_b.producer.get()},
                       {{"ru", interpreter.producer.get()}, {"en", nullptr}}, p.now);
  p.programs.hold("ru");
  p.programs.hold("en");
  for (int i = 0; i < 100; ++i) p.tick({&holder, &panelist_a, &panelist_b, &interpreter});

  ASSERT_EQ(p.packets["ru"].size(), 100u);
  ASSERT_EQ(p.packets["en"].size(), 100u);
  EXPECT_EQ(p.programs.program_count(), 2u);
  // Russian: the interpreter at full level, every panelist 14 dB under it.
  EXPECT_NEAR(p.level("ru", 880), 0, 2);
  for (double f : {440.0, 550.0, 660.0})
    EXPECT_NEAR(p.level("ru", f), -14, 2) << f << " Hz in the Russian program";
  // English: nobody interprets, so the whole panel at full level and no interpreter.
  for (double f : {440.0, 550.0, 660.0})
    EXPECT_NEAR(p.level("en", f), 0, 2) << f << " Hz in the English program";
  EXPECT_LT(p.level("en", 880), -30);
}

TEST(LanguagePrograms, TheFloorBedTakesTheThreeLoudestAndTheFloorHolder) {
  // Four open microphones: the floor holder is the quietest (-12 dB re the others'
  // scale) yet keeps its place; of the other three, the quietest (770 Hz) is left out.
  Voice holder("holder", 440, kAmplitude / 4), loud("loud", 550, kAmplitude);
  Voice middle("middle", 660, kAmplitude * 3 / 4), quiet("quiet", 770, kAmplitude / 2);
  Programs p;
  p.programs.configure(holder.producer.get(),
                       {quiet.producer.get(), loud.producer.get(), middle.producer.get(),
                        holder.producer.get()},
                       {{"en", nullptr}}, p.now);
  p.programs.hold("en");
  for (int i = 0; i < 60; ++i) p.tick({&holder, &loud, &middle, &quiet});
  EXPECT_NEAR(p.level("en", 440), -12, 2);
  EXPECT_NEAR(p.level("en", 550), 0, 2);
  EXPECT_NEAR(p.level("en", 660), -2.5, 2);
  EXPECT_LT(p.level("en", 770), -40) << "a fourth voice is not mixed";

  // The loudest stops talking: once its level has faded (about 0.4 s), the quiet one
  // takes the free place.
  p.listeners.erase("en");  // a fresh listener for the second part
  for (int i = 0; i < 80; ++i) p.tick({&holder, &middle, &quiet});
  auto& pcm = p.listeners["en"].pcm();
  ASSERT_GT(pcm.size(), 50u * kMixFrameSamples);
  std::vector<std::int16_t> last_second(pcm.end() - 40 * kMixFrameSamples, pcm.end());
  EXPECT_NEAR(decibels(tone_amplitude(last_second, 770) / kAmplitude), -6, 2);
  EXPECT_NEAR(decibels(tone_amplitude(last_second, 440) / kAmplitude), -12, 2);
  EXPECT_LT(decibels(tone_amplitude(last_second, 550) / kAmplitude), -40);
}

TEST(LanguagePrograms, NothingIsMixedWhileNobodyListens) {
  // A language code no other test uses: the frame counters are per process.
  const std::string kLanguage = "x-idle";
  Voice floor("floor", 440), interpreter("interpreter", 880);
  Programs p;
  p.programs.configure(floor.producer.get(), {{kLanguage, interpreter.producer.get()}}, p.now);
  auto frames = [&] {
    auto counters = program_frames_by_language();
    auto it = counters.find(kLanguage);
    return it == counters.end() ? std::uint64_t{0} : it->second;
  };
  ASSERT_NE(p.programs.program(kLanguage), nullptr);
  EXPECT_FALSE(p.programs.active());
  for (int i = 0; i < 20; ++i) p.tick({&floor, &interpreter});
  EXPECT_EQ(p.packets[kLanguage].size(), 0u);
  EXPECT_EQ(frames(), 0u);
  EXPECT_EQ(p.programs.program_count(), 0u);

  // A listener appears: one frame per tick.
  p.programs.hold(kLanguage);
  EXPECT_TRUE(p.programs.active());
  for (int i = 0; i < 30; ++i) p.tick({&floor, &interpreter});
  EXPECT_EQ(p.packets[kLanguage].size(), 30u);
  EXPECT_EQ(frames(), 30u);

  // It leaves: the next tick stops the mixer, then there is nothing to do.
  p.programs.release(kLanguage);
  p.tick({&floor, &interpreter});
  EXPECT_FALSE(p.programs.active());
  for (int i = 0; i < 24; ++i) p.tick({&floor, &interpreter});
  EXPECT_EQ(p.packets[kLanguage].size(), 30u);
  EXPECT_EQ(frames(), 30u);

  // Another one comes: the stream goes on with the next sequence number, and the
  // timestamp by the time that passed, not a jump.
  p.programs.hold(kLanguage);
  for (int i = 0; i < 40; ++i) p.tick({&floor, &interpreter});
  const auto& packets = p.packets[kLanguage];
  ASSERT_EQ(packets.size(), 70u);
  EXPECT_EQ(frames(), 70u);
  for (std::size_t i = 1; i < packets.size(); ++i) {
    EXPECT_EQ(static_cast<std::uint16_t>(packets[i].sequence - packets[i - 1].sequence), 1);
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(packets[i].at - packets[i - 1].at);
    EXPECT_EQ(packets[i].timestamp - packets[i - 1].timestamp,
              static_cast<std::uint32_t>(elapsed.count() * kMixSampleRate / 1'000'000))
        << "packet " << i;
  }
  EXPECT_EQ(packets[30].timestamp - packets[29].timestamp, 26u * kMixFrameSamples);
  // And it is the program again: the interpreter over the ducked floor.
  EXPECT_NEAR(p.level(kLanguage, 880), 0, 2);
  EXPECT_NEAR(p.level(kLanguage, 440), -14, 2.5);
}

TEST(LanguagePrograms, ALanguageLeftOutOfThePlanIsRemoved) {
  Voice floor("floor", 440);
  LanguagePrograms programs;
  programs.configure(floor.producer.get(), {{"ru", nullptr}, {"en", nullptr}}, TimePoint{});
  EXPECT_NE(programs.program("ru"), nullptr);
  programs.hold("en");
  programs.configure(floor.producer.get(), {{"ru", nullptr}}, TimePoint{});
  EXPECT_EQ(programs.program("en"), nullptr);
  EXPECT_NE(programs.program("ru"), nullptr);
  // The hold is kept for when the booth comes back.
  programs.configure(floor.producer.get(), {{"en", nullptr}}, TimePoint{});
  EXPECT_TRUE(programs.active());
  programs.release("en");
  programs.release("en");  // one release too many changes nothing
  programs.mix(TimePoint{});
  EXPECT_FALSE(programs.active());
}

}  // namespace
}  // namespace podium::sfu
