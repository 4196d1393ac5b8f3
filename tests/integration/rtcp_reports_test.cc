// Periodic RTCP reports (sfu/peer.cc): each peer's sender and receiver reports travel
// together in compound packets that begin with a report and name every reporting SSRC in
// an SDES CNAME (RFC 3550 §6.1, RFC 8108 §5.3), and each peer reports on its own
// randomised interval (RFC 3550 §6.3.5), not in one burst for the whole worker.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21490;
const std::uint8_t kOpusPayload[] = {0xfc, 0xff, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05};

class RtcpReports : public MediaFixture {
 protected:
  RtcpReports() : MediaFixture(kPort, 1) {}
};

std::set<std::uint32_t> received_ssrcs(const TestPeer& peer) {
  std::set<std::uint32_t> ssrcs;
  for (auto& packet : peer.received) ssrcs.insert(packet.ssrc);
  return ssrcs;
}

TEST_F(RtcpReports, ComeInCompoundsOnEachPeersOwnRandomisedInterval) {
  TestPeer alice, dave;
  auto alice_answer = join(alice, "room", "alice", true, {{"audio", "sendonly", 1111, "0"}});
  ASSERT_TRUE(alice_answer.ok);
  auto dave_answer = join(dave, "room", "dave", true, {{"audio", "sendonly", 3333, "0"}});
  ASSERT_TRUE(dave_answer.ok);

  TestPeer listeners[2];
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(join(listeners[i], "room", "listener" + std::to_string(i), false,
                     {{"audio", "recvonly", 0, "0"}, {"audio", "recvonly", 0, "1"}},
                     {{"0", alice_answer.published[0].id}, {"1", dave_answer.published[0].id}})
                    .ok);
  }

  // 4.5 s of audio from both publishers, every peer pumped meanwhile: the first reports
  // come within 0.75 s, the next ones at most 1.5 s apart, so each peer gets three or more.
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(4500);
  for (std::uint32_t i = 0; std::chrono::steady_clock::now() < end; ++i) {
    alice.send_rtp(1111, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusPayload);
    dave.send_rtp(3333, 111, static_cast<std::uint16_t>(i), 960u * i, kOpusPayload);
    for (TestPeer* peer : {&alice, &dave, &listeners[0], &listeners[1]}) peer->pump(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (i % 50 == 0) {
      alice.send_check();
      dave.send_check();
      for (auto& listener : listeners) listener.send_check();
    }
  }
  for (TestPeer* peer : {&alice, &dave, &listeners[0], &listeners[1]}) peer->pump(20);

  std::vector<double> intervals_ms;
  auto check_peer = [&](const TestPeer& peer, const char* name) {
    ASSERT_GE(peer.report_compounds.size(), 3u) << name;
    for (std::size_t i = 0; i < peer.report_compounds.size(); ++i) {
      const auto& compound = peer.report_compounds[i];
      ASSERT_FALSE(compound.types.empty());
      EXPECT_TRUE(compound.types.front() == rtp::RtcpType::kSenderReport ||
                  compound.types.front() == rtp::RtcpType::kReceiverReport)
          << name << ": a compound starts with a report";
      EXPECT_EQ(compound.types.back(), rtp::RtcpType::kSdes) << name;
      EXPECT_EQ(compound.cname_ssrcs, compound.reporting_ssrcs)
          << name << ": every reporting SSRC has its CNAME in the compound";
      if (i > 0) {
        double ms = std::chrono::duration<double, std::milli>(
                        compound.arrival - peer.report_compounds[i - 1].arrival).count();
        // [0.5, 1.5] s, with room for the 20 ms between pumps.
        EXPECT_GE(ms, 450) << name;
        EXPECT_LE(ms, 1600) << name;
        intervals_ms.push_back(ms);
      }
    }
  };
  check_peer(alice, "alice");
  check_peer(dave, "dave");
  for (auto& listener : listeners) {
    check_peer(listener, "listener");
    // Both of a listener's streams are reported in one datagram, as two sender reports.
    auto streams = received_ssrcs(listener);
    ASSERT_EQ(streams.size(), 2u);
    const auto& last = listener.report_compounds.back();
    EXPECT_EQ(std::set<std::uint32_t>(last.reporting_ssrcs.begin(), last.reporting_ssrcs.end()), streams);
    EXPECT_EQ(std::count(last.types.begin(), last.types.end(), rtp::RtcpType::kSenderReport), 2);
  }
  // A publisher's compound is the receiver report about its stream.
  EXPECT_EQ(alice.report_compounds.back().types.front(), rtp::RtcpType::kReceiverReport);

  // Randomised: the intervals spread over the range instead of all being one second.
  ASSERT_GE(intervals_ms.size(), 8u);
  auto [shortest, longest] = std::minmax_element(intervals_ms.begin(), intervals_ms.end());
  EXPECT_GT(*longest - *shortest, 100.0) << "every peer reported on the same one-second grid";
}

}  // namespace
}  // namespace podium::testing
