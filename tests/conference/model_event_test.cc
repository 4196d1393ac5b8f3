// The event Podium was made for, start to finish, checked through its timeline.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;

TEST_F(ConferenceTest, StrategicPartnershipFromScheduleToClose) {
  // The organizer prepares: settings, agenda, then the panel arrives for a green room.
  join("org", Role::organizer);
  ok(conf.change_settings("org", Settings{.lobby = true,
                                          .chat = ChatMode::everyone,
                                          .qa = true,
                                          .mute_at_time_up = true,
                                          .recording = true}));
  ok(conf.add_item("org", AgendaItem{.id = "opening",
                                     .title = "Opening",
                                     .speakers = {"mod"},
                                     .planned_ms = 5 * 60'000,
                                     .language = "en"}));
  ok(conf.add_item("org", AgendaItem{.id = "mps",
                                     .title = "Members of both parliaments",
                                     .speakers = {"mp-az", "mp-il"},
                                     .planned_ms = 10 * 60'000,
                                     .language = "az"}));
  ok(conf.add_item("org", AgendaItem{.id = "experts",
                                     .title = "Experts",
                                     .speakers = {"expert"},
                                     .planned_ms = 8 * 60'000,
                                     .language = "ru"}));
  join("mod", Role::moderator);
  join("mp-az", Role::speaker);
  join("mp-il", Role::speaker);
  join("expert", Role::speaker);
  join("int-he", Role::interpreter);
  EXPECT_TRUE(conf.may_send_media("expert", MediaKind::video)) << "green room";

  // Registration opens; attendees and press wait in the lobby until admitted.
  ok(conf.open("mod"));
  for (int i = 0; i < 300; ++i) join("att-" + std::to_string(i), Role::attendee);
  join("press-1", Role::press);
  EXPECT_EQ(conf.participant("att-7")->presence, Presence::waiting);
  ok(conf.admit_all("mod"));
  EXPECT_EQ(conf.participant("att-7")->presence, Presence::present);

  // The session.
  advance_ms(60'000);
  ok(conf.go_live("mod"));
  EXPECT_EQ(all_of_type<FloorGranted>(ok(conf.start_item("mod", "opening"))).at(0).participant,
            "mod");
  advance_ms(4 * 60'000);
  EXPECT_THAT(types(conf.tick()), ElementsAre("floor_one_minute_left"));
  advance_ms(50'000);
  ok(conf.start_item("mod", "mps"));  // ends the opening
  EXPECT_EQ(conf.stage(), "mp-az");
  advance_ms(5 * 60'000);
  ok(conf.grant_floor("mod", "mp-il", 5 * 60'000));  // second speaker of the same item
  EXPECT_FALSE(conf.may_send_media("mp-az", MediaKind::audio));
  ok(conf.raise_hand("att-42", "Energy corridor"));
  ok(conf.ask_question("press-1", "When will the agreement be signed?"));
  ok(conf.upvote_question("att-1", 1));
  advance_ms(5 * 60'000);
  EXPECT_THAT(types(conf.tick()),
              ElementsAre("floor_one_minute_left", "floor_time_up", "participant_muted"));
  ok(conf.extend_floor("mod", 30'000));
  advance_ms(30'000);
  ok(conf.yield_floor("mp-il"));
  ok(conf.end_item("mod"));

  ok(conf.grant_hand("mod", "att-42", 2 * 60'000));
  advance_ms(90'000);
  ok(conf.change_role("mod", "att-42", Role::attendee));
  ok(conf.pick_question("mod", 1, /*promote_author=*/true, 60'000));
  advance_ms(45'000);
  ok(conf.yield_floor("press-1"));
  ok(conf.answer_question("mod", 1));

  ok(conf.start_item("mod", "experts"));
  advance_ms(8 * 60'000);
  conf.tick();
  ok(conf.end("mod"));

  // The record: what the press will read, in order, with times.
  std::vector<std::string> record;
  std::uint64_t last_seq = 0;
  UnixMillis last_at = 0;
  for (const Event& e : conf.timeline()) {
    EXPECT_GT(e.seq, last_seq);
    EXPECT_GE(e.at, last_at);
    last_seq = e.seq;
    last_at = e.at;
    // Who came in, and the floor language (interpretation_test.cc checks it), aside.
    if (get_if<ParticipantJoined>(e) || get_if<ParticipantAdmitted>(e) ||
        get_if<FloorLanguageChanged>(e)) {
      continue;
    }
    std::string line(type_name(e.body));
    if (auto* g = get_if<FloorGranted>(e)) line += " " + g->participant;
    if (auto* r = get_if<FloorReleased>(e)) line += " " + r->participant + " " + r->reason;
    if (auto* s = get_if<AgendaItemStarted>(e)) line += " " + s->item;
    if (auto* s = get_if<ConferenceStateChanged>(e)) line += " " + std::string(to_string(s->to));
    if (auto* r = get_if<RoleChanged>(e))
      line += " " + r->participant + " " + std::string(to_string(r->to));
    record.push_back(line);
  }
  EXPECT_THAT(
      record,
      ElementsAre(
          "settings_changed", "conference_state_changed open", "conference_state_changed live",
          "recording_started", "agenda_item_started opening", "floor_granted mod", "agenda_item_ended",
          "floor_released mod item_ended", "agenda_item_started mps", "floor_granted mp-az",
          "floor_released mp-az replaced", "floor_granted mp-il", "question_asked", "floor_time_up",
          "participant_muted", "participant_unmuted", "floor_released mp-il yielded",
          "agenda_item_ended", "role_changed att-42 speaker", "floor_granted att-42",
          "role_changed att-42 attendee", "floor_released att-42 role_changed",
          "question_status_changed", "role_changed press-1 speaker", "floor_granted press-1",
          "floor_released press-1 yielded", "question_status_changed",
          "agenda_item_started experts", "floor_granted expert", "floor_time_up",
          "participant_muted", "agenda_item_ended", "floor_released expert item_ended",
          "participant_unmuted", "recording_stopped", "conference_state_changed ended"));

  // Speaking times are in the record.
  std::int64_t mp_il_ms = 0;
  for (const Event& e : conf.timeline()) {
    if (auto* r = get_if<FloorReleased>(e); r && r->participant == "mp-il") mp_il_ms = r->held_ms;
  }
  EXPECT_EQ(mp_il_ms, 5 * 60'000 + 30'000);
  const auto joined = std::count_if(conf.timeline().begin(), conf.timeline().end(),
                                    [](const Event& e) { return get_if<ParticipantJoined>(e); });
  EXPECT_EQ(joined, 6 + 301);
}

}  // namespace
}  // namespace podium::conference
