// Loss recovery through a running MediaServer over loopback: subscribers' NACKs are
// answered from Podium's retransmission buffer (as RTX when negotiated, RFC 4588),
// Podium NACKs what the publisher's stream is missing (RFC 4585 §6.2.1), and RTX from
// the publisher is unwrapped into the original stream.
#include <chrono>
#include <future>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"
#include "rtp/nack_generator.h"
#include "rtp/rtp_packet.h"
#include "sfu/media_tap.h"
#include "util/bytes.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21350;
constexpr std::uint32_t kPublisherSsrc = 3333;
constexpr std::uint32_t kPublisherRtxSsrc = 4444;

struct LossRecovery : MediaFixture {
  LossRecovery() : MediaFixture(kPort) {}

  sfu::SessionId open(const std::string& participant, bool publish) {
    return MediaFixture::open("room", participant, publish);
  }

  // Alice publishes video; bob subscribes to it. Both connected.
  void connect_pair(OfferSection publisher, bool subscriber_rtx, bool subscriber_playout_delay = false) {
    auto alice_session = open("alice", true);
    auto answer = negotiate(alice_session, alice.make_offer({publisher}));
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_EQ(answer.published.size(), 1u);
    ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(alice.connect());

    OfferSection subscription{"video", "recvonly", 0, "0"};
    subscription.rtx = subscriber_rtx;
    auto bob_session = open("bob", false);
    auto offer = bob.make_offer({subscription});
    if (subscriber_playout_delay) offer = TestPeer::with_playout_delay(offer);
    bob_answer = negotiate(bob_session, offer, {{"0", answer.published[0].id}});
    ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
    ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
    ASSERT_TRUE(bob.connect());
    std::smatch m;
    std::regex ssrc("a=ssrc:(\\d+) ");
    ASSERT_TRUE(std::regex_search(bob_answer.sdp_answer, m, ssrc));
    consumer_ssrc = static_cast<std::uint32_t>(std::stoul(m[1]));
    std::regex fid("a=ssrc-group:FID (\\d+) (\\d+)");
    if (std::regex_search(bob_answer.sdp_answer, m, fid)) {
      EXPECT_EQ(std::stoul(m[1]), consumer_ssrc);
      consumer_rtx_ssrc = static_cast<std::uint32_t>(std::stoul(m[2]));
    }
  }

  // VP8 payload descriptor S=1 PID=0, then the VP8 header (P bit 0: keyframe), then a
  // byte naming the packet so copies can be told apart.
  static std::vector<std::uint8_t> vp8(bool key, std::uint8_t tag) {
    if (key) return {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, tag};
    return {0x10, 0x01, 0x00, 0x00, 0xaa, tag};
  }
  void publish(std::uint16_t sequence) {
    auto payload = vp8(sequence == kFirst, static_cast<std::uint8_t>(sequence));
    alice.send_rtp(kPublisherSsrc, 96, sequence, 3000u * sequence, payload, true);
  }

  std::string metrics() { return media_.metrics_text(); }
  static std::uint64_t metric(const std::string& text, const std::string& name) {
    auto pos = text.find("\n" + name + " ");
    if (pos == std::string::npos) return ~0ULL;
    return std::stoull(text.substr(pos + name.size() + 2));
  }

  static constexpr std::uint16_t kFirst = 100;
  TestPeer alice, bob;
  sfu::NegotiateResult bob_answer;
  std::uint32_t consumer_ssrc = 0;
  std::uint32_t consumer_rtx_ssrc = 0;
};

