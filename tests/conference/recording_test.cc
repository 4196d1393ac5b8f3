// Recording on and off in the domain: who may, when, and what the timeline says.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

class RecordingTest : public ConferenceTest {};

TEST_F(RecordingTest, AModeratorStartsAndStopsItAndTheTimelineSaysWho) {
  go_live();
  auto started = ok(conf.start_recording("mod"));
  ASSERT_EQ(types(started), std::vector<std::string>{"recording_started"});
  EXPECT_EQ(all_of_type<RecordingStarted>(started)[0].by, "mod");
  EXPECT_TRUE(is_recorded(started[0].body));
  EXPECT_TRUE(conf.recording());
  refused(conf.start_recording("org"), "already");

  auto stopped = ok(conf.stop_recording("org"));
  ASSERT_EQ(types(stopped), std::vector<std::string>{"recording_stopped"});
  EXPECT_EQ(all_of_type<RecordingStopped>(stopped)[0].reason, "stopped");
  EXPECT_FALSE(conf.recording());
  refused(conf.stop_recording("mod"), "not being recorded");
}

TEST_F(RecordingTest, OnlyHostsMayAndOnlyWhileOpenOrLive) {
  join("org", Role::organizer);
  refused(conf.start_recording("org"), "open or live");  // still scheduled
  ok(conf.open("org"));
  join("sp", Role::speaker);
  join("pr", Role::press);
  refused(conf.start_recording("sp"));
  refused(conf.start_recording("pr"));
  EXPECT_FALSE(conf.recording());
  ok(conf.start_recording("org"));  // a green-room check may be recorded too
}

TEST_F(RecordingTest, GoingLiveStartsItWhenTheSettingsSaySo) {
  Settings settings;
  settings.recording = true;
  Conference recorded(model_info(), settings, WallClock{clock, kEpoch});
  ASSERT_TRUE(recorded.join({.id = "mod", .name = "M", .role = Role::moderator}).ok());
  ASSERT_TRUE(recorded.open("mod").ok());
  EXPECT_FALSE(recorded.recording());
  auto live = recorded.go_live("mod");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(types(*live), (std::vector<std::string>{"conference_state_changed", "recording_started"}));
  EXPECT_EQ(all_of_type<RecordingStarted>(*live)[0].by, "");
  EXPECT_TRUE(recorded.recording());

  auto ended = recorded.end("mod");
  ASSERT_TRUE(ended.ok());
  auto stops = all_of_type<RecordingStopped>(*ended);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].reason, "ended");
  EXPECT_FALSE(recorded.recording());
}

TEST_F(RecordingTest, WithoutTheSettingGoingLiveDoesNotRecord) {
  go_live();
  EXPECT_FALSE(conf.recording());
}

TEST_F(RecordingTest, TheOrganizerOverRestHasNoParticipantId) {
  go_live();
  auto started = ok(conf.start_recording(""));
  EXPECT_EQ(all_of_type<RecordingStarted>(started)[0].by, "");
  ok(conf.stop_recording(""));
}

TEST_F(RecordingTest, AFailureStopsItWithTheReasonAndOnlyOnce) {
  go_live();
  ok(conf.start_recording("mod"));
  auto failed = conf.recording_failed("No space left on device");
  auto stops = all_of_type<RecordingStopped>(failed);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].reason, "failed");
  EXPECT_EQ(stops[0].detail, "No space left on device");
  EXPECT_EQ(stops[0].by, "");
  EXPECT_FALSE(conf.recording());
  EXPECT_TRUE(conf.recording_failed("again").empty());
  EXPECT_EQ(conf.state(), ConferenceState::live);  // the conference goes on
}

TEST_F(RecordingTest, RecordingSurvivesASnapshotAndItsEventsRoundTrip) {
  go_live();
  auto started = ok(conf.start_recording("mod"));
  auto restored = Conference::from_json(conf.to_json(), WallClock{clock, kEpoch});
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_TRUE(restored->recording());
  auto stopped = conf.recording_failed("disk");
  for (const Event& e : {started[0], stopped[0]}) {
    auto back = event_from_json(to_json(e));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(to_json(*back), to_json(e));
  }
}

}  // namespace
}  // namespace podium::conference
