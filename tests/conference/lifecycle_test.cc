// Conference states, joining, the lobby, roles, and who may issue which command.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;

TEST_F(ConferenceTest, StatesGoScheduledOpenLiveEnded) {
  join("mod", Role::moderator);
  EXPECT_EQ(conf.state(), ConferenceState::scheduled);
  refused(conf.go_live("mod"), "only an open conference");
  refused(conf.end("mod"), "cannot end");
  auto e = ok(conf.open("mod"));
  ASSERT_EQ(e.size(), 1u);
  auto changed = all_of_type<ConferenceStateChanged>(e).at(0);
  EXPECT_EQ(changed.from, ConferenceState::scheduled);
  EXPECT_EQ(changed.to, ConferenceState::open);
  EXPECT_EQ(changed.by, "mod");
  refused(conf.open("mod"), "cannot open");
  ok(conf.go_live("mod"));
  EXPECT_EQ(conf.state(), ConferenceState::live);
  refused(conf.go_live("mod"));
  ok(conf.end("mod"));
  EXPECT_EQ(conf.state(), ConferenceState::ended);
  refused(conf.open("mod"));
  refused(conf.end("mod"));
  refused(conf.join(JoinRequest{.id = "late", .name = "Late", .role = Role::attendee}), "ended");
}

TEST_F(ConferenceTest, OpenConferenceCanEndWithoutGoingLive) {
  open_with_hosts();
  ok(conf.end("org"));
  EXPECT_EQ(conf.state(), ConferenceState::ended);
}

TEST_F(ConferenceTest, UnknownParticipantIsRefusedEverywhere) {
  go_live();
  refused(conf.open("ghost"), "unknown participant");
  refused(conf.grant_floor("ghost", "mod"), "unknown participant");
  refused(conf.raise_hand("ghost"), "unknown participant");
  refused(conf.send_chat("ghost", "hi"), "unknown participant");
  refused(conf.grant_floor("mod", "ghost"), "unknown participant");
  refused(conf.leave("ghost"), "unknown participant");
  EXPECT_FALSE(conf.may_send_media("ghost", MediaKind::audio));
  EXPECT_TRUE(conf.visible_queue("ghost").empty());
}

TEST_F(ConferenceTest, AttendeeMayNotRunTheConference) {
  go_live();
  join("spk", Role::speaker);
  join("att", Role::attendee);
  const auto before = conf.to_json();
  refused(conf.end("att"), "attendee may not manage_conference");
  refused(conf.change_settings("att", Settings{}), "manage_conference");
  refused(conf.grant_floor("att", "spk"), "attendee may not control_floor");
  refused(conf.grant_floor("spk", "spk"), "speaker may not control_floor");
  refused(conf.add_item("att", AgendaItem{.id = "x", .title = "X"}), "edit_agenda");
  refused(conf.start_item("att", "x"), "run_agenda");
  refused(conf.change_role("att", "spk", Role::attendee), "change_role");
  refused(conf.mute("att", "spk", MediaKind::audio), "mute_others");
  refused(conf.admit_all("att"), "manage_lobby");
  refused(conf.delete_chat("att", 1), "moderate_chat");
  refused(conf.answer_question("att", 1), "moderate_questions");
  refused(conf.move_hand("att", "att", 0), "manage_queue");
  refused(conf.extend_floor("spk", 1000), "control_floor");
  EXPECT_EQ(conf.to_json(), before) << "a refusal changed the state";
}

TEST_F(ConferenceTest, OnlyThePanelJoinsBeforeOpening) {
  join("org", Role::organizer);
  join("spk", Role::speaker);
  join("int", Role::interpreter);
  refused(conf.join(JoinRequest{.id = "att", .name = "A", .role = Role::attendee}), "not open yet");
  refused(conf.join(JoinRequest{.id = "press", .name = "P", .role = Role::press}), "not open yet");
  ok(conf.open("org"));
  join("att", Role::attendee);
}

