// Simulcast through a running MediaServer over loopback: a publisher sends three rids
// (RFC 8853) with VP8 payload descriptors; each subscriber receives only the stream it
// prefers, on its own SSRC, with contiguous sequence numbers and picture IDs, and
// switches streams at a keyframe of the new one after Podium asked for it with a PLI.
#include <algorithm>
#include <chrono>
#include <thread>

#include <set>

#include <gtest/gtest.h>

#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {
namespace {

constexpr std::uint16_t kPort = 21390;
const std::vector<std::string> kRids = {"l", "m", "h"};
constexpr std::uint32_t kLayerSsrc[] = {7100, 7200, 7300};

// A VP8 packet (RFC 7741 §4.2): X, S (first packet of the picture), PID 0; I with a
// 15-bit picture ID, L (TL0PICIDX), T (TID, Y); then the VP8 payload header (P=0 on a
// keyframe) and one byte naming the layer so the test can tell streams apart.
std::vector<std::uint8_t> vp8_packet(std::uint16_t picture_id, std::uint8_t tl0, std::uint8_t tid,
                                     bool first, bool keyframe, std::uint8_t layer) {
  return {static_cast<std::uint8_t>(first ? 0x90 : 0x80), 0xE0,
          static_cast<std::uint8_t>(0x80 | (picture_id >> 8)), static_cast<std::uint8_t>(picture_id),
          tl0, static_cast<std::uint8_t>((tid << 6) | (tid > 0 ? 0x20 : 0)),
          static_cast<std::uint8_t>(keyframe ? 0x00 : 0x01), layer};
}

struct Vp8Seen {
  bool first;
  std::uint16_t picture_id;
  std::uint8_t tl0;
  std::uint8_t tid;
  std::uint8_t layer;
};
Vp8Seen read_vp8(const ReceivedRtp& p) {
  return {(p.payload[0] & 0x10) != 0, static_cast<std::uint16_t>(((p.payload[2] & 0x7F) << 8) | p.payload[3]),
          p.payload[4], static_cast<std::uint8_t>(p.payload[5] >> 6), p.payload[7]};
}

struct Simulcast : MediaFixture {
  Simulcast() : MediaFixture(kPort) {}

  // The publisher's streams: each its own sequence, timestamp and picture ID lines,
  // as a browser's encoders number them.
  struct Layer {
    std::uint16_t sequence;
    std::uint32_t timestamp;
    std::uint16_t picture_id;
    std::uint8_t tl0;
  };
  Layer layers[3] = {{100, 1000, 10, 5}, {20000, 500000, 3000, 100}, {65500, 90000000, 32760, 250}};
  int frame = 0;

  // One picture on each stream, two packets each; odd frames are temporal layer 1.
  void send_frame(std::vector<int> keyframe_layers = {}) {
    std::uint8_t tid = frame % 2;
    for (int l = 0; l < 3; ++l) {
      Layer& s = layers[l];
      bool key = std::find(keyframe_layers.begin(), keyframe_layers.end(), l) != keyframe_layers.end();
      if (key) tid = 0;
      if (tid == 0) ++s.tl0;
      for (int part = 0; part < 2; ++part) {
        auto payload = vp8_packet(s.picture_id, s.tl0, key ? 0 : tid, part == 0, key, static_cast<std::uint8_t>(l));
        publisher.send_rtp_with_rid(kLayerSsrc[l], 96, s.sequence++, s.timestamp, "0", kRids[l],
                                    payload, part == 1);
      }
      s.picture_id = (s.picture_id + 1) & 0x7FFF;
      s.timestamp += 3000;
      tid = frame % 2;
    }
    ++frame;
  }

  void pump_all(int ms) {
    publisher.pump(ms / 3);
    high.pump(ms / 3);
    low.pump(ms / 3);
  }

  std::uint32_t subscribe(TestPeer& peer, const std::string& name, sfu::SessionId& session) {
    session = open("room", name, false);
    OfferSection section{"video", "recvonly", 0, "0"};
    auto answer = negotiate(session, peer.make_offer({section}), {{"0", track}});
    EXPECT_TRUE(answer.ok) << answer.error;
    EXPECT_TRUE(peer.apply_answer(answer.sdp_answer));
    EXPECT_TRUE(peer.connect());
    return answer_ssrc(answer.sdp_answer);
  }

