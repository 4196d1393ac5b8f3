#include "api/conference_registry.h"

#include <gtest/gtest.h>

namespace podium::api {
namespace {

Participant make(std::string conference, std::string name, Attachment attachment = Attachment::kWebSocket) {
  Participant p;
  p.conference = std::move(conference);
  p.name = std::move(name);
  p.attachment = attachment;
  return p;
}

TEST(ConferenceRegistry, ConferenceLivesFromFirstToLastParticipant) {
  ConferenceRegistry registry;
  auto a = registry.add_participant(make("demo", "A")).id;
  auto b = registry.add_participant(make("demo", "B")).id;
  auto c = registry.add_participant(make("other", "C")).id;
  EXPECT_EQ(a, "p1");
  EXPECT_EQ(b, "p2");
  EXPECT_EQ(registry.conference_count(), 2u);
  EXPECT_EQ(registry.participant_count(), 3u);
  auto listed = registry.participants("demo");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]->id, a);
  EXPECT_EQ(listed[1]->id, b);
  registry.remove_participant(a);
  registry.remove_participant(b);
  EXPECT_EQ(registry.conference_count(), 1u);
  EXPECT_TRUE(registry.participants("demo").empty());
  EXPECT_EQ(registry.find_participant(c)->conference, "other");
  EXPECT_EQ(registry.find_participant(a), nullptr);
}

TEST(ConferenceRegistry, TracksBelongToTheirConferenceAndPublisher) {
  ConferenceRegistry registry;
  auto a = registry.add_participant(make("demo", "A")).id;
  auto b = registry.add_participant(make("demo", "B")).id;
  auto c = registry.add_participant(make("other", "C")).id;
  registry.add_track("demo", {"t1", a, "audio"});
  registry.add_track("demo", {"t2", a, "video"});
  registry.add_track("other", {"t3", c, "audio"});
  EXPECT_NE(registry.find_track("demo", "t1"), nullptr);
  EXPECT_EQ(registry.find_track("demo", "t3"), nullptr);  // another conference's track
  EXPECT_FALSE(registry.remove_track(b, "t1"));         // not B's track
  ASSERT_TRUE(registry.remove_track(a, "t1"));
  auto removed = registry.remove_participant(a);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].id, "t2");
  EXPECT_TRUE(registry.tracks("demo").empty());
  EXPECT_EQ(registry.tracks("other").size(), 1u);
}

TEST(ConferenceRegistry, WhepViewersAreNotListedButCounted) {
  ConferenceRegistry registry;
  registry.add_participant(make("demo", "A"));
  auto viewer = registry.add_participant(make("demo", "V", Attachment::kWhep)).id;
  EXPECT_EQ(registry.participants("demo").size(), 1u);
  EXPECT_EQ(registry.participant_count(), 2u);
  registry.find_participant(viewer)->session = 9;
  EXPECT_EQ(registry.participant_for_session(9), viewer);
  EXPECT_FALSE(registry.participant_for_session(0));
}

}  // namespace
}  // namespace podium::api