TEST_F(ConferenceTest, JoinLeaveRejoin) {
  open_with_hosts();
  auto e = ok(conf.join(JoinRequest{
      .id = "mp1", .name = "Leyla", .role = Role::speaker, .organization = "Milli Majlis"}));
  auto joined = all_of_type<ParticipantJoined>(e).at(0);
  EXPECT_EQ(joined.participant, "mp1");
  EXPECT_EQ(joined.organization, "Milli Majlis");
  EXPECT_EQ(conf.participant("mp1")->joined_at, now_ms());
  refused(conf.join(JoinRequest{.id = "mp1", .name = "Leyla", .role = Role::speaker}),
          "already joined");
  advance_ms(5000);
  EXPECT_THAT(types(ok(conf.leave("mp1"))), ElementsAre("participant_left"));
  EXPECT_EQ(conf.participant("mp1")->left_at, now_ms());
  refused(conf.leave("mp1"), "not in the conference");
  refused(conf.raise_hand("mp1"), "has left");
  join("mp1", Role::speaker);
  EXPECT_EQ(conf.participant("mp1")->presence, Presence::present);
}

TEST_F(ConferenceTest, JoinNeedsIdAndName) {
  open_with_hosts();
  refused(conf.join(JoinRequest{.id = "", .name = "x"}), "id");
  refused(conf.join(JoinRequest{.id = "x", .name = ""}), "name");
  refused(conf.join(JoinRequest{.id = "x", .name = std::string(500, 'n')}), "too long");
  EXPECT_EQ(conf.participant("x"), nullptr);
}

TEST_F(ConferenceTest, RejoinKeepsTheRoleTheConferenceGave) {
  open_with_hosts();
  join("spk", Role::speaker);
  ok(conf.change_role("mod", "spk", Role::attendee));
  ok(conf.leave("spk"));
  join("spk", Role::speaker);
  EXPECT_EQ(conf.participant("spk")->role, Role::attendee);
}

TEST_F(ConferenceTest, RoleChangesEmitEventsAndFollowHostRules) {
  go_live();
  join("att", Role::attendee);
  join("spk", Role::speaker);
  auto e = ok(conf.change_role("mod", "att", Role::speaker));
  auto rc = all_of_type<RoleChanged>(e).at(0);
  EXPECT_EQ(rc.from, Role::attendee);
  EXPECT_EQ(rc.to, Role::speaker);
  EXPECT_EQ(rc.by, "mod");
  refused(conf.change_role("mod", "att", Role::speaker), "already");
  refused(conf.change_role("mod", "att", Role::moderator), "only an organizer");
  refused(conf.change_role("mod", "org", Role::attendee), "only an organizer");
  refused(conf.change_role("mod", "mod", Role::speaker), "your own role");
  ok(conf.change_role("org", "att", Role::moderator));
  EXPECT_EQ(conf.participant("att")->role, Role::moderator);
  // Demoting the floor holder takes the floor back.
  ok(conf.grant_floor("mod", "spk", 60'000));
  e = ok(conf.change_role("mod", "spk", Role::attendee));
  EXPECT_THAT(types(e), ElementsAre("role_changed", "floor_released"));
  EXPECT_EQ(all_of_type<FloorReleased>(e).at(0).reason, "role_changed");
  EXPECT_FALSE(conf.stage());
}

TEST_F(ConferenceTest, TheOrganizerThroughRestChangesAnyRole) {
  go_live();
  join("att", Role::attendee);
  // An empty actor: the organizer authenticated by the REST API, with the organizer's rights.
  auto e = ok(conf.change_role({}, "att", Role::moderator));
  EXPECT_EQ(all_of_type<RoleChanged>(e).at(0).by, "");
  ok(conf.change_role({}, "mod", Role::speaker));
  EXPECT_EQ(conf.participant("mod")->role, Role::speaker);
  refused(conf.change_role({}, "nobody", Role::speaker), "unknown participant");
  refused(conf.change_role({}, "att", Role::moderator), "already");
  ok(conf.end("org"));
  refused(conf.change_role({}, "att", Role::attendee), "ended");
}

class LobbyTest : public ConferenceTest {
 protected:
  LobbyTest() : ConferenceTest(Settings{.lobby = true}) {}
};

TEST_F(LobbyTest, AttendeesWaitPanelSkips) {
  open_with_hosts();  // hosts skip the lobby
  join("spk", Role::speaker);
  EXPECT_EQ(conf.participant("spk")->presence, Presence::present);
  auto e = join("att", Role::attendee);
  EXPECT_THAT(types(e), ElementsAre("participant_waiting"));
  EXPECT_EQ(e[0].audience, Audience::hosts_and_subject);
  EXPECT_EQ(conf.participant("att")->presence, Presence::waiting);
  EXPECT_FALSE(conf.may_send_media("att", MediaKind::audio));
  refused(conf.send_chat("att", "hello"), "lobby");
  refused(conf.admit("spk", "att"), "manage_lobby");
  e = ok(conf.admit("mod", "att"));
  EXPECT_THAT(types(e), ElementsAre("participant_admitted", "participant_joined"));
  EXPECT_EQ(conf.participant("att")->presence, Presence::present);
  refused(conf.admit("mod", "att"), "not waiting");
}

TEST_F(LobbyTest, RejectAndAdmitAll) {
  open_with_hosts();
  join("a1", Role::attendee);
  join("a2", Role::attendee);
  join("p1", Role::press);
  auto e = ok(conf.reject("mod", "a2"));
  EXPECT_THAT(types(e), ElementsAre("participant_rejected"));
  refused(conf.join(JoinRequest{.id = "a2", .name = "again", .role = Role::attendee}),
          "not admitted");
  e = ok(conf.admit_all("mod"));
  EXPECT_EQ(all_of_type<ParticipantAdmitted>(e).size(), 2u);
  EXPECT_EQ(conf.participant("a1")->presence, Presence::present);
  EXPECT_EQ(conf.participant("p1")->presence, Presence::present);
  EXPECT_EQ(conf.participant("a2")->presence, Presence::rejected);
}

TEST_F(LobbyTest, SkipRolesAreConfigurable) {
  open_with_hosts();
  Settings s = conf.settings();
  s.lobby_skip = {Role::organizer, Role::moderator, Role::press};
  ok(conf.change_settings("org", s));
  join("p1", Role::press);
  join("spk", Role::speaker);
  EXPECT_EQ(conf.participant("p1")->presence, Presence::present);
  EXPECT_EQ(conf.participant("spk")->presence, Presence::waiting);
  // Leaving the lobby is allowed and ends the wait.
  ok(conf.leave("spk"));
  refused(conf.admit("mod", "spk"), "not waiting");
}

TEST_F(ConferenceTest, MuteAndAskToUnmute) {
  go_live();
  join("spk", Role::speaker);
  ok(conf.grant_floor("mod", "spk"));
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::audio));
  auto e = ok(conf.mute("mod", "spk", MediaKind::audio));
  EXPECT_EQ(all_of_type<ParticipantMuted>(e).at(0).by, "mod");
  EXPECT_FALSE(conf.may_send_media("spk", MediaKind::audio));
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::video));
  refused(conf.mute("mod", "spk", MediaKind::audio), "already muted");
  refused(conf.accept_unmute("spk", MediaKind::audio), "no request");
  refused(conf.ask_to_unmute("mod", "spk", MediaKind::video), "not muted");
  e = ok(conf.ask_to_unmute("mod", "spk", MediaKind::audio));
  EXPECT_EQ(e[0].audience, Audience::hosts_and_subject);
  EXPECT_EQ(e[0].subject, "spk");
  EXPECT_FALSE(conf.may_send_media("spk", MediaKind::audio)) << "asking is not unmuting";
  EXPECT_THAT(types(ok(conf.accept_unmute("spk", MediaKind::audio))),
              ElementsAre("participant_unmuted"));
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::audio));
}

