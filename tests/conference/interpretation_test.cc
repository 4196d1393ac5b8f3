// Interpretation: floor language, booths, handover (with the countdown on the fake clock),
// relay, the listener's choice, "slower please", the record and the media plan.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class InterpretationTest : public ConferenceTest {
 protected:
  // Live; speakers mp1 (he) and mp2; interpreters i1, i2 (ru booth), i3 (en booth).
  void staffed() {
    go_live();
    join("mp1", Role::speaker);
    join("mp2", Role::speaker);
    join("i1", Role::interpreter);
    join("i2", Role::interpreter);
    join("i3", Role::interpreter);
    join("att", Role::attendee);
    ok(conf.assign_interpreter("org", "i1", "ru", {"he", "en"}));
    ok(conf.assign_interpreter("mod", "i2", "ru"));
    ok(conf.assign_interpreter("mod", "i3", "en"));
    staffed_at = now_ms();
  }
  UnixMillis staffed_at = 0;
};

TEST_F(InterpretationTest, FloorLanguageFollowsTheSpeakerElseTheItem) {
  go_live();
  join("mp1", Role::speaker);
  join("mp2", Role::speaker);
  ok(conf.add_item("org", AgendaItem{.id = "i1", .title = "Opening", .speakers = {"mp1"},
                                     .language = "az"}));
  auto e = ok(conf.start_item("mod", "i1"));
  EXPECT_THAT(types(e), ElementsAre("agenda_item_started", "floor_language_changed", "floor_granted"));
  EXPECT_EQ(conf.floor_language(), "az");

  e = ok(conf.set_speaker_language("mp2", "mp2", "he"));
  EXPECT_THAT(types(e), ElementsAre("speaker_language_set")) << "mp2 is not on the floor";
  e = ok(conf.grant_floor("mod", "mp2"));
  EXPECT_THAT(types(e), ElementsAre("floor_released", "floor_granted", "floor_language_changed"));
  auto changed = all_of_type<FloorLanguageChanged>(e).at(0);
  EXPECT_EQ(changed.language, "he");
  EXPECT_EQ(changed.speaker, "mp2");
  EXPECT_EQ(changed.item, "i1");

  e = ok(conf.revoke_floor("mod"));
  EXPECT_EQ(all_of_type<FloorLanguageChanged>(e).at(0).language, "az") << "back to the item's";
  e = ok(conf.end_item("mod"));
  EXPECT_EQ(all_of_type<FloorLanguageChanged>(e).at(0).language, "");

  refused(conf.set_speaker_language("mp1", "mp2", "ru"), "manage_interpretation");
  refused(conf.set_speaker_language("mp1", "mp1", "fr"), "not a language");
  ok(conf.set_speaker_language("mod", "mp1", "ru"));
  ok(conf.set_speaker_language("mp1", "mp1", ""));
  refused(conf.set_speaker_language("mp1", "mp1", ""), "already");
  join("att", Role::attendee);
  refused(conf.set_speaker_language("att", "att", "en"), "does not speak on the floor");
}

TEST_F(InterpretationTest, AssigningStaffsTheBoothAndTheFirstPresentGoesLive) {
  staffed();
  const Booth* ru = conf.booth("ru");
  ASSERT_NE(ru, nullptr);
  EXPECT_EQ(ru->live, "i1");
  EXPECT_THAT(ru->interpreters.at(0).sources, ElementsAre("en", "he"));
  EXPECT_EQ(ru->interpreters.size(), 2u);
  EXPECT_EQ(conf.booth("en")->live, "i3");

  refused(conf.assign_interpreter("mp1", "i1", "en"), "may not manage_interpretation");
  refused(conf.assign_interpreter("i1", "i2", "en"), "may not manage_interpretation");
  refused(conf.assign_interpreter("mod", "mp1", "en"), "make them an interpreter first");
  refused(conf.assign_interpreter("mod", "i1", "fr"), "not a language");
  refused(conf.assign_interpreter("mod", "i1", "ru", {"ru"}), "own source");
  refused(conf.assign_interpreter("mod", "i1", "ru", {"he", "en"}), "already");

  // Moving the live interpreter of ru to en leaves ru to i2 only after a handover.
  auto e = ok(conf.assign_interpreter("mod", "i1", "en"));
  EXPECT_THAT(types(e), ElementsAre("booth_live_changed", "interpreter_unassigned",
                                    "interpreter_assigned"));
  EXPECT_EQ(conf.booth("ru")->live, "");
  EXPECT_EQ(conf.booth("en")->live, "i3");
  EXPECT_EQ(conf.booth_of("i1")->language, "en");

  // Taking the role away takes the booth away.
  e = ok(conf.change_role("org", "i2", Role::attendee));
  EXPECT_THAT(types(e), ElementsAre("role_changed", "interpreter_unassigned"));
  EXPECT_EQ(conf.booth("ru"), nullptr) << "an empty booth is gone";
  refused(conf.unassign_interpreter("mod", "i2"), "not in a booth");
  ok(conf.unassign_interpreter("mod", "i1"));
}

