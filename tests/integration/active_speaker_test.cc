// Two publishers in one conference take turns talking, with RFC 6464 audio levels in
// their packets; the MediaServer reports the dominant speaker as it follows them.
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "sfu/media_server.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint16_t kPort = 21370;
constexpr std::uint8_t kSpeechLevel = 25;   // -25 dBov
constexpr std::uint8_t kSilenceLevel = 127;

struct SpeakerChange {
  std::string conference;
  std::string participant;
  Clock::time_point at;
};

struct ActiveSpeakerFixture : ::testing::Test {
  ActiveSpeakerFixture() : media(config(), events()) { media.start(); }
  ~ActiveSpeakerFixture() override { media.stop(); }

  static sfu::MediaServerConfig config() {
    sfu::MediaServerConfig c;
    c.udp_address = "127.0.0.1";
    c.udp_port = kPort;
    c.workers = 1;
    return c;
  }
  sfu::MediaEvents events() {
    sfu::MediaEvents e;
    e.on_active_speaker = [this](std::string conference, std::string participant) {
      std::lock_guard lock(mutex);
      changes.push_back({std::move(conference), std::move(participant), Clock::now()});
    };
    return e;
  }

  // A connected publisher of one audio track with the audio level extension.
  void publish(TestPeer& peer, const std::string& conference, const std::string& participant,
               std::uint32_t ssrc) {
    sfu::SessionOptions options;
    options.conference = conference;
    options.participant_id = participant;
    options.may_publish = true;
    auto session = media.open_session(options);
    std::promise<sfu::NegotiateResult> promise;
    sfu::NegotiateRequest request;
    request.sdp_offer = TestPeer::with_audio_level(peer.make_offer({{"audio", "sendonly", ssrc, "0"}}));
    media.negotiate(session, request, [&](sfu::NegotiateResult r) { promise.set_value(std::move(r)); });
    auto answer = promise.get_future().get();
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_NE(answer.sdp_answer.find("ssrc-audio-level"), std::string::npos) << answer.sdp_answer;
    ASSERT_TRUE(peer.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(peer.connect());
  }

  std::size_t change_count() {
    std::lock_guard lock(mutex);
    return changes.size();
  }

  static std::uint64_t metric(const std::string& text, const std::string& name) {
    auto pos = text.find("\n" + name + " ");
    if (pos == std::string::npos) return ~0ULL;
    return std::stoull(text.substr(pos + name.size() + 2));
  }

  sfu::MediaServer media;
  std::mutex mutex;
  std::vector<SpeakerChange> changes;
};

struct Talker {
  TestPeer& peer;
  std::uint32_t ssrc;
  std::uint16_t sequence = 0;
  void send(bool talking) {
    // Speech rises and falls from frame to frame (the detector ignores level noise).
    static constexpr int kWobble[5] = {-6, 0, 6, 0, 0};
    auto speech = static_cast<std::uint8_t>(kSpeechLevel + kWobble[sequence % 5]);
    peer.send_audio(ssrc, sequence, 960u * sequence, talking ? speech : kSilenceLevel, talking);
    ++sequence;
  }
};

TEST_F(ActiveSpeakerFixture, TheActiveSpeakerFollowsWhoTalks) {
  TestPeer alice_peer, bob_peer, carol_peer;
  publish(alice_peer, "room", "alice", 1111);
  publish(bob_peer, "room", "bob", 2222);
  publish(carol_peer, "other", "carol", 3333);
  Talker alice{alice_peer, 1111}, bob{bob_peer, 2222}, carol{carol_peer, 3333};

  // One 20 ms Opus frame each per step, until `want` changes were reported or `limit`.
  auto talk = [&](bool a, bool b, std::size_t want, std::chrono::milliseconds limit) {
    auto end = Clock::now() + limit;
    while (change_count() < want && Clock::now() < end) {
      alice.send(a);
      bob.send(b);
      carol.send(false);  // silent in her own conference
      std::this_thread::sleep_for(20ms);
    }
  };

  // Alice talks, Bob is silent: the floor is Alice's after ~600 ms of speech.
  talk(true, false, 1, 5s);
  ASSERT_EQ(change_count(), 1u);
  // Alice stops and Bob starts: Alice's recent speech keeps the floor for a while.
  auto bob_starts = Clock::now();
  talk(false, true, 2, 5s);
  ASSERT_EQ(change_count(), 2u);
  // A short silence more: nothing else is reported.
  talk(false, false, 3, 1s);

  std::lock_guard lock(mutex);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].conference, "room");
  EXPECT_EQ(changes[0].participant, "alice");
  EXPECT_EQ(changes[1].conference, "room");
  EXPECT_EQ(changes[1].participant, "bob");
  // Nominally 1.0 s (see ActiveSpeakerDetector): not at Bob's first words.
  EXPECT_GE(changes[1].at - bob_starts, 700ms);

  auto text = media.metrics_text();
  EXPECT_EQ(metric(text, "podium_active_speaker_changes_total"), 2u);
  EXPECT_EQ(metric(text, "podium_conferences_with_active_speaker"), 1u);
}

}  // namespace
}  // namespace podium::testing
