// Snapshots, event JSON and determinism.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;

nlohmann::json as_json(const Events& events) {
  nlohmann::json j = nlohmann::json::array();
  for (const Event& e : events) j.push_back(to_json(e));
  return j;
}

class SnapshotTest : public ConferenceTest {
 protected:
  SnapshotTest() : ConferenceTest(Settings{.lobby = true}) {}
  void SetUp() override {
    go_live();
    join("spk", Role::speaker);
    join("a1", Role::attendee);  // waits in the lobby
    join("a2", Role::attendee);
    ok(conf.admit("mod", "a2"));
    ok(conf.add_item("org", AgendaItem{.id = "i1",
                                       .title = "Opening",
                                       .speakers = {"spk"},
                                       .planned_ms = 180'000,
                                       .language = "en"}));
    ok(conf.start_item("mod", "i1"));
    ok(conf.raise_hand("a2", "trade"));
    ok(conf.send_chat("a2", "hello"));
    ok(conf.ask_question("a2", "When?"));
    ok(conf.upvote_question("spk", 1));
    ok(conf.mute_chat("mod", "a2", true));
    advance_ms(100'000);
  }
};

TEST_F(SnapshotTest, RoundTripKeepsEverything) {
  const nlohmann::json snap = conf.to_json();
  auto restored = Conference::from_json(snap, WallClock{clock, kEpoch});
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(restored->to_json(), snap);
  EXPECT_EQ(restored->timeline().size(), conf.timeline().size());
  EXPECT_EQ(restored->stage(), "spk");
  EXPECT_EQ(restored->visible_queue("mod"), conf.visible_queue("mod"));
}

TEST_F(SnapshotTest, RestoredConferenceDecidesTheSame) {
  auto restored = Conference::from_json(conf.to_json(), WallClock{clock, kEpoch});
  ASSERT_TRUE(restored.ok()) << restored.error();
  Conference& other = *restored;
  auto both = [&](auto&& command) {
    auto a = command(conf);
    auto b = command(other);
    ASSERT_EQ(a.ok(), b.ok());
    if (a.ok()) {
      EXPECT_EQ(as_json(*a), as_json(*b));
    } else {
      EXPECT_EQ(a.error(), b.error());
    }
  };
  both([](Conference& c) { return c.send_chat("a2", "muted?"); });
  both([](Conference& c) { return c.upvote_question("spk", 1); });
  both([](Conference& c) { return c.admit("mod", "a1"); });
  both([](Conference& c) { return c.grant_hand("mod", "a2", 60'000); });
  advance_ms(60'000);
  EXPECT_EQ(as_json(conf.tick()), as_json(other.tick()));
  both([](Conference& c) { return c.end("mod"); });
  EXPECT_EQ(conf.to_json(), other.to_json());
}

TEST_F(SnapshotTest, FloorTimerRunsOnAcrossARestart) {
  // 100 s of 180 s used. The new process has a different monotonic epoch.
  const nlohmann::json snap = conf.to_json(/*with_timeline=*/false);
  EXPECT_FALSE(snap.contains("timeline"));
  FakeClock after_restart;  // reads 1 s
  const UnixMillis wall_now = now_ms();
  auto restored = Conference::from_json(snap, WallClock{after_restart, wall_now - 1000});
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(restored->floor_remaining_ms(), 80'000);
  after_restart.advance(std::chrono::seconds(20));
  EXPECT_THAT(types(restored->tick()), ElementsAre("floor_one_minute_left"));
  EXPECT_TRUE(restored->timeline().empty());
  // Sequence numbers continue where they stopped.
  auto e = restored->send_chat("spk", "back");
  ASSERT_TRUE(e.ok()) << e.error();
  EXPECT_GT((*e)[0].seq, conf.timeline().back().seq);
}

TEST_F(SnapshotTest, DamagedSnapshotsAreRefused) {
  WallClock wc{clock, kEpoch};
  EXPECT_FALSE(Conference::from_json(nlohmann::json::array(), wc).ok());
  EXPECT_FALSE(Conference::from_json(nlohmann::json{{"version", 99}}, wc).ok());
  nlohmann::json snap = conf.to_json();
  snap["state"] = "flying";
  EXPECT_FALSE(Conference::from_json(snap, wc).ok());
  snap = conf.to_json();
  snap["floor"]["holder"] = "stranger";
  auto r = Conference::from_json(snap, wc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("floor holder"), std::string::npos);
  snap = conf.to_json();
  snap["participants"][0]["role"] = "king";
  EXPECT_FALSE(Conference::from_json(snap, wc).ok());
  snap = conf.to_json();
  snap["timeline"][0]["type"] = "nonsense";
  EXPECT_FALSE(Conference::from_json(snap, wc).ok());
  snap = conf.to_json();
  snap.erase("agenda");
  EXPECT_FALSE(Conference::from_json(snap, wc).ok());
}

TEST_F(ConferenceTest, EventJsonRoundTrips) {
  go_live();
  join("spk", Role::speaker);
  auto e = ok(conf.grant_floor("mod", "spk", 60'000));
  const nlohmann::json j = to_json(e.at(0));
  EXPECT_EQ(j["type"], "floor_granted");
  EXPECT_EQ(j["participant"], "spk");
  EXPECT_EQ(j["allotted_ms"], 60'000);
  EXPECT_EQ(j["by"], "mod");
  EXPECT_TRUE(j["item"].is_null());
  EXPECT_EQ(j["at"], now_ms());
  auto back = event_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(to_json(*back), j);
  EXPECT_FALSE(event_from_json(nlohmann::json{{"type", "floor_granted"}}).ok());
  EXPECT_FALSE(event_from_json(nlohmann::json{{"seq", 1}}).ok());
  EXPECT_FALSE(event_from_json(nlohmann::json("text")).ok());
}

TEST(Determinism, SameCommandsSameTimesSameEvents) {
  auto run = [] {
    FakeClock clock;
    Conference c(model_info(), Settings{}, WallClock{clock, kEpoch});
    nlohmann::json out = nlohmann::json::array();
    auto take = [&](Outcome o) { out.push_back(o.ok() ? as_json(*o) : nlohmann::json(o.error())); };
    take(c.join(JoinRequest{.id = "mod", .name = "M", .role = Role::moderator}));
    take(c.open("mod"));
    take(c.join(JoinRequest{.id = "a", .name = "A", .role = Role::attendee}));
    take(c.go_live("mod"));
    take(c.raise_hand("a", "t"));
    clock.advance(std::chrono::seconds(3));
    take(c.grant_hand("mod", "a", 70'000));
    take(c.grant_floor("a", "mod"));
    clock.advance(std::chrono::seconds(75));
    out.push_back(as_json(c.tick()));
    take(c.end("mod"));
    out.push_back(c.to_json());
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace podium::conference
