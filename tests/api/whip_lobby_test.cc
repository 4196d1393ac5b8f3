// A WHIP publisher of a conference with the lobby on is held like any joiner: its session
// is set up (the WHIP client gets its answer and connects) but nobody hears of it or gets
// its media until a moderator admits it; a rejected one has its session closed. The
// client is a real WebRTC endpoint (ICE, DTLS, SRTP) speaking WHIP over HTTP.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"
#include "tests/api/stored_conference_fixture.h"
#include "tests/integration/test_peer.h"

namespace podium::api {
namespace {

using namespace test_support;
using podium::testing::TestPeer;

class WhipLobbyTest : public StoredConferenceTest {
 protected:
  std::string conference_name() const override { return "hearing"; }
  // Only the hosts go straight in: a speaker publishing over WHIP waits.
  json conference_document() const override {
    return json{{"title", "Hearing"},
                {"settings", {{"lobby", true}, {"lobby_skip", {"organizer", "moderator"}}}}};
  }

  HttpResult whip(const std::string& sdp, const std::string& bearer) {
    return http_request(server_->port(), http::verb::post, "/whip/hearing", sdp,
                        {{http::field::content_type, "application/sdp"},
                         {http::field::authorization, "Bearer " + bearer}});
  }
  int delete_resource(const std::string& location) {
    return http_request(server_->port(), http::verb::delete_, location).status;
  }

  // A WHIP client publishing one audio track (SSRC 0x51), connected.
  struct Publisher {
    TestPeer peer;
    std::string location;
  };
  std::unique_ptr<Publisher> publish_whip(const std::string& name) {
    auto p = std::make_unique<Publisher>();
    auto reply = whip(p->peer.make_offer({{"audio", "sendonly", 0x51, "0"}}),
                      token("hearing", name, Role::kSpeaker));
    EXPECT_EQ(reply.status, 201) << reply.body;
    if (reply.status != 201) return nullptr;
    p->location = std::string(reply.headers[http::field::location]);
    EXPECT_TRUE(p->peer.apply_answer(reply.body));
    EXPECT_TRUE(p->peer.connect()) << "the held publisher's session is set up";
    return p;
  }
  static void send_audio(TestPeer& peer, std::uint16_t& seq, int packets) {
    for (int i = 0; i < packets; ++i, ++seq) {
      peer.send_rtp(0x51, 111, seq, 960u * seq, Bytes(std::vector<std::uint8_t>{0xf8, 0xff, 0xfe, 0x42}));
    }
  }
  static std::optional<std::string> waiting_id(const Member& chair, const std::string& name) {
    for (const auto& e : chair.events) {
      if (e["type"] == "participant_waiting" && e.value("name", "") == name) return e["participant"];
    }
    return std::nullopt;
  }
};

TEST_F(WhipLobbyTest, AHeldPublisherReachesNobodyUntilAdmitted) {
  auto chair = member("hearing", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  auto publisher = publish_whip("Remote studio");
  ASSERT_TRUE(publisher);
  std::uint16_t seq = 1;
  send_audio(publisher->peer, seq, 20);
  chair->sync();
  auto id = waiting_id(*chair, "Remote studio");
  ASSERT_TRUE(id) << "the moderator sees the WHIP publisher in the lobby";
  EXPECT_TRUE(chair->messages_of("participant-joined").empty()) << "announced while waiting";
  EXPECT_TRUE(chair->messages_of("track-published").empty()) << "its track announced while waiting";
  auto floor = chair->command("grant-floor", {{"participant", *id}});
  EXPECT_FALSE(floor["ok"]) << "someone in the lobby cannot take the floor: " << floor.dump();

  ASSERT_TRUE(chair->command("admit", {{"participant", *id}})["ok"]);
  auto joined = chair->next_of("participant-joined");
  EXPECT_EQ(joined["participant"]["id"], *id);
  auto published = chair->next_of("track-published");
  EXPECT_EQ(published["track"]["participant"], *id);
  std::string track = published["track"]["id"];

  // The moderator subscribes with a real endpoint and gets the publisher's audio.
  TestPeer viewer;
  chair->send(json{{"type", "offer"},
                   {"sdp", viewer.make_offer({{"audio", "recvonly", 0, "0"}})},
                   {"subscriptions", {{"0", track}}}});
  auto answer = chair->next_of("answer");
  ASSERT_TRUE(viewer.apply_answer(answer["sdp"]));
  ASSERT_TRUE(viewer.connect());
  for (int round = 0; round < 50 && viewer.rtp_received < 5; ++round) {
    send_audio(publisher->peer, seq, 5);
    viewer.pump(20);
  }
  EXPECT_GE(viewer.rtp_received, 5u) << "admitted: its media reaches the room";
  EXPECT_EQ(delete_resource(publisher->location), 200);
}

TEST_F(WhipLobbyTest, ARejectedPublisherHasItsSessionClosed) {
  auto chair = member("hearing", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  auto publisher = publish_whip("Gatecrasher");
  ASSERT_TRUE(publisher);
  chair->sync();
  auto id = waiting_id(*chair, "Gatecrasher");
  ASSERT_TRUE(id);
  ASSERT_TRUE(chair->command("reject", {{"participant", *id}})["ok"]);
  chair->sync();
  EXPECT_TRUE(chair->messages_of("participant-joined").empty());
  EXPECT_EQ(delete_resource(publisher->location), 404) << "the session is gone";
  EXPECT_FALSE(publisher->peer.check(500)) << "the server no longer answers its ICE checks";
}

TEST_F(WhipLobbyTest, ARoleThatSkipsTheLobbyPublishesAtOnce) {
  auto chair = member("hearing", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  TestPeer peer;
  auto reply = whip(peer.make_offer({{"audio", "sendonly", 0x51, "0"}}),
                    token("hearing", "Co-chair", Role::kModerator));
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(chair->next_of("track-published")["track"]["participant"],
            chair->next_of("participant-joined")["participant"]["id"]);
}

}  // namespace
}  // namespace podium::api
