// Interpretation in the media path, over real ICE/DTLS/SRTP on loopback: a floor
// speaker (440 Hz) and two interpreters of the Russian booth (880 Hz, then 660 Hz after
// a handover) publish real Opus. A listener on the channel "lang:ru" receives the live
// interpreter's packets as one continuous stream across the handover; a WHEP viewer
// with ?lang=ru receives the server's program mix, decoded here with libopus; the plain
// stage never carries an interpreter.
#include <gtest/gtest.h>
#include <opus/opus.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <numbers>
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kPort = 21430;
constexpr int kRate = 48000;
constexpr int kFrame = 960;
constexpr double kAmplitude = 8000;

class Tone {
 public:
  explicit Tone(double frequency) : frequency_(frequency) {
    int error = 0;
    encoder_ = opus_encoder_create(kRate, 1, OPUS_APPLICATION_AUDIO, &error);
    opus_encoder_ctl(encoder_, OPUS_SET_BITRATE(48000));
  }
  ~Tone() { opus_encoder_destroy(encoder_); }
  std::vector<std::uint8_t> next() {
    std::int16_t pcm[kFrame];
    for (int i = 0; i < kFrame; ++i, ++sample_)
      pcm[i] = static_cast<std::int16_t>(
          kAmplitude * std::sin(2 * std::numbers::pi * frequency_ * sample_ / kRate));
    std::vector<std::uint8_t> packet(1275);
    int size =
        opus_encode(encoder_, pcm, kFrame, packet.data(), static_cast<opus_int32>(packet.size()));
    packet.resize(static_cast<std::size_t>(std::max(size, 0)));
    return packet;
  }

 private:
  double frequency_;
  std::int64_t sample_ = 0;
  OpusEncoder* encoder_;
};

double tone_amplitude(const std::int16_t* pcm, std::size_t count, double frequency) {
  double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency / kRate);
  double s1 = 0, s2 = 0;
  for (std::size_t i = 0; i < count; ++i) {
    double s0 = pcm[i] + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return 2 * std::sqrt(std::max(s1 * s1 + s2 * s2 - coefficient * s1 * s2, 0.0)) /
         static_cast<double>(count);
}

double decibels(double ratio) { return 20 * std::log10(std::max(ratio, 1e-9)); }

struct Interpretation : MediaFixture {
  Interpretation() : MediaFixture(kPort) {}

