// The record of the model event: agenda as it happened, every speech with its language,
// interpreters and playback link, the Q&A, and only the public part of who was there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "record/record_html.h"
#include "record_fixture.h"

namespace podium::record {
namespace {

using ::testing::ElementsAre;

std::int64_t at_minute(double m) { return kEpoch + static_cast<std::int64_t>(m * kMinute); }

class ConferenceRecordTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(event.run()); }
  ModelEvent event;
};

TEST_F(ConferenceRecordTest, AgendaPlannedAgainstActual) {
  auto record = build_record(event.source());
  ASSERT_EQ(record.agenda.size(), 3u);
  const auto& opening = record.agenda[0];
  EXPECT_EQ(opening.id, "opening");
  EXPECT_EQ(opening.planned_start, at_minute(10));
  EXPECT_EQ(opening.planned_ms, 10 * kMinute);
  EXPECT_EQ(opening.started_at, at_minute(10));
  EXPECT_EQ(opening.ended_at, at_minute(19));
  EXPECT_EQ(opening.actual_ms, 9 * kMinute);
  EXPECT_EQ(opening.status, "done");
  EXPECT_THAT(opening.planned_speakers, ElementsAre("Maya Moderator", "Aysel Mammadova"));
  EXPECT_EQ(record.agenda[1].planned_start, at_minute(20));
  EXPECT_EQ(record.agenda[1].actual_ms, 19 * kMinute);
  EXPECT_EQ(record.agenda[2].planned_start, at_minute(40));
  EXPECT_EQ(record.agenda[2].started_at, at_minute(39));
  EXPECT_EQ(record.agenda[2].actual_ms, 9 * kMinute);
  EXPECT_EQ(record.live_at, at_minute(10));
  EXPECT_EQ(record.ended_at, at_minute(49));
  EXPECT_EQ(record.state, "ended");
}

TEST_F(ConferenceRecordTest, EverySpeechInOrderWithItsLanguageAndTimes) {
  auto record = build_record(event.source());
  std::vector<std::string> lines;
  for (const auto& s : record.speeches) {
    lines.push_back(fmt::format("{} {} {} {} {}-{} {}", s.number, s.speaker.id, s.item.value_or("-"),
                                s.language, (s.started_at - kEpoch) / kMinute,
                                (s.ended_at.value_or(0) - kEpoch) / kMinute, s.end_reason));
  }
  EXPECT_THAT(lines, ElementsAre("1 mod opening en 10-14 replaced",
                                 "2 az-1 opening en 14-19 yielded",
                                 "3 az-1 mps az 20-29 replaced",
                                 "4 il-1 mps az 29-39 yielded",
                                 "5 ex-1 experts ru 39-45 replaced",
                                 "6 ex-2 experts ru 45-48 yielded"));
  const auto& il = record.speeches[3];
  EXPECT_EQ(il.duration_ms, 10 * kMinute);
  EXPECT_EQ(il.speaking_ms, 10 * kMinute);
  EXPECT_EQ(il.allotted_ms, 10 * kMinute);
  EXPECT_EQ(il.speaker.name, "<script>alert(1)</script>");
  EXPECT_EQ(il.speaker.organization, "Knesset");
  EXPECT_EQ(il.speaker.role, c::Role::speaker);
}

TEST_F(ConferenceRecordTest, InterpretersLivePerLanguageDuringEachSpeech) {
  auto record = build_record(event.source());
  const auto& il = record.speeches[3];  // 29-39, the handover at 32
  ASSERT_EQ(il.interpreters.size(), 2u);
  EXPECT_EQ(il.interpreters[0].language, "he");
  EXPECT_EQ(il.interpreters[0].interpreter.name, "Hana Levi");
  EXPECT_EQ(il.interpreters[0].to, at_minute(32));
  EXPECT_EQ(il.interpreters[1].interpreter.name, "Noa Cohen");
  EXPECT_EQ(il.interpreters[1].from, at_minute(32));
  ASSERT_EQ(record.speeches[0].interpreters.size(), 1u);
  EXPECT_EQ(record.speeches[0].interpreters[0].interpreter.id, "int-he-1");
  ASSERT_EQ(record.speeches[5].interpreters.size(), 1u);
  EXPECT_EQ(record.speeches[5].interpreters[0].interpreter.id, "int-he-2");
}