TEST_F(LossRecovery, SubscriberNackIsAnsweredWithRtxCarryingTheOriginalSequenceNumber) {
  connect_pair({"video", "sendonly", kPublisherSsrc, "0"}, /*subscriber_rtx=*/true);
  ASSERT_NE(consumer_rtx_ssrc, 0u) << "the answer announces an FID group";
  EXPECT_NE(bob_answer.sdp_answer.find("a=fmtp:97 apt=96"), std::string::npos);
  // A new consumer starts its sequence at the source's; bob loses two packets on the way.
  bob.lose = {kFirst + 3, kFirst + 5};
  for (std::uint16_t s = kFirst; s < kFirst + 10; ++s) publish(s);
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 8u);
  ASSERT_TRUE(bob.lose.empty());
  const ReceivedRtp& before = bob.received[2];  // kFirst + 2
  ASSERT_EQ(before.payload.back(), static_cast<std::uint8_t>(kFirst + 2));
  ReceivedRtp lost1{consumer_ssrc, static_cast<std::uint16_t>(before.sequence + 1), before.timestamp + 3000, 96,
                    vp8(false, kFirst + 3)};
  ReceivedRtp lost2{consumer_ssrc, static_cast<std::uint16_t>(before.sequence + 3), before.timestamp + 9000, 96,
                    vp8(false, kFirst + 5)};
  bob.received.clear();
  bob.send_nack(consumer_ssrc, {lost1.sequence, lost2.sequence});
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 2u);
  const ReceivedRtp* previous = nullptr;
  for (auto* original : {&lost1, &lost2}) {
    auto& rtx = bob.received[original == &lost1 ? 0 : 1];
    EXPECT_EQ(rtx.ssrc, consumer_rtx_ssrc);
    EXPECT_EQ(rtx.payload_type, 97);
    EXPECT_EQ(rtx.timestamp, original->timestamp);
    ASSERT_EQ(rtx.payload.size(), original->payload.size() + 2);
    EXPECT_EQ(load_u16(rtx.payload.data()), original->sequence) << "RFC 4588 §4: OSN first";
    EXPECT_EQ(std::vector<std::uint8_t>(rtx.payload.begin() + 2, rtx.payload.end()), original->payload);
    if (previous) EXPECT_EQ(static_cast<std::uint16_t>(rtx.sequence - previous->sequence), 1)
        << "the RTX stream has its own sequence numbers";
    previous = &rtx;
  }

  // A packet never sent on this consumer, and a NACK for an unknown SSRC, resend nothing.
  bob.received.clear();
  bob.send_nack(consumer_ssrc, {static_cast<std::uint16_t>(lost2.sequence + 100)});
  bob.send_nack(consumer_ssrc + 1, {lost1.sequence});
  bob.pump(150);
  EXPECT_TRUE(bob.received.empty());

  auto text = metrics();
  EXPECT_EQ(metric(text, "podium_nacks_received_total"), 3u);
  EXPECT_EQ(metric(text, "podium_retransmissions_sent_total"), 2u);
}

TEST_F(LossRecovery, WithoutRtxTheLostPacketIsResentAsItWas) {
  connect_pair({"video", "sendonly", kPublisherSsrc, "0"}, /*subscriber_rtx=*/false);
  EXPECT_EQ(consumer_rtx_ssrc, 0u);
  EXPECT_EQ(bob_answer.sdp_answer.find("rtx"), std::string::npos);
  bob.lose = {kFirst + 2};
  for (std::uint16_t s = kFirst; s < kFirst + 6; ++s) publish(s);
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 5u);
  const ReceivedRtp& before = bob.received[1];
  ReceivedRtp lost{consumer_ssrc, static_cast<std::uint16_t>(before.sequence + 1), before.timestamp + 3000, 96,
                   vp8(false, kFirst + 2)};
  bob.received.clear();
  bob.send_nack(consumer_ssrc, {lost.sequence});
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 1u);
  EXPECT_EQ(bob.received[0].ssrc, consumer_ssrc);
  EXPECT_EQ(bob.received[0].sequence, lost.sequence);
  EXPECT_EQ(bob.received[0].timestamp, lost.timestamp);
  EXPECT_EQ(bob.received[0].payload_type, 96);
  EXPECT_EQ(bob.received[0].payload, lost.payload);
}