  void SetUp() override {
    auto session = open("room", "alice", true);
    OfferSection section{"video", "sendonly", 0, "0"};
    auto answer = negotiate(session, TestPeer::with_simulcast(publisher.make_offer({section}), "0", kRids));
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_EQ(answer.published.size(), 1u);
    ASSERT_NE(answer.sdp_answer.find("a=simulcast:recv l;m;h"), std::string::npos) << answer.sdp_answer;
    track = answer.published[0].id;
    ASSERT_TRUE(publisher.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(publisher.connect());
    high_ssrc = subscribe(high, "bob", high_session);
    low_ssrc = subscribe(low, "carol", low_session);
    media_.set_preferred_layers(low_session, "0", 0);
  }

  // Packets a subscriber got on its SSRC.
  static std::vector<ReceivedRtp> on_ssrc(const TestPeer& peer, std::uint32_t ssrc) {
    std::vector<ReceivedRtp> out;
    for (const auto& p : peer.received)
      if (p.ssrc == ssrc) out.push_back(p);
    return out;
  }
  static void expect_contiguous(const std::vector<ReceivedRtp>& packets) {
    for (std::size_t i = 1; i < packets.size(); ++i) {
      EXPECT_EQ(static_cast<std::uint16_t>(packets[i].sequence - packets[i - 1].sequence), 1)
          << "at " << i;
    }
  }
  // Each new picture's ID is the previous one's plus one (15-bit).
  static void expect_pictures_continuous(const std::vector<ReceivedRtp>& packets) {
    std::optional<std::uint16_t> last;
    for (const auto& p : packets) {
      auto v = read_vp8(p);
      if (last && v.picture_id != *last)
        EXPECT_EQ((v.picture_id - *last) & 0x7FFF, 1) << "picture " << v.picture_id << " after " << *last;
      last = v.picture_id;
    }
  }

  TestPeer publisher, high, low;
  std::string track;
  sfu::SessionId high_session = 0, low_session = 0;
  std::uint32_t high_ssrc = 0, low_ssrc = 0;
};

TEST_F(Simulcast, EachSubscriberGetsOnlyItsStream) {
  send_frame({0, 1, 2});
  for (int i = 0; i < 9; ++i) {
    pump_all(30);
    send_frame();
  }
  pump_all(300);

  auto high_packets = on_ssrc(high, high_ssrc);
  auto low_packets = on_ssrc(low, low_ssrc);
  ASSERT_EQ(high_packets.size(), 20u);
  ASSERT_EQ(low_packets.size(), 20u);
  EXPECT_EQ(high_packets.size(), high.received.size());
  EXPECT_EQ(low_packets.size(), low.received.size());
  EXPECT_NE(high_ssrc, low_ssrc);
  for (const auto& p : high_packets) EXPECT_EQ(read_vp8(p).layer, 2);
  for (const auto& p : low_packets) EXPECT_EQ(read_vp8(p).layer, 0);
  expect_contiguous(high_packets);
  expect_contiguous(low_packets);
  expect_pictures_continuous(high_packets);
  expect_pictures_continuous(low_packets);
}

// The app reports the height at which it shows the video ("video-size"); the stream
// follows from this source's number of streams: of three, 300 rows is the middle one, a
// 150-row thumbnail the low one, a 600-row stage the top one.
TEST_F(Simulcast, RenderedHeightPicksTheStreamThatFits) {
  auto layers_after = [&](int height) {
    media_.set_rendered_height(low_session, "0", height);
    pump_all(60);  // the worker applies it
    low.received.clear();
    send_frame({0, 1, 2});
    for (int i = 0; i < 3; ++i) {
      pump_all(30);
      send_frame();
    }
    pump_all(200);
    // The last three pictures (two packets each): the switch is done by then.
    auto packets = on_ssrc(low, low_ssrc);
    std::set<int> layers;
    for (std::size_t i = packets.size() > 6 ? packets.size() - 6 : 0; i < packets.size(); ++i)
      layers.insert(read_vp8(packets[i]).layer);
    return layers;
  };
  EXPECT_EQ(layers_after(300), std::set<int>{1});
  EXPECT_EQ(layers_after(150), std::set<int>{0});
  EXPECT_EQ(layers_after(600), std::set<int>{2});
}

TEST_F(Simulcast, SwitchingHappensAtTheNewStreamsKeyframe) {
  send_frame({0, 1, 2});
  for (int i = 0; i < 5; ++i) {
    pump_all(30);
    send_frame();
  }
  pump_all(400);  // past the keyframe request interval of the top stream
  auto plis_for_top = [&] {
    return std::count(publisher.pli_ssrcs.begin(), publisher.pli_ssrcs.end(), kLayerSsrc[2]);
  };
  auto plis_before = plis_for_top();

  media_.set_preferred_layers(low_session, "0", 2);
  for (int i = 0; i < 4; ++i) {  // no keyframe of the top stream yet: still the low one
    pump_all(30);
    send_frame();
  }
  pump_all(200);
  EXPECT_GT(plis_for_top(), plis_before) << "Podium did not ask the top stream for a keyframe";
  auto before_key = on_ssrc(low, low_ssrc);
  ASSERT_EQ(before_key.size(), 20u);
  for (const auto& p : before_key) EXPECT_EQ(read_vp8(p).layer, 0);

  send_frame({2});
  for (int i = 0; i < 4; ++i) {
    pump_all(30);
    send_frame();
  }
  pump_all(300);

  auto packets = on_ssrc(low, low_ssrc);
  EXPECT_EQ(packets.size(), low.received.size());
  // The low stream goes on until the top stream's keyframe (this frame's low picture was
  // sent before it), then only the top stream: its five pictures, two packets each.
  auto at = std::find_if(packets.begin(), packets.end(), [](const auto& p) { return read_vp8(p).layer != 0; });
  ASSERT_NE(at, packets.end());
  std::size_t switched = static_cast<std::size_t>(at - packets.begin());
  EXPECT_EQ(switched, 22u);
  ASSERT_EQ(packets.size() - switched, 10u);
  for (std::size_t i = switched; i < packets.size(); ++i) EXPECT_EQ(read_vp8(packets[i]).layer, 2) << i;
  EXPECT_EQ(packets[switched].payload[6] & 0x01, 0) << "the switch must start on a keyframe";
  expect_contiguous(packets);
  expect_pictures_continuous(packets);
  // TL0PICIDX goes on by one at the switch (the keyframe is a base-layer picture).
  EXPECT_EQ(static_cast<std::uint8_t>(read_vp8(packets[switched]).tl0 - read_vp8(packets[switched - 1]).tl0), 1);
}

TEST_F(Simulcast, TemporalLayerCapDropsUpperPicturesWithoutGaps) {
  media_.set_preferred_layers(high_session, "0", 2, 0);
  send_frame({0, 1, 2});
  for (int i = 0; i < 9; ++i) {
    pump_all(30);
    send_frame();
  }
  pump_all(300);
  auto packets = on_ssrc(high, high_ssrc);
  ASSERT_EQ(packets.size(), 10u);  // frames 0, 2, 4, 6, 8: two packets each
  for (const auto& p : packets) {
    EXPECT_EQ(read_vp8(p).tid, 0);
    EXPECT_EQ(read_vp8(p).layer, 2);
  }
  expect_contiguous(packets);
  expect_pictures_continuous(packets);
}

TEST_F(Simulcast, NackIsAnsweredFromTheForwardedStream) {
  send_frame({0, 1, 2});
  pump_all(100);
  auto first = on_ssrc(low, low_ssrc);
  ASSERT_EQ(first.size(), 2u);
  auto lost = static_cast<std::uint16_t>(first[0].sequence + 5);  // frame 2, second packet
  low.lose = {lost};
  for (int i = 0; i < 3; ++i) {
    pump_all(30);
    send_frame();
  }
  pump_all(200);
  ASSERT_EQ(on_ssrc(low, low_ssrc).size(), 7u);
  low.send_nack(low_ssrc, {lost});
  pump_all(300);
  auto packets = on_ssrc(low, low_ssrc);
  ASSERT_EQ(packets.size(), 8u);
  EXPECT_EQ(packets.back().sequence, lost);
  EXPECT_EQ(read_vp8(packets.back()).layer, 0);  // from the low stream's buffer
  EXPECT_EQ(read_vp8(packets.back()).picture_id, read_vp8(packets[4]).picture_id);
}

}  // namespace
}  // namespace podium::testing