TEST_F(ConferenceRecordTest, WithoutBoothEventsThereAreNoInterpreters) {
  std::vector<nlohmann::json> without;
  for (const auto& e : event.timeline) {
    if (e["type"] != "booth_live_changed") without.push_back(e);
  }
  RecordSource source{.conference = event.conf, .timeline = without, .now = event.now()};
  auto record = build_record(source);
  ASSERT_EQ(record.speeches.size(), 6u);
  for (const auto& s : record.speeches) EXPECT_TRUE(s.interpreters.empty());
}

// The link seeks to the offset the record gives, to the millisecond: rounded to a tenth,
// a speech 1.05 s into the file was linked as "#t=1.1".
TEST(SeekFragmentTest, SeeksToTheMillisecond) {
  EXPECT_EQ(seek_fragment(1050), "#t=1.05");
  EXPECT_EQ(seek_fragment(1001), "#t=1.001");
  EXPECT_EQ(seek_fragment(60'000), "#t=60.0");
  EXPECT_EQ(seek_fragment(999), "#t=0.999");
  EXPECT_EQ(seek_fragment(-5), "#t=0.0");
}

TEST_F(ConferenceRecordTest, SpeechLinksSeekIntoTheProgramRecording) {
  ProgramRecording program{.id = 7,
                           .started_at = at_minute(9.5),
                           .ended_at = at_minute(50),
                           .languages = {"az", "he"},
                           .url = ""};
  auto record = build_record(event.source({program}));
  const auto& il = record.speeches[3];
  ASSERT_TRUE(il.playback);
  EXPECT_EQ(il.playback->recording, 7);
  EXPECT_DOUBLE_EQ(il.playback->offset_s, 19.5 * 60);
  EXPECT_EQ(il.playback->url, "/api/v1/recordings/7/file#t=1170.0");
  EXPECT_THAT(il.playback->languages, ElementsAre("az", "he"));
  EXPECT_TRUE(record.notes.size() == 1);  // only the chat note
  // A player picks the language by its audio stream in the file.
  auto streams = to_json(record)["speeches"][3]["playback"]["audio_streams"];
  EXPECT_EQ(streams, nlohmann::json::parse(R"([{"language":"az","audio_stream":0},
                                                {"language":"he","audio_stream":1}])"));

  // A signed link, when the server gives one, is what the speeches and the list use.
  program.url = "/api/v1/recordings/7/file?expires=99&sig=abc";
  auto signed_record = build_record(event.source({program}));
  EXPECT_EQ(signed_record.speeches[3].playback->url,
            "/api/v1/recordings/7/file?expires=99&sig=abc#t=1170.0");
  EXPECT_EQ(to_json(signed_record)["recordings"][0]["url"], program.url);

  // A speech before the recording started has no link; no lookup at all says so.
  ProgramRecording late{.id = 8, .started_at = at_minute(30), .ended_at = std::nullopt, .languages = {},
                        .url = ""};
  auto partial = build_record(event.source({late}));
  EXPECT_FALSE(partial.speeches[2].playback);
  ASSERT_TRUE(partial.speeches[4].playback);
  EXPECT_DOUBLE_EQ(partial.speeches[4].playback->offset_s, 9 * 60);
  auto unknown = build_record(event.source({program}, /*known=*/false));
  for (const auto& s : unknown.speeches) EXPECT_FALSE(s.playback);
  EXPECT_NE(nlohmann::json(unknown.notes).dump().find("recordings could not be listed"),
            std::string::npos);
}

TEST_F(ConferenceRecordTest, QuestionAnsweredByWhoHeldTheFloor) {
  auto record = build_record(event.source());
  ASSERT_EQ(record.questions.size(), 1u);
  const auto& q = record.questions[0];
  EXPECT_EQ(q.text, "When will the agreement be signed?");
  EXPECT_EQ(q.status, "answered");
  EXPECT_EQ(q.asked_at, at_minute(32));
  EXPECT_EQ(q.picked_at, at_minute(45));
  EXPECT_EQ(q.closed_at, at_minute(48));
  ASSERT_TRUE(q.closed_by);
  EXPECT_EQ(q.closed_by->name, "Maya Moderator");
  ASSERT_EQ(q.answered_by.size(), 1u);
  EXPECT_EQ(q.answered_by[0].name, "Ilya Sokolov");
  // The attendee who asked is not named; their role and organization are.
  EXPECT_FALSE(q.asked_by.name);
  EXPECT_EQ(q.asked_by.role, c::Role::attendee);
  EXPECT_EQ(q.asked_by.organization, "Citizen");
}

TEST_F(ConferenceRecordTest, ChatOnlyWhenTheOrganizerIncludesIt) {
  auto without = build_record(event.source());
  EXPECT_FALSE(without.chat_included);
  EXPECT_TRUE(without.chat.empty());
  EXPECT_TRUE(to_json(without)["chat"].is_null());

  auto source = event.source();
  source.options.include_chat = true;
  auto with = build_record(source);
  ASSERT_EQ(with.chat.size(), 1u);
  EXPECT_EQ(with.chat[0].text, "Sound is good <b>here</b>");
  EXPECT_FALSE(with.chat[0].from.name);
}

TEST_F(ConferenceRecordTest, ParticipantsByOrganizationWithoutPersonalData) {
  auto source = event.source();
  source.options.private_participants = {"ex-2"};
  auto record = build_record(source);
  std::vector<std::string> lines;
  for (const auto& g : record.participants) {
    std::string line = g.organization.value_or("(none)") + ":";
    for (const auto& p : g.people) line += " " + *p.name;
    for (const auto& [role, n] : g.unnamed_by_role) line += fmt::format(" {}x{}", n, role);
    lines.push_back(line);
  }
  EXPECT_THAT(lines, ElementsAre("Citizen: 1xattendee", "Daily News: 1xpress",
                                 "Institute & Co: Dr. Elena Petrova",
                                 "Knesset: <script>alert(1)</script>",
                                 "Milli Majlis: Aysel Mammadova",
                                 "Podium Secretariat: Olga Organizer Maya Moderator",
                                 "(none): Hana Levi Noa Cohen 1xattendee 1xspeaker"));
  // A private speaker's speech keeps its place, without the name.
  EXPECT_FALSE(record.speeches[5].speaker.name);
  auto text = to_json(record).dump();
  EXPECT_EQ(text.find("Private Attendee"), std::string::npos);
  EXPECT_EQ(text.find("Pat Press"), std::string::npos);
  EXPECT_EQ(text.find("Ilya Sokolov"), std::string::npos);
  EXPECT_EQ(text.find("email"), std::string::npos);
}

TEST_F(ConferenceRecordTest, AParticipantMarkedPrivateIsNeverNamed) {
  ModelEvent small;
  small.join("mod", "Maya Moderator", c::Role::moderator);
  small.ok(small.conf.join({.id = "sp-1", .name = "Secret Speaker", .role = c::Role::speaker,
                            .organization = "Ministry", .name_private = true}));
  small.ok(small.conf.open("mod"));
  small.ok(small.conf.go_live("mod"));
  small.ok(small.conf.grant_floor("mod", "sp-1"));
  small.advance(60'000);
  small.ok(small.conf.yield_floor("sp-1"));
  auto record = build_record(small.source());
  ASSERT_EQ(record.speeches.size(), 1u);
  EXPECT_FALSE(record.speeches[0].speaker.name);
  EXPECT_EQ(record.speeches[0].speaker.organization, "Ministry");
  EXPECT_EQ(to_json(record).dump().find("Secret Speaker"), std::string::npos);
  EXPECT_EQ(render_record_html(record).find("Secret Speaker"), std::string::npos);
}

TEST_F(ConferenceRecordTest, WhileRunningTheOpenSpeechLastsUntilNow) {
  ModelEvent live;
  live.join("mod", "Maya Moderator", c::Role::moderator);
  live.join("az-1", "Aysel Mammadova", c::Role::speaker);
  live.ok(live.conf.open("mod"));
  live.ok(live.conf.go_live("mod"));
  live.ok(live.conf.grant_floor("mod", "az-1"));
  live.advance(90'000);
  auto record = build_record(live.source());
  ASSERT_EQ(record.speeches.size(), 1u);
  EXPECT_FALSE(record.speeches[0].ended_at);
  EXPECT_EQ(record.speeches[0].duration_ms, 90'000);
  EXPECT_EQ(record.state, "live");
  EXPECT_FALSE(record.ended_at);
}

TEST_F(ConferenceRecordTest, UnknownAndDamagedEventsAreSkipped) {
  auto timeline = event.timeline;
  timeline.insert(timeline.begin() + 3, nlohmann::json{{"type", "from_the_future"}, {"at", 1}});
  timeline.insert(timeline.begin() + 4, nlohmann::json("not an event"));
  timeline.insert(timeline.begin() + 5, nlohmann::json{{"type", "floor_released"}, {"at", "x"}});
  RecordSource source{.conference = event.conf, .timeline = timeline, .now = event.now()};
  EXPECT_EQ(build_record(source).speeches.size(), 6u);
}

TEST(RecordTime, Rfc3339Utc) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(1'760'000'000'123), "2025-10-09T08:53:20.123Z");
}

}  // namespace
}  // namespace podium::record
