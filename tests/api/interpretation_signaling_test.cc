// Interpretation over the signaling: the commands, who hears of what (events, the
// welcome state), interpreters publishing into a booth without being announced, and the
// language-channel subscription "lang:<code>" (docs/interpretation.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include "store/sqlite_store.h"
#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"
#include "tests/api/stored_conference_fixture.h"

namespace podium::api {
namespace {

using namespace test_support;

class InterpretationSignalingTest : public StoredConferenceTest {
 protected:
  std::string conference_name() const override { return "summit"; }
  json conference_document() const override {
    return json{{"title", "Summit"}, {"languages", {"he", "ru", "en"}}};
  }
  // The direction the answer gives its one m-section ("" when the reply is no answer).
  static std::string answered_direction(const json& answer) {
    if (answer["type"] != "answer") return "";
    const std::string sdp = answer["sdp"];
    for (const char* direction : {"sendrecv", "sendonly", "recvonly", "inactive"}) {
      if (sdp.find(std::string("a=") + direction + "\r\n") != std::string::npos) return direction;
    }
    return "";
  }
};

TEST_F(InterpretationSignalingTest, BoothsHandoverAndWhoHearsOfIt) {
  auto chair = member("summit", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  ASSERT_TRUE(chair->command("go-live")["ok"]);
  auto anna = member("summit", "Anna", Role::kInterpreter);
  auto boris = member("summit", "Boris", Role::kInterpreter);
  auto guest = member("summit", "Guest", Role::kAttendee);

  auto refused = guest->command("assign-interpreter", {{"participant", anna->id}, {"language", "ru"}});
  EXPECT_FALSE(refused["ok"]);
  EXPECT_NE(refused["reason"].get<std::string>().find("manage_interpretation"), std::string::npos)
      << refused.dump();
  EXPECT_FALSE(chair->command("assign-interpreter", {{"participant", anna->id}, {"language", "fr"}})["ok"]);
  EXPECT_FALSE(chair->command("assign-interpreter", {{"participant", anna->id}, {"language", 7}})["ok"]);
  EXPECT_FALSE(chair->command("assign-interpreter",
                              {{"participant", anna->id}, {"language", "ru"}, {"sources", "he"}})["ok"]);
  EXPECT_FALSE(chair->command("assign-interpreter",
                              {{"participant", anna->id}, {"language", "ru"}, {"booth", "x"}})["ok"])
      << "unknown argument";

  ASSERT_TRUE(chair->command("assign-interpreter",
                             {{"participant", anna->id}, {"language", "ru"}, {"sources", {"he"}}})["ok"]);
  ASSERT_TRUE(chair->command("assign-interpreter", {{"participant", boris->id}, {"language", "ru"}})["ok"]);
  guest->sync();
  EXPECT_TRUE(guest->saw("interpreter_assigned"));
  EXPECT_TRUE(guest->saw("booth_live_changed")) << "everyone sees who is live";

  // A listener's choice is theirs (and the hosts'); bad values are refused.
  EXPECT_FALSE(guest->command("choose-language", {{"language", "ru"}, {"floor_level", 2}})["ok"]);
  EXPECT_FALSE(guest->command("choose-language", {{"language", "ru"}, {"floor_level", "loud"}})["ok"]);
  ASSERT_TRUE(guest->command("choose-language", {{"language", "ru"}, {"floor_level", 0.3}})["ok"]);
  ASSERT_TRUE(anna->command("slower-please")["ok"]);
  chair->sync();
  boris->sync();
  guest->sync();
  EXPECT_TRUE(chair->saw("listening_changed"));
  EXPECT_TRUE(chair->saw("slower_please_asked"));
  EXPECT_FALSE(boris->saw("listening_changed"));
  EXPECT_FALSE(boris->saw("slower_please_asked")) << "slower please goes to the hosts";
  EXPECT_FALSE(guest->saw("slower_please_asked"));

  // Handover by confirmation.
  ASSERT_TRUE(anna->command("request-handover")["ok"]);
  EXPECT_FALSE(guest->command("confirm-handover")["ok"]);
  ASSERT_TRUE(boris->command("confirm-handover")["ok"]);

  // A late joiner's welcome has the booths and its own choice.
  auto late = member("summit", "Late", Role::kAttendee);
  const auto& interp = late->welcome["state"]["interpretation"];
  EXPECT_EQ(interp["languages"], (json{"he", "ru", "en"})) << interp.dump();
  ASSERT_EQ(interp["booths"].size(), 1u) << interp.dump();
  EXPECT_EQ(interp["booths"][0]["live"], boris->id);
  EXPECT_EQ(interp["listening"]["channel"], "floor");
  EXPECT_FALSE(interp.contains("listeners")) << "only hosts see the counts";
  auto chair_again = member("summit", "Co-chair", Role::kModerator);
  EXPECT_EQ(chair_again->welcome["state"]["interpretation"]["listeners"]["ru"], 1)
      << chair_again->welcome.dump();
}

TEST_F(InterpretationSignalingTest, InterpretersPublishIntoTheBoothOnlyAndListenersTakeTheChannel) {
  auto chair = member("summit", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  auto anna = member("summit", "Anna", Role::kInterpreter);
  EXPECT_TRUE(anna->welcome["permissions"]["publish"]) << anna->welcome.dump();
  ASSERT_TRUE(chair->command("assign-interpreter", {{"participant", anna->id}, {"language", "ru"}})["ok"]);
  auto guest = member("summit", "Guest", Role::kAttendee);
  std::string anna_track = publish(*anna);
  ASSERT_FALSE(anna_track.empty());
  auto speaker = member("summit", "Speaker", Role::kSpeaker);
  std::string speaker_track = publish(*speaker);
  ASSERT_FALSE(speaker_track.empty());

  guest->sync();
  chair->sync();
  for (const auto* m : {guest.get(), chair.get()}) {
    bool heard_of_speaker = false;
    for (const auto& p : m->messages_of("track-published")) {
      EXPECT_NE(p["track"]["id"], anna_track) << "an interpreter's track was announced";
      heard_of_speaker |= p["track"]["id"] == speaker_track;
    }
    EXPECT_TRUE(heard_of_speaker);
  }
  auto late = member("summit", "Late", Role::kAttendee);
  for (const auto& t : late->welcome["tracks"]) EXPECT_NE(t["id"], anna_track);

  // Subscribing to the interpreter directly gets nothing; the channel is the way. (One
  // listener per offer: each is a first offer.)
  auto direction = [&](const std::string& track) {
    auto listener = member("summit", "Listener", Role::kAttendee);
    return answered_direction(offer(*listener, "recvonly", {{"0", track}}));
  };
  EXPECT_EQ(direction(anna_track), "inactive");
  EXPECT_EQ(direction("lang:fr"), "inactive") << "not a language of the conference";
  EXPECT_EQ(direction("lang:ru"), "sendonly");
  EXPECT_EQ(direction(speaker_track), "sendonly");
  // An attendee cannot publish into a booth (or anywhere).
  EXPECT_EQ(offer(*guest, "sendonly")["code"], "forbidden");
}

}  // namespace
}  // namespace podium::api
