// The audience (attendees and press) is not announced to itself, as a webinar's attendees
// are not: each of them sees the panel and a head count, the panel sees everyone, and
// whoever the audience must be able to name (a chat author, someone promoted onto the
// panel) comes with a name. A join then costs the panel's size, not the audience's.
#include <gtest/gtest.h>

#include <set>

#include "store/sqlite_store.h"
#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"
#include "tests/api/stored_conference_fixture.h"

namespace podium::api {
namespace {

using namespace test_support;

class AudienceTest : public StoredConferenceTest {
 protected:
  std::string conference_name() const override { return "plenary"; }
  json conference_document() const override { return json{{"title", "Plenary"}}; }

  // The moderator, with the conference open and live.
  std::unique_ptr<Member> live_chair() {
    auto chair = member("plenary", "Chair", Role::kModerator);
    EXPECT_TRUE(chair->command("open")["ok"]);
    EXPECT_TRUE(chair->command("go-live")["ok"]);
    return chair;
  }

  static std::set<std::string> ids_of(const json& participants) {
    std::set<std::string> out;
    for (const auto& p : participants) out.insert(p["id"].get<std::string>());
    return out;
  }
  static std::set<std::string> joined_ids(const Member& m) {
    std::set<std::string> out;
    for (const auto& j : m.messages_of("participant-joined")) out.insert(j["participant"]["id"].get<std::string>());
    return out;
  }
  static std::set<std::string> joined_event_ids(const Member& m) {
    std::set<std::string> out;
    for (const auto& e : m.events)
      if (e["type"] == "participant_joined") out.insert(e["participant"].get<std::string>());
    return out;
  }
};

TEST_F(AudienceTest, TheAudienceSeesThePanelAndACountThePanelSeesEveryone) {
  auto chair = live_chair();
  auto speaker = member("plenary", "Member A", Role::kSpeaker);
  auto first = member("plenary", "Citizen One", Role::kAttendee);
  auto second = member("plenary", "Citizen Two", Role::kAttendee);
  auto reporter = member("plenary", "Reporter", Role::kPress);

  // Each member of the audience is welcomed with the panel and itself only.
  const std::set<std::string> panel{chair->id, speaker->id};
  EXPECT_EQ(ids_of(first->welcome["participants"]), panel) << first->welcome.dump();
  EXPECT_EQ(ids_of(second->welcome["participants"]), panel) << second->welcome.dump();
  EXPECT_EQ(ids_of(reporter->welcome["participants"]), panel) << reporter->welcome.dump();
  std::set<std::string> in_state = ids_of(reporter->welcome["state"]["participants"]);
  EXPECT_EQ(in_state, (std::set<std::string>{chair->id, speaker->id, reporter->id}));
  EXPECT_EQ(first->welcome["audience"], 1);
  EXPECT_EQ(second->welcome["audience"], 2);
  EXPECT_EQ(reporter->welcome["audience"], 3);
  // The panel is welcomed with everyone who was there.
  auto late = member("plenary", "Member B", Role::kSpeaker);
  EXPECT_EQ(ids_of(late->welcome["participants"]),
            (std::set<std::string>{chair->id, speaker->id, first->id, second->id, reporter->id}));
  EXPECT_EQ(late->welcome["audience"], 3);

  // Arrivals: the panel hears of everyone, the audience of the panel only.
  for (auto* m : {chair.get(), speaker.get(), first.get(), second.get(), reporter.get()}) m->sync();
  EXPECT_EQ(joined_ids(*speaker), (std::set<std::string>{first->id, second->id, reporter->id, late->id}));
  EXPECT_EQ(joined_ids(*first), (std::set<std::string>{late->id}));
  EXPECT_EQ(joined_event_ids(*first), (std::set<std::string>{first->id, late->id}));
  EXPECT_EQ(joined_ids(*reporter), (std::set<std::string>{late->id}));

  // A departure likewise.
  second.reset();
  chair->next_of("participant-left");
  first->sync();
  EXPECT_TRUE(first->messages_of("participant-left").empty()) << "an attendee heard of another leaving";

  // The head count reaches everyone within a couple of seconds of a change.
  auto count = first->next_of("audience");
  EXPECT_EQ(count["count"], 2) << count.dump();
  EXPECT_EQ(chair->next_of("audience")["count"], 2);

  // Chat from the audience names its author for the rest of the audience.
  ASSERT_TRUE(reporter->command("send-chat", {{"text", "When is the vote?"}})["ok"]);
  first->sync();
  bool named = false;
  for (const auto& e : first->events)
    if (e["type"] == "chat_message_sent" && e["from"] == reporter->id) named = e["name"] == "Reporter";
  EXPECT_TRUE(named) << "the chat message does not name its author";
}

TEST_F(AudienceTest, SomeonePromotedOntoThePanelIsIntroducedToTheAudienceAndLeavesItsViewWhenDemoted) {
  auto chair = live_chair();
  auto first = member("plenary", "Citizen One", Role::kAttendee);
  auto second = member("plenary", "Citizen Two", Role::kAttendee);

  ASSERT_TRUE(chair->command("change-role", {{"participant", first->id}, {"role", "speaker"}})["ok"]);
  auto joined = second->next_of("participant-joined");
  EXPECT_EQ(joined["participant"], (json{{"id", first->id}, {"name", "Citizen One"}, {"role", "speaker"}}));
  bool named = false;
  for (const auto& e : second->events)
    if (e["type"] == "role_changed" && e["participant"] == first->id) named = e["name"] == "Citizen One";
  EXPECT_TRUE(named) << "the role change does not name who was promoted";
  // The promoted one now sees the audience, as the panel does.
  EXPECT_EQ(first->next_of("participant-joined")["participant"]["id"], second->id);

  ASSERT_TRUE(chair->command("change-role", {{"participant", first->id}, {"role", "attendee"}})["ok"]);
  EXPECT_EQ(second->next_of("participant-left")["participant"], first->id);
  // Back in the audience, the next arrival of the audience is not news to it.
  auto third = member("plenary", "Citizen Three", Role::kAttendee);
  first->sync();
  for (const auto& j : first->messages_of("participant-joined"))
    EXPECT_NE(j["participant"]["id"], third->id) << "the audience heard of an attendee";
  chair->sync();
  EXPECT_EQ(joined_ids(*chair).count(third->id), 1u);
}

}  // namespace
}  // namespace podium::api