// A tap that holds the worker thread for `stall` when the packet tagged `tag` passes: the
// worker falls behind as it would under more load than it can carry. `started` and
// `ended` tell the test when.
class StallingTap : public sfu::MediaTap {
 public:
  StallingTap(std::uint8_t tag, std::chrono::milliseconds stall) : tag_(tag), stall_(stall) {}
  void on_producer_added(const sfu::Producer&, TimePoint) override {}
  void on_producer_removed(const sfu::Producer&, TimePoint) override {}
  bool on_rtp(const sfu::Producer&, int, const rtp::RtpPacket& packet, TimePoint) override {
    auto payload = packet.payload();
    if (payload.empty() || payload.back() != tag_ || stalled_) return false;
    stalled_ = true;
    started.set_value();
    std::this_thread::sleep_for(stall_);
    ended.set_value();
    return false;
  }
  void on_stage(const std::string&, TimePoint) override {}

  std::promise<void> started, ended;

 private:
  std::uint8_t tag_;
  std::chrono::milliseconds stall_;
  bool stalled_ = false;
};

// Behind its load (a datagram waited more than Worker::kBehind in the socket), the worker
// forwards before it repairs: a NACK that waited is counted as shed, not answered. Past
// capacity, repairs had crowded out the stream (docs/benchmarks.md, "The full sweep").
// Once caught up, the same NACK is answered.
TEST_F(LossRecovery, ABehindWorkerShedsRetransmissionsAndAnswersOnceCaughtUp) {
  connect_pair({"video", "sendonly", kPublisherSsrc, "0"}, /*subscriber_rtx=*/false);
  const std::uint8_t stall_tag = static_cast<std::uint8_t>(kFirst + 6);
  auto tap = std::make_shared<StallingTap>(stall_tag, std::chrono::milliseconds(300));
  auto started = tap->started.get_future();
  auto ended = tap->ended.get_future();
  media_.set_tap("room", tap);
  bob.lose = {kFirst + 2};
  for (std::uint16_t s = kFirst; s < kFirst + 6; ++s) publish(s);
  bob.pump(200);
  ASSERT_EQ(bob.received.size(), 5u);
  const std::uint16_t lost = static_cast<std::uint16_t>(bob.received[1].sequence + 1);

  publish(kFirst + 6);  // the worker stops for 300 ms on this one
  ASSERT_EQ(started.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  bob.received.clear();
  bob.send_nack(consumer_ssrc, {lost});  // waits in the socket for the whole stall
  ASSERT_EQ(ended.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  bob.pump(300);
  for (auto& p : bob.received) EXPECT_NE(p.sequence, lost) << "resent while the worker was behind";
  auto text = metrics();
  EXPECT_EQ(metric(text, "podium_retransmissions_shed_total"), 1u);
  EXPECT_EQ(metric(text, "podium_retransmissions_sent_total"), 0u);

  // Caught up: the NACK is answered. (A loaded machine may hold the worker back now and
  // then too; a few tries keep such a moment from deciding.)
  bool answered = false;
  for (int attempt = 0; attempt < 5 && !answered; ++attempt) {
    bob.received.clear();
    bob.send_nack(consumer_ssrc, {lost});
    bob.pump(200);
    for (auto& p : bob.received) answered = answered || p.sequence == lost;
  }
  EXPECT_TRUE(answered);
  EXPECT_GE(metric(metrics(), "podium_retransmissions_sent_total"), 1u);
}

TEST_F(LossRecovery, PodiumNacksThePacketThePublisherSkipped) {
  connect_pair({"video", "sendonly", kPublisherSsrc, "0"}, false);
  for (std::uint16_t s = kFirst; s < kFirst + 10; ++s)
    if (s != kFirst + 4) publish(s);
  alice.pump(200);
  ASSERT_FALSE(alice.nacked.empty());
  EXPECT_EQ(alice.nacked[0].first, kPublisherSsrc);
  EXPECT_EQ(alice.nacked[0].second, kFirst + 4);
  for (auto& [ssrc, sequence] : alice.nacked) EXPECT_EQ(sequence, kFirst + 4);

  // Once the publisher resends it (plainly, same SSRC), the NACKs stop.
  publish(kFirst + 4);
  alice.pump(50);
  alice.nacked.clear();
  for (std::uint16_t s = kFirst + 10; s < kFirst + 20; ++s) {
    publish(s);
    alice.pump(40);
  }
  EXPECT_TRUE(alice.nacked.empty());
  EXPECT_GE(metric(metrics(), "podium_nacks_sent_total"), 1u);

  bob.pump(100);
  std::vector<std::uint8_t> tags;
  for (auto& p : bob.received) tags.push_back(p.payload.back());
  EXPECT_NE(std::find(tags.begin(), tags.end(), static_cast<std::uint8_t>(kFirst + 4)), tags.end())
      << "the late packet reached the subscriber";
}

// The NACKs are timer-driven: a publisher that sends nothing after the gap (the last
// packet of a picture was lost) is still asked again, and once the packet is given up
// (kMaxRetries, RFC 4585 leaves when to the receiver) Podium asks for a keyframe
// instead of leaving the subscribers' decoders waiting for a packet that will not come.
TEST_F(LossRecovery, PodiumNacksAgainWithoutNewPacketsAndAsksForAKeyframeWhenItGivesUp) {
  connect_pair({"video", "sendonly", kPublisherSsrc, "0"}, false);
  for (std::uint16_t s = kFirst; s < kFirst + 4; ++s) publish(s);
  alice.pump(100);
  std::size_t plis_before = alice.pli_received;
  alice.nacked.clear();
  publish(kFirst + 5);  // kFirst + 4 is missing; nothing follows
  alice.pump(1500);
  std::size_t nacks = 0;
  for (auto& [ssrc, sequence] : alice.nacked) {
    EXPECT_EQ(sequence, kFirst + 4);
    ++nacks;
  }
  // Packet-driven NACKs would have asked once (one packet arrived after the gap).
  EXPECT_EQ(nacks, static_cast<std::size_t>(rtp::NackGenerator::kMaxRetries));
  EXPECT_GT(alice.pli_received, plis_before) << "a keyframe request once the packet was given up";
  EXPECT_EQ(metric(metrics(), "podium_nack_given_up_total"), 1u);
}

// A publisher whose path needs repairs (each gap is resent after ~80 ms, a round trip
// of a long path): once repairs recur, the subscriber's video carries the
// playout-delay extension asking it to buffer at least that long (sfu/playout_delay.h),
// for a while after the change, not on every packet forever; before, it carried none.
TEST_F(LossRecovery, RepairsUpstreamAskTheSubscriberToBufferLonger) {
  connect_pair({"video", "sendonly", kPublisherSsrc, "0"}, false, /*subscriber_playout_delay=*/true);
  ASSERT_NE(bob_answer.sdp_answer.find("rtp-hdrext/playout-delay"), std::string::npos);
  std::uint16_t s = kFirst;
  for (; s < kFirst + 10; ++s) publish(s);
  bob.pump(100);
  ASSERT_EQ(bob.received.size(), 10u);
  for (auto& p : bob.received) EXPECT_FALSE(p.playout_delay) << "a clean path asks nothing";

  constexpr int kRepairMs = 80;
  send_with_repaired_gaps(alice, bob, s, 3, kRepairMs, [&](std::uint16_t sequence) { publish(sequence); });
  bob.received.clear();
  for (int i = 0; i < 5; ++i, ++s) publish(s);
  bob.pump(100);
  ASSERT_EQ(bob.received.size(), 5u);
  for (auto& p : bob.received) {
    ASSERT_TRUE(p.playout_delay) << "packet " << p.sequence;
    EXPECT_GE(p.playout_delay->min_10ms * 10, kRepairMs);
    EXPECT_LE(p.playout_delay->min_10ms * 10, 500);
    EXPECT_EQ(p.playout_delay->max_10ms, 1000) << "the receiver's own 10 s ceiling";
  }
  EXPECT_GE(metric(metrics(), "podium_playout_delay_changes_total"), 1u);

  // Carried for a second after the change, then no more: the receiver keeps the value.
  bob.pump(1100);
  bob.received.clear();
  for (int i = 0; i < 3; ++i, ++s) publish(s);
  bob.pump(100);
  ASSERT_EQ(bob.received.size(), 3u);
  for (auto& p : bob.received) EXPECT_FALSE(p.playout_delay);
}

// Sends RTX for `sequence` on `rtx_ssrc` with its own sequence number `rtx_sequence`.
void send_rtx(TestPeer& peer, std::uint32_t rtx_ssrc, std::uint16_t rtx_sequence, std::uint16_t sequence,
              const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> rtx(2 + payload.size());
  store_u16(rtx.data(), sequence);
  std::copy(payload.begin(), payload.end(), rtx.begin() + 2);
  peer.send_rtp(rtx_ssrc, 97, rtx_sequence, 3000u * sequence, rtx, true);
}

void expect_rtx_is_unwrapped(LossRecovery& t, std::uint32_t rtx_ssrc) {
  for (std::uint16_t s = LossRecovery::kFirst; s < LossRecovery::kFirst + 6; ++s)
    if (s != LossRecovery::kFirst + 3) t.publish(s);
  t.bob.pump(150);
  ASSERT_EQ(t.bob.received.size(), 5u);
  std::uint16_t first_out = t.bob.received[0].sequence;
  t.bob.received.clear();

  auto missing = LossRecovery::vp8(false, LossRecovery::kFirst + 3);
  send_rtx(t.alice, rtx_ssrc, 7, LossRecovery::kFirst + 3, missing);
  // A second copy, and one of a packet that was never missing, are not forwarded.
  send_rtx(t.alice, rtx_ssrc, 8, LossRecovery::kFirst + 3, missing);
  send_rtx(t.alice, rtx_ssrc, 9, LossRecovery::kFirst + 1, LossRecovery::vp8(false, LossRecovery::kFirst + 1));
  // A padding-only RTX packet (bandwidth probe) carries nothing to forward.
  const std::uint8_t probe[] = {0};
  t.alice.send_rtp(rtx_ssrc, 97, 10, 0, probe, false);
  t.bob.pump(200);
  ASSERT_EQ(t.bob.received.size(), 1u);
  const ReceivedRtp& repaired = t.bob.received[0];
  EXPECT_EQ(repaired.ssrc, t.consumer_ssrc);
  EXPECT_EQ(repaired.payload_type, 96);
  EXPECT_EQ(repaired.sequence, static_cast<std::uint16_t>(first_out + 3));
  EXPECT_EQ(repaired.payload, missing);
  EXPECT_EQ(LossRecovery::metric(t.metrics(), "podium_rtx_packets_received_total"), 4u);
}

TEST_F(LossRecovery, PublisherRtxAnnouncedByFidIsUnwrappedIntoTheOriginalStream) {
  OfferSection publisher{"video", "sendonly", kPublisherSsrc, "0"};
  publisher.rtx = true;
  publisher.rtx_ssrc = kPublisherRtxSsrc;
  connect_pair(publisher, false);
  expect_rtx_is_unwrapped(*this, kPublisherRtxSsrc);
}

TEST_F(LossRecovery, PublisherRtxSsrcIsLearnedFromItsPayloadType) {
  OfferSection publisher{"video", "sendonly", kPublisherSsrc, "0"};
  publisher.rtx = true;  // rtx negotiated, but no FID group names the SSRC
  connect_pair(publisher, false);
  expect_rtx_is_unwrapped(*this, 5555);
}

}  // namespace
}  // namespace podium::testing
