// Bandwidth estimation through a running MediaServer over loopback: Podium numbers every
// packet toward a subscriber that negotiated transport-wide congestion control, reads the
// subscriber's feedback into an estimate, and sends feedback to a publisher that
// negotiated it (draft-holmer-rmcat-transport-wide-cc-extensions-01).
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "rtp/rtcp_packet.h"
#include "rtp/rtcp_writer.h"
#include "rtp/transport_cc.h"
#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21410;
constexpr std::uint32_t kPublisherSsrc = 5555;

class Bwe : public MediaFixture {
 protected:
  Bwe() : MediaFixture(kPort) {}

  // Alice publishes video, bob subscribes to it; both offer transport-cc.
  void connect_pair() {
    auto alice_session = open("room", "alice", true);
    auto answer = negotiate(alice_session,
                            TestPeer::with_transport_cc(alice.make_offer({{"video", "sendonly", kPublisherSsrc, "0"}})));
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_NE(answer.sdp_answer.find("transport-wide-cc"), std::string::npos) << "the answer keeps the extension";
    ASSERT_TRUE(alice.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(alice.connect());
    auto bob_session = open("room", "bob", false);
    auto bob_answer = negotiate(bob_session, TestPeer::with_transport_cc(bob.make_offer({{"video", "recvonly", 0, "0"}})),
                                {{"0", answer.published[0].id}});
    ASSERT_TRUE(bob_answer.ok) << bob_answer.error;
    ASSERT_TRUE(bob.apply_answer(bob_answer.sdp_answer));
    ASSERT_TRUE(bob.connect());
  }

  // VP8 payload descriptor then a keyframe or delta frame header.
  static std::vector<std::uint8_t> vp8(bool key) {
    if (key) return {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0x01};
    return std::vector<std::uint8_t>(600, 0xaa);
  }
  void publish(std::uint16_t sequence, std::uint16_t transport_sequence, bool key = false) {
    auto payload = vp8(key);
    if (!key) payload[0] = 0x10, payload[1] = 0x01;
    alice.send_rtp_with_transport_sequence(kPublisherSsrc, 96, sequence, 3000u * sequence,
                                           transport_sequence, payload);
  }

  TestPeer alice, bob;
};

TEST_F(Bwe, SubscriberReceivesIncreasingTransportWideSequenceNumbers) {
  connect_pair();
  publish(1, 1, /*key=*/true);
  for (std::uint16_t s = 2; s < 40; ++s) publish(s, s);
  bob.pump(300);
  ASSERT_GE(bob.received.size(), 30u);
  ASSERT_EQ(bob.transport_sequences.size(), bob.received.size()) << "every packet carries the extension";
  for (std::size_t i = 1; i < bob.transport_sequences.size(); ++i)
    EXPECT_EQ(bob.transport_sequences[i], static_cast<std::uint16_t>(bob.transport_sequences[i - 1] + 1));
}

TEST_F(Bwe, PublisherReceivesFeedbackThatAcknowledgesWhatItSent) {
  connect_pair();
  std::set<std::uint16_t> sent;
  for (std::uint16_t s = 0; s < 60; ++s) {
    std::uint16_t transport = static_cast<std::uint16_t>(65500 + s);  // wraps at 36
    if (transport == 65510 || transport == 3) continue;                // lost on the way
    publish(static_cast<std::uint16_t>(1 + s), transport, s == 0);
    sent.insert(transport);
    if (s % 10 == 9) alice.pump(30);  // spread over > 50 ms so several feedbacks go out
  }
  publish(61, 100);  // a later packet flushes the last feedback interval
  sent.insert(100);
  alice.pump(300);
  publish(62, 101);
  alice.pump(200);
  sent.insert(101);
  ASSERT_GE(alice.transport_feedback.size(), 2u);
  std::set<std::uint16_t> acknowledged, reported_lost;
  std::vector<rtp::TransportCcStatus> statuses;
  for (const auto& bytes : alice.transport_feedback) {
    auto packet = rtp::RtcpPacket::parse(bytes);
    ASSERT_TRUE(packet);
    auto feedback = rtp::TransportCc::parse(*packet);
    ASSERT_TRUE(feedback);
    ASSERT_TRUE(rtp::read_transport_cc(*feedback, statuses));
    std::int64_t previous = -1;
    for (const auto& status : statuses) {
      if (!status.received) {
        reported_lost.insert(status.sequence);
        continue;
      }
      acknowledged.insert(status.sequence);
      EXPECT_GE(status.receive_time_us, previous) << "loopback keeps arrival order";
      previous = status.receive_time_us;
    }
  }
  for (auto s : sent) EXPECT_TRUE(acknowledged.count(s)) << s;
  EXPECT_TRUE(reported_lost.count(65510));
  EXPECT_TRUE(reported_lost.count(3));
  for (auto s : acknowledged) EXPECT_TRUE(sent.count(s)) << s;
  EXPECT_GE(metric("podium_transport_cc_feedback_sent_total"), 2u);
}

TEST_F(Bwe, SubscriberFeedbackAndRembDriveItsEstimate) {
  connect_pair();
  EXPECT_EQ(metric("podium_subscriber_estimated_bitrate_bps_count"), 0u);
  publish(1, 1, /*key=*/true);
  for (std::uint16_t s = 2; s < 40; ++s) publish(s, s);
  bob.pump(300);
  ASSERT_FALSE(bob.transport_sequences.empty());
  // Bob reports everything as received 1 ms apart.
  std::vector<std::int64_t> arrivals;
  for (std::size_t i = 0; i < bob.transport_sequences.size(); ++i)
    arrivals.push_back(1'000'000 + static_cast<std::int64_t>(i) * 1'000);
  std::uint8_t buffer[1200];
  auto written = rtp::write_transport_cc(buffer, sizeof buffer, 0x1234, 0, bob.transport_sequences.front(), 0, arrivals);
  ASSERT_EQ(written.packets, arrivals.size());
  bob.send_rtcp(Bytes(buffer, written.length));
  bob.pump(100);
  EXPECT_EQ(metric("podium_transport_cc_feedback_received_total"), 1u);
  EXPECT_EQ(metric("podium_subscriber_estimated_bitrate_bps_count"), 1u);
  EXPECT_GT(metric("podium_subscriber_estimated_bitrate_bps_sum"), 0u);

  // A REMB caps the estimate.
  const std::uint32_t ssrcs[] = {1};
  std::size_t length = rtp::write_remb(buffer, sizeof buffer, 0x1234, 200'000, ssrcs);
  bob.send_rtcp(Bytes(buffer, length));
  bob.pump(100);
  EXPECT_EQ(metric("podium_remb_received_total"), 1u);
  EXPECT_EQ(metric("podium_subscriber_estimated_bitrate_bps_sum"), 200'000u);

  // Malformed feedback is dropped and counted; the estimate stays.
  std::uint8_t bad[] = {0x8F, 205, 0, 4, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 1, 0, 14, 0, 0, 0, 0};
  bob.send_rtcp(Bytes(bad, sizeof bad));
  bob.pump(100);
  EXPECT_EQ(metric("podium_transport_cc_feedback_received_total"), 1u);
  EXPECT_EQ(metric("podium_subscriber_estimated_bitrate_bps_sum"), 200'000u);
}

}  // namespace
}  // namespace podium::testing
