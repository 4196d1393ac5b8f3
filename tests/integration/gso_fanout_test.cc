// Deferred fan-out and UDP GSO (sfu/fanout_batch.h, net/udp_socket.h): a publisher's
// video bursts reach every subscriber byte for byte and in order, whether the server
// sends each subscriber's copies of a burst as one GSO message or one by one.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21470;
constexpr std::uint32_t kSsrc = 4444;
constexpr int kSubscribers = 3;
constexpr int kFrames = 30;
// A frame split about equally, the way browsers' VP8 packetizers do: the first packets
// one byte longer than the rest.
constexpr std::size_t kPayloadSizes[] = {1001, 1001, 1000, 1000, 1000};

// Packet `index` of frame `frame`: a VP8 payload descriptor (S on the first packet),
// on frame 0 a keyframe header, then bytes that say where they belong.
std::vector<std::uint8_t> payload(int frame, int index) {
  std::vector<std::uint8_t> p(kPayloadSizes[index]);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(frame * 7 + index * 13 + i);
  p[0] = index == 0 ? 0x10 : 0x00;
  if (index == 0) {
    // VP8 frame tag (P = 0 on a keyframe), start code, 640x480.
    const std::uint8_t key[] = {0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
    const std::uint8_t delta[] = {0x01, 0x00, 0x00};
    if (frame == 0) std::copy(std::begin(key), std::end(key), p.begin() + 1);
    else std::copy(std::begin(delta), std::end(delta), p.begin() + 1);
  }
  return p;
}

class GsoFanout : public MediaFixture, public ::testing::WithParamInterface<bool> {
 protected:
  GsoFanout() : MediaFixture(gso_config(GetParam())) {}

  static sfu::MediaServerConfig gso_config(bool gso) {
    sfu::MediaServerConfig c = config(static_cast<std::uint16_t>(kPort + (gso ? 0 : 5)), 1);
    c.udp_gso = gso;
    return c;
  }
};

TEST_P(GsoFanout, VideoBurstsReachEverySubscriberIntactAndInOrder) {
  const bool gso = GetParam();
  TestPeer alice;
  auto session = open("room", "alice", true);
  auto published = negotiate(session, alice.make_offer({{"video", "sendonly", kSsrc, "0"}}));
  ASSERT_TRUE(published.ok) << published.error;
  ASSERT_TRUE(alice.apply_answer(published.sdp_answer));
  ASSERT_TRUE(alice.connect());
  TestPeer subscribers[kSubscribers];
  for (int s = 0; s < kSubscribers; ++s) {
    auto id = open("room", "viewer" + std::to_string(s), false);
    auto answer = negotiate(id, subscribers[s].make_offer({{"video", "recvonly", 0, "0"}}),
                            {{"0", published.published[0].id}});
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_TRUE(subscribers[s].apply_answer(answer.sdp_answer));
    ASSERT_TRUE(subscribers[s].connect());
  }

  // Each frame leaves the publisher in one sendmmsg, as a browser's burst does, so the
  // server reads it in one batch.
  alice.hold_sends = true;
  std::uint16_t sequence = 100;
  for (int frame = 0; frame < kFrames; ++frame) {
    for (int i = 0; i < 5; ++i) {
      auto p = payload(frame, i);
      alice.send_rtp(kSsrc, 96, sequence++, 90000u + 3000u * static_cast<std::uint32_t>(frame), p, i == 4);
    }
    alice.flush_sends();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  for (auto& subscriber : subscribers) subscriber.pump(300);

  for (int s = 0; s < kSubscribers; ++s) {
    const auto& received = subscribers[s].received;
    ASSERT_EQ(received.size(), static_cast<std::size_t>(kFrames * 5)) << "subscriber " << s;
    for (int frame = 0; frame < kFrames; ++frame) {
      for (int i = 0; i < 5; ++i) {
        const ReceivedRtp& packet = received[static_cast<std::size_t>(frame * 5 + i)];
        // The VP8 payload is what the publisher sent (no picture id to rewrite here).
        EXPECT_EQ(packet.payload, payload(frame, i)) << "subscriber " << s << " frame " << frame << " packet " << i;
        EXPECT_EQ(packet.sequence, static_cast<std::uint16_t>(received[0].sequence + frame * 5 + i));
        // Padding only ever makes up the one byte to the burst's largest payload.
        EXPECT_LE(packet.payload.size() + packet.padding, 1001u);
        if (!gso) EXPECT_EQ(packet.padding, 0u);
      }
    }
  }
  const std::uint64_t gso_datagrams = metric("podium_udp_gso_datagrams_total");
  ASSERT_NE(gso_datagrams, ~0ULL) << "no podium_udp_gso_datagrams_total in /metrics";
  if (gso) {
    // Bursts that arrived in one batch went to each subscriber as one GSO message of
    // five equal datagrams (the last two padded by a byte).
    EXPECT_GE(gso_datagrams, 5u * kSubscribers);
    EXPECT_GT(metric("podium_udp_gso_sends_total"), 0u);
    std::size_t padded = 0;
    for (auto& subscriber : subscribers)
      for (auto& packet : subscriber.received) padded += packet.padding;
    EXPECT_GT(padded, 0u);
  } else {
    EXPECT_EQ(gso_datagrams, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Sends, GsoFanout, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Gso" : "OneByOne"; });

}  // namespace
}  // namespace podium::testing