TEST_F(InterpretationTest, HandoverByConfirmation) {
  staffed();
  refused(conf.confirm_handover("i1"), "no handover");
  auto e = ok(conf.request_handover("i1", std::nullopt));  // the only boothmate: i2
  auto req = all_of_type<HandoverRequested>(e).at(0);
  EXPECT_EQ(req.from, "i1");
  EXPECT_EQ(req.to, "i2");
  EXPECT_EQ(req.due_at, now_ms() + kHandoverCountdownMs);
  refused(conf.request_handover("i2", std::nullopt), "already under way");
  refused(conf.confirm_handover("i3"), "no handover");
  EXPECT_EQ(conf.booth("ru")->live, "i1") << "nothing changes before the confirmation";

  advance_ms(1'500);
  e = ok(conf.confirm_handover("i2"));
  auto live = all_of_type<BoothLiveChanged>(e).at(0);
  EXPECT_EQ(live.from, "i1");
  EXPECT_EQ(live.to, "i2");
  EXPECT_EQ(live.reason, "handover");
  EXPECT_EQ(conf.booth("ru")->live, "i2");
  EXPECT_EQ(conf.booth("ru")->handover, std::nullopt);
  EXPECT_THAT(conf.tick(), IsEmpty()) << "a completed handover does not fire again";
}

TEST_F(InterpretationTest, HandoverCompletesAfterTheCountdown) {
  staffed();
  // The standby asks to take over; the live one does not answer.
  ok(conf.request_handover("i2", std::nullopt));
  advance_ms(kHandoverCountdownMs - 250);
  EXPECT_THAT(conf.tick(), IsEmpty());
  EXPECT_EQ(conf.booth("ru")->live, "i1");
  advance_ms(250);
  auto e = conf.tick();
  EXPECT_THAT(types(e), ElementsAre("booth_live_changed"));
  EXPECT_EQ(all_of_type<BoothLiveChanged>(e).at(0).reason, "countdown");
  EXPECT_EQ(conf.booth("ru")->live, "i2");
}

TEST_F(InterpretationTest, HandoverCancelledByAPartyAHostOrALeave) {
  staffed();
  ok(conf.request_handover("i1", "i2"));
  refused(conf.cancel_handover("i3", std::nullopt), "no handover");
  refused(conf.cancel_handover("att", "ru"), "may not interpret");
  ok(conf.cancel_handover("i2", std::nullopt));
  advance_ms(kHandoverCountdownMs);
  EXPECT_THAT(conf.tick(), IsEmpty());
  EXPECT_EQ(conf.booth("ru")->live, "i1");

  ok(conf.request_handover("i1", "i2"));
  ok(conf.cancel_handover("mod", "ru"));
  ok(conf.request_handover("i1", "i2"));
  auto e = ok(conf.leave("i2"));
  EXPECT_THAT(types(e), ElementsAre("handover_cancelled", "participant_left"));
  refused(conf.request_handover("i1", std::nullopt), "nobody else");
  refused(conf.request_handover("i1", "i3"), "not present in the ru booth");
  refused(conf.request_handover("i1", "i1"), "live already");
}

TEST_F(InterpretationTest, TheLiveInterpreterLeavingLeavesTheBoothSilentUntilSomeoneTakesOver) {
  staffed();
  advance_ms(60'000);
  auto e = ok(conf.leave("i1"));
  auto gone = all_of_type<BoothLiveChanged>(e).at(0);
  EXPECT_EQ(gone.to, "");
  EXPECT_EQ(gone.reason, "left");
  EXPECT_EQ(gone.from_since, staffed_at) << "the stint began at the assignment";
  EXPECT_EQ(conf.interpretation_media().live.at("ru"), "");
  refused(conf.request_handover("i2", "i1"), "only the live interpreter");
  e = ok(conf.request_handover("i2", std::nullopt));
  EXPECT_EQ(all_of_type<BoothLiveChanged>(e).at(0).reason, "took_over");
  EXPECT_EQ(conf.booth("ru")->live, "i2");
  // Rejoining, i1 is standby in the same booth.
  ok(conf.join(JoinRequest{.id = "i1", .name = "I1", .role = Role::interpreter}));
  EXPECT_EQ(conf.booth_of("i1")->language, "ru");
  EXPECT_EQ(conf.booth("ru")->live, "i2");
}

TEST_F(InterpretationTest, MutingABooth) {
  staffed();
  EXPECT_TRUE(conf.may_send_media("i1", MediaKind::audio));
  EXPECT_TRUE(conf.may_send_media("i2", MediaKind::audio)) << "standby feeds too, for a clean switch";
  EXPECT_FALSE(conf.may_send_media("i1", MediaKind::video));
  auto e = ok(conf.mute_booth("i2", std::nullopt, true));
  EXPECT_EQ(all_of_type<BoothMuteChanged>(e).at(0).language, "ru");
  EXPECT_FALSE(conf.may_send_media("i1", MediaKind::audio));
  EXPECT_EQ(conf.interpretation_media().live.at("ru"), "") << "a muted booth feeds nobody";
  refused(conf.mute_booth("i2", std::nullopt, true), "already muted");
  refused(conf.mute_booth("i3", "ru", false), "only your own booth");
  refused(conf.mute_booth("att", "ru", false), "may not");
  refused(conf.mute_booth("mod", std::nullopt, false), "name the booth");
  ok(conf.mute_booth("mod", "ru", false));
  EXPECT_EQ(conf.interpretation_media().live.at("ru"), "i1");
  join("i4", Role::interpreter);
  EXPECT_FALSE(conf.may_send_media("i4", MediaKind::audio)) << "not in a booth";
}

TEST_F(InterpretationTest, RelayAndListening) {
  staffed();
  auto e = ok(conf.set_interpreter_source("i3", "ru"));
  EXPECT_EQ(all_of_type<InterpreterSourceChanged>(e).at(0).source, "ru");
  refused(conf.set_interpreter_source("i3", "ru"), "already");
  refused(conf.set_interpreter_source("i1", "ru"), "not your own");
  refused(conf.set_interpreter_source("i1", "xx"), "not a language");
  refused(conf.set_interpreter_source("att", "ru"), "may not interpret");
  ok(conf.set_interpreter_source("i3", "floor"));
  EXPECT_THAT(conf.interpretation().interpreter_sources, IsEmpty());

  e = ok(conf.choose_listening("att", "ru", 0.3));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].audience, Audience::hosts_and_subject);
  EXPECT_EQ(conf.interpretation().listening.at("att").channel, "ru");
  EXPECT_DOUBLE_EQ(conf.interpretation().listening.at("att").floor_level, 0.3);
  ok(conf.choose_listening("att", "en", std::nullopt));
  EXPECT_DOUBLE_EQ(conf.interpretation().listening.at("att").floor_level, 0.3) << "level kept";
  refused(conf.choose_listening("att", "fr", std::nullopt), "not a language");
  refused(conf.choose_listening("att", "ru", 1.5), "between 0 and 1");
  refused(conf.choose_listening("att", "ru", -0.1), "between 0 and 1");
  refused(conf.choose_listening("nobody", "ru", 0.2), "unknown");
}