  void publish(TestPeer& peer, const std::string& participant, std::uint32_t ssrc) {
    auto session = open(kConference, participant, true);
    auto answer = negotiate(session, peer.make_offer({{"audio", "sendonly", ssrc, "0"}}));
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_TRUE(peer.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(peer.connect());
  }

  sfu::NegotiateResult subscribe(TestPeer& peer, std::map<std::string, std::string> subscriptions,
                                 bool stage = false, std::string language = {}) {
    auto session = open(kConference, "viewer-" + std::to_string(++viewers_), false);
    last_session_ = session;
    std::promise<sfu::NegotiateResult> promise;
    sfu::NegotiateRequest request;
    request.sdp_offer = peer.make_offer({{"audio", "recvonly", 0, "0"}});
    request.subscriptions = std::move(subscriptions);
    request.stage = stage;
    request.language = std::move(language);
    media_.negotiate(session, request,
                     [&](sfu::NegotiateResult r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  }

  void connect(TestPeer& peer, const sfu::NegotiateResult& answer) {
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_TRUE(peer.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(peer.connect());
  }

  static sfu::InterpretationPlan plan(const std::string& live_ru) {
    sfu::InterpretationPlan p;
    p.floor_language = "he";
    p.live = {{"ru", live_ru}, {"en", ""}};
    p.interpreters = {"int-a", "int-b"};
    return p;
  }

  // 20 ms frames a language's program has mixed (all tests of the process).
  std::uint64_t program_frames(const std::string& language) const {
    auto value = metric("podium_program_mix_frames_total{lang=\"" + language + "\"}");
    return value == ~0ULL ? 0 : value;
  }

  static constexpr const char* kConference = "parliament";
  int viewers_ = 0;
  sfu::SessionId last_session_ = 0;
};

TEST_F(Interpretation, ChannelsFollowTheLiveInterpreterAndProgramsMixTheFloorUnder) {
  TestPeer floor, interpreter_a, interpreter_b;
  media_.set_interpretation(kConference, plan("int-a"));
  publish(floor, "speaker", 1001);
  publish(interpreter_a, "int-a", 2001);
  publish(interpreter_b, "int-b", 3001);

  std::uint64_t ru_frames_before = program_frames("ru"), en_frames_before = program_frames("en");
  TestPeer channel, program, stage;
  connect(channel, subscribe(channel, {{"0", "lang:ru"}}));
  connect(program, subscribe(program, {}, /*stage=*/true, "ru"));
  sfu::SessionId program_session = last_session_;
  connect(stage, subscribe(stage, {}, /*stage=*/true));

  // Every packet each publisher sent, to tell whose a forwarded packet is.
  std::map<std::vector<std::uint8_t>, char> sent_by;
  constexpr int kTicks = 150;
  std::vector<std::vector<std::uint8_t>> a_sent(kTicks);  // A's packet of each tick
  std::vector<std::chrono::steady_clock::time_point> tick_sent(kTicks);  // when each tick's packets left
  std::mutex sent_mutex;
  std::atomic<bool> handed_over{false}, done{false};
  std::atomic<int> tick_at_handover{0};
  // Publishers pace themselves like a browser: one 20 ms packet each per tick.
  std::thread sender([&] {
    Tone floor_tone(440), a_tone(880), b_tone(660);
    auto next = std::chrono::steady_clock::now();
    for (int tick = 0; tick < kTicks && !done; ++tick) {
      auto f = floor_tone.next(), a = a_tone.next(), b = b_tone.next();
      {
        std::lock_guard lock(sent_mutex);
        sent_by[f] = 'F';
        sent_by[a] = 'A';
        sent_by[b] = 'B';
        a_sent[static_cast<std::size_t>(tick)] = a;
        tick_sent[static_cast<std::size_t>(tick)] = std::chrono::steady_clock::now();
      }
      auto sequence = static_cast<std::uint16_t>(30000 + tick);
      auto timestamp = static_cast<std::uint32_t>(tick * kFrame);
      floor.send_rtp(1001, 111, sequence, timestamp, f);
      interpreter_a.send_rtp(2001, 111, static_cast<std::uint16_t>(sequence + 777), timestamp + 5,
                             a);
      interpreter_b.send_rtp(3001, 111, static_cast<std::uint16_t>(sequence + 9000),
                             timestamp + 99999, b);
      if (tick == 75) {
        // The booth hands over: B goes live.
        media_.set_interpretation(kConference, plan("int-b"));
        tick_at_handover = tick;
        handed_over = true;
      }
      next += 20ms;
      std::this_thread::sleep_until(next);
    }
    done = true;
  });
  std::size_t program_before_handover = 0;
  while (!done) {
    channel.pump(5);
    program.pump(5);
    stage.pump(5);
    if (!handed_over) program_before_handover = program.received.size();
  }
  sender.join();
  channel.pump(50);
  program.pump(50);
  stage.pump(50);

  // The channel: A's packets, then B's, as one stream.
  std::string order;
  {
    std::lock_guard lock(sent_mutex);
    for (const auto& packet : channel.received) {
      auto it = sent_by.find(packet.payload);
      order += it == sent_by.end() ? '?' : it->second;
    }
  }
  ASSERT_GT(channel.received.size(), 100u);
  auto first_b = order.find('B');
  ASSERT_NE(first_b, std::string::npos) << order;
  EXPECT_EQ(order.find_first_not_of('A'), first_b) << "only A before the handover: " << order;
  EXPECT_EQ(order.find_first_not_of('B', first_b), std::string::npos)
      << "only B after it: " << order;
  EXPECT_GT(first_b, 50u);
  for (std::size_t i = 1; i < channel.received.size(); ++i) {
    const auto& previous = channel.received[i - 1];
    const auto& packet = channel.received[i];
    EXPECT_EQ(packet.ssrc, previous.ssrc);
    EXPECT_EQ(static_cast<std::uint16_t>(packet.sequence - previous.sequence), 1) << "packet " << i;
    auto step = static_cast<std::int32_t>(packet.timestamp - previous.timestamp);
    if (i == first_b) {
      // The switch continues the timestamp line by the time that passed between A's last
      // packet and B's first (server clock): the gap a listener hears is that minus the
      // 20 ms the last packet plays. B's first packet is the one of the next tick or the
      // one after (the handover reaches the worker between them), and the step is the
      // time between the two as they left here (on a loaded machine this thread's ticks
      // may come late), give or take the server's receive jitter. Nothing is lost on
      // loopback (the sequence numbers say so), so B's packets are its last ticks'.
      std::lock_guard lock(sent_mutex);
      const int first_b_tick = kTicks - static_cast<int>(order.size() - first_b);
      const int last_a = previous.payload == a_sent[static_cast<std::size_t>(first_b_tick)] ? first_b_tick
                                                                                         : first_b_tick - 1;
      const double elapsed_ms = std::chrono::duration<double, std::milli>(
          tick_sent[static_cast<std::size_t>(first_b_tick)] - tick_sent[static_cast<std::size_t>(last_a)]).count();
      std::printf("handover: timestamp step %d (%.1f ms; one packet is 20 ms; sent %.1f ms apart)\n", step,
                  step * 1000.0 / kRate, elapsed_ms);
      EXPECT_GT(step, 0);
      EXPECT_GE(first_b_tick, tick_at_handover + 1);
      EXPECT_LE(first_b_tick, tick_at_handover + 2) << "the handover took more than one packet interval";
      EXPECT_NEAR(step * 1000.0 / kRate, elapsed_ms, 10.0) << "the step is not the time that passed";
    } else {
      EXPECT_EQ(step, kFrame) << "packet " << i;
    }
  }

  // The stage carries the floor, never an interpreter (who published later).
  ASSERT_GT(stage.received.size(), 100u);
  {
    std::lock_guard lock(sent_mutex);
    for (const auto& packet : stage.received) {
      auto it = sent_by.find(packet.payload);
      ASSERT_TRUE(it != sent_by.end() && it->second == 'F');
    }
  }

  // The program: decodable Opus, one packet per 20 ms with continuous numbering.
  ASSERT_GT(program.received.size(), 120u);
  OpusDecoder* decoder = opus_decoder_create(kRate, 1, nullptr);
  std::vector<std::int16_t> pcm;
  for (std::size_t i = 0; i < program.received.size(); ++i) {
    const auto& packet = program.received[i];
    if (i > 0) {
      EXPECT_EQ(static_cast<std::uint16_t>(packet.sequence - program.received[i - 1].sequence), 1);
      EXPECT_EQ(packet.timestamp - program.received[i - 1].timestamp,
                static_cast<std::uint32_t>(kFrame));
    }
    std::int16_t frame[kFrame];
    int samples = opus_decode(decoder, packet.payload.data(),
                              static_cast<opus_int32>(packet.payload.size()), frame, kFrame, 0);
    ASSERT_EQ(samples, kFrame) << "packet " << i;
    pcm.insert(pcm.end(), frame, frame + kFrame);
  }
  opus_decoder_destroy(decoder);
  // Per 200 ms block (a jitter buffer adjustment shifts phases, so never across
  // blocks), the median of each tone's level.
  auto median_level = [&](std::size_t first_frame, std::size_t last_frame, double frequency) {
    std::vector<double> levels;
    for (std::size_t f = first_frame; f + 10 <= last_frame; f += 10)
      levels.push_back(tone_amplitude(&pcm[f * kFrame], 10 * kFrame, frequency) / kAmplitude);
    std::sort(levels.begin(), levels.end());
    return levels.empty() ? 0.0 : decibels(levels[levels.size() / 2]);
  };
  // Before the handover (after the first 500 ms): A at full level, the floor ≈ -14 dB.
  std::size_t before = std::min(program_before_handover, pcm.size() / kFrame);
  ASSERT_GT(before, 55u);
  double a_level = median_level(25, before, 880), floor_level = median_level(25, before, 440);
  std::printf("program before the handover: 880 Hz %.1f dB, 440 Hz %.1f dB (re the input tones)\n",
              a_level, floor_level);
  EXPECT_NEAR(a_level, 0, 2) << "interpreter A in the program";
  EXPECT_NEAR(floor_level - a_level, -14, 2) << "floor under the interpreter";
  EXPECT_LT(median_level(25, before, 660), -30) << "B is not live yet";
  // After it: B instead of A, the floor still under it.
  std::size_t after = before + 15, end = pcm.size() / kFrame;
  ASSERT_GT(end, after + 20);
  EXPECT_NEAR(median_level(after, end, 660), 0, 2) << "interpreter B in the program";
  EXPECT_LT(median_level(after, end, 880), -30) << "A is no longer live";
  EXPECT_NEAR(median_level(after, end, 440), -14, 2.5);

  // The mixer's cost, from the metrics.
  auto text = media_.metrics_text();
  auto value = [&](const std::string& name) {
    auto pos = text.find("\n" + name + " ");
    return pos == std::string::npos ? -1.0 : std::stod(text.substr(pos + name.size() + 2));
  };
  double frames = value("podium_interpretation_program_frames_total");
  double seconds = value("podium_interpretation_mix_seconds_total");
  EXPECT_GE(frames, 140);
  EXPECT_EQ(value("podium_interpretation_programs"), 1);
  std::printf("program mixing: %.0f frames, %.1f us per frame (this build)\n", frames,
              seconds * 1e6 / frames);

  // Mixed only while someone listens: the English booth (nobody live, nobody listening)
  // mixed nothing; once the ?lang=ru viewer leaves, the Russian mixer stops.
  EXPECT_EQ(program_frames("en"), en_frames_before);
  EXPECT_GE(program_frames("ru") - ru_frames_before, 140u);
  media_.close_session(program_session);
  for (int i = 0; i < 100 && metric("podium_interpretation_programs") != 0; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(metric("podium_interpretation_programs"), 0u);
  std::uint64_t stopped_at = program_frames("ru");
  std::this_thread::sleep_for(200ms);  // ten ticks of the mixer's timer
  EXPECT_EQ(program_frames("ru"), stopped_at);
}

// A booth's channel carries its own live interpreter and nobody else: not an attendee
// who publishes, not the interpreter live in another booth (each channel follows only
// its language's entry of the plan the conference hands over).
TEST_F(Interpretation, OnlyTheLiveInterpreterOfABoothFeedsItsChannel) {
  sfu::InterpretationPlan p;
  p.floor_language = "he";
  p.live = {{"ru", "int-a"}, {"en", "int-c"}};
  p.interpreters = {"int-a", "int-c"};
  media_.set_interpretation(kConference, p);
  TestPeer floor, attendee, interpreter_a, interpreter_c;
  publish(floor, "speaker", 1001);
  publish(attendee, "attendee", 4001);
  publish(interpreter_a, "int-a", 2001);
  publish(interpreter_c, "int-c", 5001);
  TestPeer ru, en;
  connect(ru, subscribe(ru, {{"0", "lang:ru"}}));
  connect(en, subscribe(en, {{"0", "lang:en"}}));

  std::map<std::vector<std::uint8_t>, char> sent_by;
  Tone floor_tone(440), attendee_tone(550), a_tone(880), c_tone(660);
  for (int tick = 0; tick < 40; ++tick) {
    auto sequence = static_cast<std::uint16_t>(100 + tick);
    auto timestamp = static_cast<std::uint32_t>(tick * kFrame);
    std::pair<TestPeer*, std::pair<std::uint32_t, char>> senders[] = {
        {&floor, {1001, 'F'}}, {&attendee, {4001, 'X'}}, {&interpreter_a, {2001, 'A'}},
        {&interpreter_c, {5001, 'C'}}};
    Tone* tones[] = {&floor_tone, &attendee_tone, &a_tone, &c_tone};
    for (int s = 0; s < 4; ++s) {
      auto payload = tones[s]->next();
      sent_by[payload] = senders[s].second.second;
      senders[s].first->send_rtp(senders[s].second.first, 111, sequence, timestamp, payload);
    }
    ru.pump(10);
    en.pump(10);
  }
  ru.pump(100);
  en.pump(100);
  auto whose = [&](const TestPeer& peer) {
    std::set<char> from;
    for (const auto& packet : peer.received) {
      auto it = sent_by.find(packet.payload);
      from.insert(it == sent_by.end() ? '?' : it->second);
    }
    return from;
  };
  ASSERT_GE(ru.received.size(), 30u);
  ASSERT_GE(en.received.size(), 30u);
  EXPECT_EQ(whose(ru), std::set<char>{'A'}) << "the Russian channel carries its interpreter only";
  EXPECT_EQ(whose(en), std::set<char>{'C'}) << "the English channel carries its interpreter only";
}

TEST_F(Interpretation, LanguagesAreCheckedAndAChannelWithoutInterpreterIsSilent) {
  media_.set_interpretation(kConference, plan("int-a"));
  TestPeer floor;
  publish(floor, "speaker", 1001);

  TestPeer unknown;
  auto refused = subscribe(unknown, {}, true, "fr");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 404);
  EXPECT_NE(refused.error.find("'fr'"), std::string::npos) << refused.error;
  TestPeer malformed;
  auto bad = subscribe(malformed, {{"0", "lang:r u!"}});
  EXPECT_EQ(bad.status, 400) << bad.error;
  // "floor" and the floor's own language are the floor audio.
  TestPeer on_floor, on_hebrew;
  auto floor_answer = subscribe(on_floor, {}, true, "floor");
  auto hebrew_answer = subscribe(on_hebrew, {}, true, "he");
  EXPECT_TRUE(floor_answer.ok) << floor_answer.error;
  EXPECT_TRUE(hebrew_answer.ok) << hebrew_answer.error;

  // The English booth has nobody live: its channel is negotiated and sends nothing.
  TestPeer english;
  auto answer = subscribe(english, {{"0", "lang:en"}});
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_NE(answer.sdp_answer.find("a=sendonly"), std::string::npos);
  connect(english, answer);
  connect(on_hebrew, hebrew_answer);
  Tone tone(440);
  for (int tick = 0; tick < 25; ++tick) {
    floor.send_rtp(1001, 111, static_cast<std::uint16_t>(tick),
                   static_cast<std::uint32_t>(tick * kFrame), tone.next());
    english.pump(10);
    on_hebrew.pump(10);
  }
  on_hebrew.pump(100);
  EXPECT_EQ(english.received.size(), 0u);
  EXPECT_GE(on_hebrew.received.size(), 20u);  // the floor, forwarded as is
  // No program runs: nobody is live in a booth whose language the floor does not speak
  // with a microphone that sends.
  EXPECT_EQ(metric("podium_interpretation_programs"), 0u);
}

}  // namespace
}  // namespace podium::testing
