// Agenda, floor and floor timer.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> ids(const std::vector<AgendaItem>& agenda) {
  std::vector<std::string> out;
  for (const auto& i : agenda) out.push_back(i.id);
  return out;
}

TEST_F(ConferenceTest, AgendaAddEditRemoveReorder) {
  open_with_hosts();
  ok(conf.add_item("org", AgendaItem{.id = "a", .title = "Opening", .planned_ms = 300'000}));
  ok(conf.add_item("org", AgendaItem{.id = "c", .title = "Experts"}));
  auto e = ok(conf.add_item("org", AgendaItem{.id = "b", .title = "Members"}, 1));
  EXPECT_THAT(ids(all_of_type<AgendaChanged>(e).at(0).agenda), ElementsAre("a", "b", "c"));
  refused(conf.add_item("org", AgendaItem{.id = "a", .title = "Again"}), "exists");
  refused(conf.add_item("org", AgendaItem{.id = "", .title = "No id"}), "id");
  refused(conf.add_item("org", AgendaItem{.id = "d", .title = ""}), "title");
  refused(conf.add_item("org", AgendaItem{.id = "d", .title = "D", .planned_ms = -1}), "negative");
  refused(conf.add_item("org", AgendaItem{.id = "d", .title = "D"}, 9), "out of range");
  ok(conf.move_item("mod", "c", 0));
  EXPECT_THAT(ids(conf.agenda()), ElementsAre("c", "a", "b"));
  refused(conf.move_item("mod", "c", 3), "out of range");
  ok(conf.edit_item("mod", AgendaItem{.id = "b",
                                      .title = "Members of parliament",
                                      .speakers = {"mp1"},
                                      .planned_ms = 600'000,
                                      .language = "az",
                                      .status = ItemStatus::done}));
  EXPECT_EQ(conf.agenda()[2].title, "Members of parliament");
  EXPECT_EQ(conf.agenda()[2].status, ItemStatus::pending) << "the editor cannot set status";
  refused(conf.edit_item("mod", AgendaItem{.id = "zz", .title = "?"}), "no agenda item");
  ok(conf.remove_item("mod", "c"));
  EXPECT_THAT(ids(conf.agenda()), ElementsAre("a", "b"));
  refused(conf.remove_item("mod", "c"), "no agenda item");
}

TEST_F(ConferenceTest, TheAgendaIsEditedLiveAroundTheRunningItem) {
  go_live();
  join("mp1", Role::speaker);
  join("guest", Role::attendee);
  ok(conf.add_item("org", AgendaItem{.id = "a", .title = "Opening"}));
  ok(conf.add_item("org", AgendaItem{.id = "b", .title = "Members"}));
  ok(conf.start_item("mod", "a"));

  // Added while "a" runs: everyone is told the whole agenda, "a" still running.
  auto e = ok(conf.add_item("mod", AgendaItem{.id = "x", .title = "Urgent statement",
                                              .speakers = {"mp1"}, .planned_ms = 120'000}, 1));
  auto changed = all_of_type<AgendaChanged>(e);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_THAT(ids(changed[0].agenda), ElementsAre("a", "x", "b"));
  EXPECT_EQ(changed[0].agenda[0].status, ItemStatus::running);
  EXPECT_EQ(e.at(0).audience, Audience::everyone);
  EXPECT_EQ(conf.running_item(), "a");

  // The running item can be renamed and moved, not removed.
  ok(conf.edit_item("mod", AgendaItem{.id = "a", .title = "Opening words"}));
  EXPECT_EQ(conf.agenda()[0].status, ItemStatus::running);
  ok(conf.move_item("mod", "a", 2));
  EXPECT_THAT(ids(conf.agenda()), ElementsAre("x", "b", "a"));
  EXPECT_EQ(conf.running_item(), "a");
  refused(conf.remove_item("mod", "a"), "end the item");

  // Only hosts edit; what they added runs like any item.
  refused(conf.add_item("mp1", AgendaItem{.id = "y", .title = "Mine"}));
  refused(conf.remove_item("guest", "b"));
  EXPECT_THAT(ids(conf.agenda()), ElementsAre("x", "b", "a"));
  auto started = ok(conf.start_item("mod", "x"));
  ASSERT_EQ(all_of_type<FloorGranted>(started).size(), 1u);
  EXPECT_EQ(all_of_type<FloorGranted>(started)[0].participant, "mp1");
  EXPECT_EQ(all_of_type<FloorGranted>(started)[0].allotted_ms, 120'000);

  ok(conf.end("mod"));
  refused(conf.add_item("mod", AgendaItem{.id = "late", .title = "Too late"}), "ended");
  refused(conf.move_item("mod", "b", 0), "ended");
}

TEST_F(ConferenceTest, StartingAnItemGrantsTheFloorToItsFirstSpeaker) {
  go_live();
  join("mp1", Role::speaker);
  ok(conf.add_item("org", AgendaItem{.id = "i1",
                                     .title = "Opening",
                                     .speakers = {"mp1", "mp2"},
                                     .planned_ms = 300'000,
                                     .language = "en"}));
  auto e = ok(conf.start_item("mod", "i1"));
  EXPECT_THAT(types(e),
              ElementsAre("agenda_item_started", "floor_language_changed", "floor_granted"));
  auto g = all_of_type<FloorGranted>(e).at(0);
  EXPECT_EQ(g.participant, "mp1");
  EXPECT_EQ(g.allotted_ms, 300'000);
  EXPECT_EQ(g.item, "i1");
  EXPECT_EQ(conf.stage(), "mp1");
  EXPECT_EQ(conf.running_item(), "i1");
  refused(conf.start_item("mod", "i1"), "already running");
  refused(conf.remove_item("mod", "i1"), "end the item");
  advance_ms(120'000);
  e = ok(conf.end_item("mod"));
  EXPECT_THAT(types(e),
              ElementsAre("agenda_item_ended", "floor_released", "floor_language_changed"));
  auto r = all_of_type<FloorReleased>(e).at(0);
  EXPECT_EQ(r.reason, "item_ended");
  EXPECT_EQ(r.held_ms, 120'000);
  EXPECT_FALSE(conf.stage());
  EXPECT_EQ(conf.agenda()[0].status, ItemStatus::done);
  refused(conf.end_item("mod"), "no agenda item is running");
}

TEST_F(ConferenceTest, ItemWithAbsentOrInvitedSpeakerLeavesTheFloorFree) {
  go_live();
  ok(conf.add_item("org", AgendaItem{.id = "i1",
                                     .title = "Experts",
                                     .speakers = {"Dr. Invited Expert"},
                                     .planned_ms = 60'000}));
  EXPECT_THAT(types(ok(conf.start_item("mod", "i1"))), ElementsAre("agenda_item_started"));
  EXPECT_FALSE(conf.stage());
}

TEST_F(ConferenceTest, StartingTheNextItemEndsTheRunningOne) {
  go_live();
  join("mp1", Role::speaker);
  join("mp2", Role::speaker);
  ok(conf.add_item("org", AgendaItem{.id = "i1", .title = "One", .speakers = {"mp1"}}));
  ok(conf.add_item("org", AgendaItem{.id = "i2", .title = "Two", .speakers = {"mp2"}}));
  ok(conf.start_item("mod", "i1"));
  auto e = ok(conf.start_item("mod", "i2"));
  EXPECT_THAT(types(e), ElementsAre("agenda_item_ended", "floor_released", "agenda_item_started",
                                    "floor_granted"));
  EXPECT_EQ(conf.stage(), "mp2");
}

TEST_F(ConferenceTest, ItemsStartOnlyWhenLive) {
  open_with_hosts();
  ok(conf.add_item("org", AgendaItem{.id = "i1", .title = "One"}));
  refused(conf.start_item("mod", "i1"), "not live");
  refused(conf.grant_floor("mod", "org"), "not live");
}

TEST_F(ConferenceTest, GrantRevokeYieldReplace) {
  go_live();
  join("spk", Role::speaker);
  join("spk2", Role::speaker);
  join("att", Role::attendee);
  join("int", Role::interpreter);
  refused(conf.grant_floor("mod", "att"), "promote them");
  refused(conf.grant_floor("mod", "int"), "may not hold the floor");
  refused(conf.revoke_floor("mod"), "nobody holds");
  ok(conf.grant_floor("mod", "spk", 120'000));
  refused(conf.grant_floor("mod", "spk"), "already holds");
  refused(conf.yield_floor("spk2"), "do not hold");
  auto e = ok(conf.grant_floor("mod", "spk2"));
  EXPECT_THAT(types(e), ElementsAre("floor_released", "floor_granted"));
  EXPECT_EQ(all_of_type<FloorReleased>(e).at(0).reason, "replaced");
  EXPECT_EQ(all_of_type<FloorReleased>(e).at(0).participant, "spk");
  EXPECT_EQ(all_of_type<FloorReleased>(ok(conf.yield_floor("spk2"))).at(0).reason, "yielded");
  ok(conf.grant_floor("mod", "spk"));
  EXPECT_EQ(all_of_type<FloorReleased>(ok(conf.revoke_floor("org"))).at(0).reason, "revoked");
  ok(conf.grant_floor("mod", "spk"));
  EXPECT_EQ(all_of_type<FloorReleased>(ok(conf.leave("spk"))).at(0).reason, "left");
  EXPECT_FALSE(conf.stage());
}

TEST_F(ConferenceTest, TimerWarnsAtExactlyOneMinuteLeftThenTimeUp) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk", 5 * 60'000));
  advance_ms(4 * 60'000 - 1);
  EXPECT_TRUE(conf.tick().empty());
  EXPECT_EQ(conf.floor_remaining_ms(), 60'001);
  advance_ms(1);
  auto e = conf.tick();
  EXPECT_THAT(types(e), ElementsAre("floor_one_minute_left"));
  EXPECT_EQ(e[0].at, now_ms());
  EXPECT_TRUE(conf.tick().empty()) << "a warning is given once";
  advance_ms(60'000 - 1);
  EXPECT_TRUE(conf.tick().empty());
  advance_ms(1);
  e = conf.tick();
  EXPECT_THAT(types(e), ElementsAre("floor_time_up", "participant_muted"));
  EXPECT_EQ(all_of_type<ParticipantMuted>(e).at(0).by, "") << "muted by the timer";
  EXPECT_FALSE(conf.may_send_media("spk", MediaKind::audio));
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::video));
  EXPECT_EQ(conf.stage(), "spk") << "time-up does not take the floor; the moderator does";
  EXPECT_TRUE(conf.tick().empty());
}

TEST_F(ConferenceTest, LateTickGivesBothWarningsInOrder) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk", 90'000));
  advance_ms(200'000);
  EXPECT_THAT(types(conf.tick()),
              ElementsAre("floor_one_minute_left", "floor_time_up", "participant_muted"));
}

TEST_F(ConferenceTest, UntimedAndShortGrants) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk"));
  advance_ms(3'600'000);
  EXPECT_TRUE(conf.tick().empty());
  refused(conf.extend_floor("mod", 1000), "untimed");
  ok(conf.grant_floor("mod", "org", 30'000));  // shorter than a minute: no warning
  advance_ms(30'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_time_up", "participant_muted"));
}

class NoMuteAtTimeUp : public ConferenceTest {
 protected:
  NoMuteAtTimeUp() : ConferenceTest(Settings{.mute_at_time_up = false}) {}
};

TEST_F(NoMuteAtTimeUp, TimeUpOnlyAnnounces) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk", 60'000));
  advance_ms(60'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_time_up"));
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::audio));
}

TEST_F(ConferenceTest, PauseStopsTheClockAndResumeRestartsIt) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk", 120'000));
  advance_ms(30'000);
  auto e = ok(conf.pause_floor("mod"));
  auto t = all_of_type<FloorTimerChanged>(e).at(0);
  EXPECT_TRUE(t.paused);
  EXPECT_EQ(t.remaining_ms, 90'000);
  refused(conf.pause_floor("mod"), "already paused");
  advance_ms(600'000);
  EXPECT_TRUE(conf.tick().empty());
  EXPECT_EQ(conf.floor_remaining_ms(), 90'000);
  ok(conf.resume_floor("mod"));
  refused(conf.resume_floor("mod"), "not paused");
  advance_ms(30'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_one_minute_left"));
  advance_ms(60'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_time_up", "participant_muted"));
  e = ok(conf.revoke_floor("mod"));
  EXPECT_EQ(all_of_type<FloorReleased>(e).at(0).held_ms, 120'000) << "pauses are not counted";
  EXPECT_THAT(types(e), ElementsAre("floor_released", "participant_unmuted"))
      << "the time-up mute ends with the turn";
}

TEST_F(ConferenceTest, ExtendRearmsWarningsAndLiftsTheTimeUpMute) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk", 60'000));
  advance_ms(60'000);
  conf.tick();
  EXPECT_FALSE(conf.may_send_media("spk", MediaKind::audio));
  refused(conf.extend_floor("mod", 0), "positive");
  auto e = ok(conf.extend_floor("mod", 120'000));
  EXPECT_THAT(types(e), ElementsAre("floor_timer_changed", "participant_unmuted"));
  EXPECT_EQ(all_of_type<FloorTimerChanged>(e).at(0).remaining_ms, 120'000);
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::audio));
  advance_ms(60'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_one_minute_left"));
  advance_ms(60'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_time_up", "participant_muted"));
}

TEST_F(ConferenceTest, ModeratorMuteSurvivesTimeUpAndRelease) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk", 60'000));
  ok(conf.mute("mod", "spk", MediaKind::audio));
  advance_ms(60'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_time_up"));
  EXPECT_THAT(types(ok(conf.revoke_floor("mod"))), ElementsAre("floor_released"));
  EXPECT_TRUE(conf.participant("spk")->audio_muted);
}

TEST_F(ConferenceTest, EndingTheConferenceClosesEverything) {
  go_live();
  join("spk", Role::speaker);
  join("att", Role::attendee);
  ok(conf.add_item("org", AgendaItem{.id = "i1", .title = "One", .speakers = {"spk"}}));
  ok(conf.start_item("mod", "i1"));
  ok(conf.raise_hand("att", "question"));
  auto e = ok(conf.end("mod"));
  EXPECT_THAT(types(e), ElementsAre("agenda_item_ended", "floor_released", "hand_lowered",
                                    "conference_state_changed"));
  EXPECT_TRUE(conf.tick().empty());
}

}  // namespace
}  // namespace podium::conference