TEST_F(InterpretationTest, SlowerPleaseGoesToTheHosts) {
  staffed();
  ok(conf.grant_floor("mod", "mp1"));
  auto e = ok(conf.ask_slower("i1"));
  auto ask = all_of_type<SlowerPleaseAsked>(e).at(0);
  EXPECT_EQ(ask.language, "ru");
  EXPECT_EQ(ask.speaker, "mp1");
  EXPECT_EQ(e[0].audience, Audience::hosts_and_subject);
  EXPECT_EQ(e[0].subject, "i1");
  refused(conf.ask_slower("mp2"), "may not interpret");
  join("i4", Role::interpreter);
  refused(conf.ask_slower("i4"), "not in a booth");
}

TEST_F(InterpretationTest, InterpretersNeverHoldTheFloor) {
  staffed();
  refused(conf.grant_floor("mod", "i1"), "may not hold the floor");
  refused(conf.raise_hand("i1"), "may not raise_hand");
  // A speaker made interpreter loses the floor.
  ok(conf.grant_floor("mod", "mp1"));
  auto e = ok(conf.change_role("mod", "mp1", Role::interpreter));
  EXPECT_EQ(conf.stage(), std::nullopt);
  EXPECT_TRUE(conf.interpretation_media().interpreters.count("mp1"));
}

