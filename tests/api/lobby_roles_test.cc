// The lobby and role changes as the media signaling sees them: someone waiting in the
// lobby (or rejected) gets no media at all, and every media decision follows the role the
// conference gives a participant now, not the one in its token.
#include <gtest/gtest.h>
#include <unistd.h>

#include "store/sqlite_store.h"
#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"
#include "tests/api/stored_conference_fixture.h"

namespace podium::api {
namespace {

using namespace test_support;

class LobbyRolesTest : public StoredConferenceTest {
 protected:
  std::string conference_name() const override { return "hearing"; }
  json conference_document() const override { return json{{"title", "Hearing"}, {"settings", {{"lobby", true}}}}; }
};

TEST_F(LobbyRolesTest, SomeoneInTheLobbyGetsNoMediaUntilAdmitted) {
  auto chair = member("hearing", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  auto first = member("hearing", "Member A", Role::kSpeaker);  // speakers skip the lobby
  std::string first_track = publish(*first);
  ASSERT_FALSE(first_track.empty());

  auto guest = member("hearing", "Guest", Role::kAttendee);
  EXPECT_EQ(guest->welcome["permissions"], (json{{"publish", false}, {"subscribe", false}}))
      << guest->welcome.dump();
  EXPECT_TRUE(guest->welcome["tracks"].empty()) << "a waiting participant sees no tracks";
  EXPECT_TRUE(guest->welcome["participants"].empty()) << guest->welcome.dump();

  // It cannot receive a track it learned of elsewhere, nor publish.
  auto refused = offer(*guest, "recvonly", {{"0", first_track}});
  EXPECT_EQ(refused["type"], "error") << refused.dump();
  EXPECT_EQ(refused["code"], "forbidden") << refused.dump();
  EXPECT_EQ(offer(*guest, "sendonly")["code"], "forbidden");

  // Media that starts while it waits is not announced to it, nor is it to the room.
  auto second = member("hearing", "Member B", Role::kSpeaker);
  std::string second_track = publish(*second);
  ASSERT_FALSE(second_track.empty());
  guest->sync();
  EXPECT_TRUE(guest->messages_of("track-published").empty());
  EXPECT_TRUE(guest->messages_of("participant-joined").empty());
  first->sync();
  for (const auto& m : first->messages_of("participant-joined")) {
    EXPECT_NE(m["participant"]["id"], guest->id) << "the room heard of someone in the lobby";
  }

  // Admitted: it is told who and what is there, and may now subscribe.
  ASSERT_TRUE(chair->command("admit", {{"participant", guest->id}})["ok"]);
  auto permissions = guest->next_of("permissions");
  EXPECT_EQ(permissions["role"], "attendee");
  EXPECT_EQ(permissions["permissions"], (json{{"publish", false}, {"subscribe", true}}));
  std::set<std::string> announced;
  for (const auto& m : guest->messages_of("track-published")) announced.insert(m["track"]["id"]);
  EXPECT_EQ(announced, (std::set<std::string>{first_track, second_track}));
  EXPECT_EQ(guest->messages_of("participant-joined").size(), 3u);  // chair, A, B
  auto answer = offer(*guest, "recvonly", {{"0", first_track}});
  EXPECT_EQ(answer["type"], "answer") << answer.dump();
  first->sync();
  bool room_told = false;
  for (const auto& m : first->messages_of("participant-joined")) {
    room_told = room_told || m["participant"]["id"] == guest->id;
  }
  EXPECT_TRUE(room_told) << "once admitted, the room hears of the guest";
}

TEST_F(LobbyRolesTest, ARejectedParticipantGetsNothingAndIsDisconnected) {
  auto chair = member("hearing", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  auto speaker = member("hearing", "Member", Role::kSpeaker);
  ASSERT_FALSE(publish(*speaker).empty());
  auto guest = member("hearing", "Gatecrasher", Role::kAttendee);
  ASSERT_TRUE(chair->command("reject", {{"participant", guest->id}})["ok"]);
  EXPECT_TRUE(guest->closed_by_server());
  EXPECT_TRUE(guest->saw("participant_rejected")) << json(guest->event_types()).dump();
  EXPECT_TRUE(guest->messages_of("track-published").empty());
  EXPECT_TRUE(guest->messages_of("permissions").empty());
  speaker->sync();
  for (const auto& type : {"participant-joined", "participant-left"}) {
    for (const auto& m : speaker->messages_of(type)) {
      EXPECT_EQ(m.dump().find(guest->id), std::string::npos) << m.dump();
    }
  }
}

TEST_F(LobbyRolesTest, MediaFollowsTheRoleTheConferenceGivesNotTheToken) {
  auto chair = member("hearing", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  std::string member_token = token("hearing", "Member", Role::kSpeaker);
  auto speaker = member(member_token);
  EXPECT_EQ(speaker->welcome["permissions"], (json{{"publish", true}, {"subscribe", true}}));
  std::string speaker_id = speaker->id;

  // Demoted: told at once, and the server refuses what the token alone would allow.
  ASSERT_TRUE(chair->command("change-role", {{"participant", speaker_id}, {"role", "attendee"}})["ok"]);
  auto demoted = speaker->next_of("permissions");
  EXPECT_EQ(demoted["role"], "attendee");
  EXPECT_EQ(demoted["permissions"], (json{{"publish", false}, {"subscribe", true}}));
  EXPECT_EQ(offer(*speaker, "sendonly")["code"], "forbidden");

  // A newcomer sees it as an attendee.
  auto newcomer = member("hearing", "Expert", Role::kSpeaker);
  bool listed = false;
  for (const auto& p : newcomer->welcome["participants"]) {
    if (p["id"] != speaker_id) continue;
    listed = true;
    EXPECT_EQ(p["role"], "attendee") << newcomer->welcome.dump();
  }
  EXPECT_TRUE(listed) << newcomer->welcome.dump();

  // Reconnecting with the speaker's token does not undo the demotion. (As an attendee
  // it now waits in the lobby like any attendee.)
  speaker->send(json{{"type", "leave"}});
  EXPECT_TRUE(speaker->closed_by_server());
  speaker.reset();
  auto back = member(member_token);
  EXPECT_EQ(back->id, speaker_id) << "the same invitation is the same participant";
  EXPECT_EQ(back->welcome["participant"]["role"], "attendee") << back->welcome.dump();
  EXPECT_FALSE(back->welcome["permissions"]["publish"]) << back->welcome.dump();
  if (!back->welcome["permissions"]["subscribe"].get<bool>()) {
    ASSERT_TRUE(chair->command("admit", {{"participant", speaker_id}})["ok"]);
    back->next_of("permissions");
  }
  EXPECT_EQ(offer(*back, "sendonly")["code"], "forbidden");

  // Promoted again: told, and now it may publish.
  ASSERT_TRUE(chair->command("change-role", {{"participant", speaker_id}, {"role", "speaker"}})["ok"]);
  auto promoted = back->next_of("permissions");
  EXPECT_EQ(promoted["role"], "speaker");
  EXPECT_TRUE(promoted["permissions"]["publish"]) << promoted.dump();
  EXPECT_FALSE(publish(*back).empty());
  // Every role change is told, with what the new role allows.
  ASSERT_TRUE(chair->command("change-role", {{"participant", newcomer->id}, {"role", "interpreter"}})["ok"]);
  auto interpreter = newcomer->next_of("permissions");
  EXPECT_EQ(interpreter["role"], "interpreter");
  EXPECT_TRUE(interpreter["permissions"]["publish"]) << "into a booth (docs/interpretation.md)";
}

}  // namespace
}  // namespace podium::api