TEST_F(ConferenceTest, MediaPermissionFollowsStateRoleAndFloor) {
  join("org", Role::organizer);
  join("mod", Role::moderator);
  join("spk", Role::speaker);
  join("int", Role::interpreter);
  // Green room: the panel may check their camera and microphone.
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::video));
  EXPECT_TRUE(conf.may_send_media("mod", MediaKind::audio));
  EXPECT_FALSE(conf.may_send_media("int", MediaKind::video));
  ok(conf.open("mod"));
  join("att", Role::attendee);
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::audio));
  EXPECT_FALSE(conf.may_send_media("att", MediaKind::audio));
  ok(conf.go_live("mod"));
  EXPECT_FALSE(conf.may_send_media("spk", MediaKind::audio)) << "live: only with the floor";
  EXPECT_TRUE(conf.may_send_media("mod", MediaKind::audio));
  EXPECT_TRUE(conf.may_send_media("org", MediaKind::video));
  ok(conf.grant_floor("mod", "spk"));
  EXPECT_EQ(conf.stage(), "spk");
  EXPECT_TRUE(conf.may_send_media("spk", MediaKind::audio));
  ok(conf.yield_floor("spk"));
  EXPECT_FALSE(conf.may_send_media("spk", MediaKind::audio));
  ok(conf.end("mod"));
  EXPECT_FALSE(conf.may_send_media("mod", MediaKind::audio));
}

}  // namespace
}  // namespace podium::conference