// Only the live interpreter of a booth feeds its channel: an attendee cannot get into a
// booth or its feed, and an interpreter of one booth cannot feed (or take over) another.
TEST_F(InterpretationTest, NobodyFeedsABoothTheyAreNotLiveIn) {
  staffed();
  auto plan = [&] { return conf.interpretation_media().live; };
  const std::map<std::string, ParticipantId> staffed_plan = {
      {"az", ""}, {"en", "i3"}, {"he", ""}, {"ru", "i1"}};
  ASSERT_EQ(plan(), staffed_plan);

  // The attendee: no booth, no handover, no feed; nothing changes.
  refused(conf.assign_interpreter("att", "att", "ru"), "may not manage_interpretation");
  refused(conf.assign_interpreter("mod", "att", "ru"), "make them an interpreter first");
  refused(conf.request_handover("att", std::nullopt), "may not interpret");
  refused(conf.request_handover("att", "att"), "may not interpret");
  refused(conf.confirm_handover("att"), "may not interpret");
  EXPECT_FALSE(conf.may_send_media("att", MediaKind::audio));
  EXPECT_FALSE(conf.interpretation_media().interpreters.count("att"));

  // i3 (English booth) cannot take over, or be handed, the Russian booth.
  refused(conf.request_handover("i1", "i3"), "i3 is not present in the ru booth");
  refused(conf.request_handover("i3", "i1"), "i1 is not present in the en booth");
  refused(conf.request_handover("i3", std::nullopt), "nobody else is in the en booth");
  refused(conf.confirm_handover("i3"), "no handover");
  EXPECT_EQ(plan(), staffed_plan) << "nothing was refused into a feed";

  // Moved to the Russian booth, i3 stops feeding English and is standby in Russian.
  ok(conf.assign_interpreter("mod", "i3", "ru"));
  const std::map<std::string, ParticipantId> moved_plan = {
      {"az", ""}, {"en", ""}, {"he", ""}, {"ru", "i1"}};
  EXPECT_EQ(plan(), moved_plan) << "English has nobody live once its only interpreter moved";
}

TEST_F(InterpretationTest, TheRecordCreditsEachStint) {
  staffed();
  advance_ms(600'000);
  ok(conf.request_handover("i1", "i2"));
  ok(conf.confirm_handover("i1"));
  advance_ms(300'000);
  ok(conf.end("mod"));
  std::vector<BoothLiveChanged> ru;
  for (const auto& e : conf.timeline()) {
    if (auto* b = get_if<BoothLiveChanged>(e); b && b->language == "ru") ru.push_back(*b);
  }
  ASSERT_EQ(ru.size(), 3u);
  EXPECT_EQ(ru[0].to, "i1");
  EXPECT_EQ(ru[1].from, "i1");
  EXPECT_EQ(ru[1].from_since, staffed_at);
  EXPECT_EQ(ru[2].from, "i2");
  EXPECT_EQ(ru[2].from_since, staffed_at + 600'000);
  EXPECT_EQ(ru[2].to, "");
  EXPECT_EQ(ru[2].reason, "ended");
  bool assigned_recorded = false;
  for (const auto& e : conf.timeline()) assigned_recorded |= get_if<InterpreterAssigned>(e) != nullptr;
  EXPECT_TRUE(assigned_recorded);
  EXPECT_FALSE(conf.may_send_media("i2", MediaKind::audio)) << "ended";
}

TEST_F(InterpretationTest, MediaPlanAndSnapshot) {
  staffed();
  ok(conf.set_speaker_language("mp1", "mp1", "he"));
  ok(conf.grant_floor("mod", "mp1"));
  ok(conf.request_handover("i1", "i2"));
  ok(conf.choose_listening("att", "ru", 0.1));
  auto plan = conf.interpretation_media();
  EXPECT_EQ(plan.floor_language, "he");
  EXPECT_EQ(plan.live.at("ru"), "i1");
  EXPECT_EQ(plan.live.at("en"), "i3");
  EXPECT_EQ(plan.live.at("az"), "") << "every language has a channel";
  EXPECT_EQ(plan.interpreters, (std::set<std::string>{"i1", "i2", "i3"}));

  auto restored = Conference::from_json(conf.to_json(), WallClock{clock, kEpoch});
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(restored->interpretation_media(), plan);
  EXPECT_EQ(restored->booth("ru")->handover->to, "i2");
  advance_ms(kHandoverCountdownMs);
  EXPECT_THAT(types(restored->tick()), ElementsAre("booth_live_changed")) << "the countdown survives";

  auto damaged = conf.to_json();
  damaged["interpretation"]["booths"][0]["live"] = "ghost";
  EXPECT_FALSE(Conference::from_json(damaged, WallClock{clock, kEpoch}).ok());
  auto old = conf.to_json();
  old.erase("interpretation");
  auto before = Conference::from_json(old, WallClock{clock, kEpoch});
  ASSERT_TRUE(before.ok()) << "a snapshot from before interpretation still loads";
  EXPECT_EQ(before->booth("ru"), nullptr);
}

TEST_F(InterpretationTest, EventsRoundTripThroughJson) {
  staffed();
  ok(conf.request_handover("i1", "i2"));
  ok(conf.confirm_handover("i2"));
  for (const auto& e : conf.timeline()) {
    auto back = event_from_json(to_json(e));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(to_json(*back), to_json(e));
  }
}

}  // namespace
}  // namespace podium::conference
