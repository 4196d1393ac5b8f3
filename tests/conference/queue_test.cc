// The speaker queue: raise, lower, reorder, grant (with promotion), dismiss, visibility.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;

class QueueTest : public ConferenceTest {
 protected:
  void SetUp() override {
    go_live();
    join("a1", Role::attendee);
    join("a2", Role::attendee);
    join("p1", Role::press);
    join("spk", Role::speaker);
  }
};

std::vector<ParticipantId> order(const std::vector<QueueEntry>& q) {
  std::vector<ParticipantId> out;
  for (const auto& e : q) out.push_back(e.participant);
  return out;
}

TEST_F(QueueTest, HandsQueueInOrder) {
  auto e = ok(conf.raise_hand("a1", "trade"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].audience, Audience::hosts_and_subject);
  EXPECT_EQ(all_of_type<HandRaised>(e).at(0).position, 1u);
  ok(conf.raise_hand("p1"));
  EXPECT_EQ(all_of_type<HandRaised>(ok(conf.raise_hand("a2"))).at(0).position, 3u);
  refused(conf.raise_hand("a1"), "already raised");
  refused(conf.raise_hand("mod"), "moderator may not raise_hand");
  EXPECT_THAT(order(conf.visible_queue("mod")), ElementsAre("a1", "p1", "a2"));
  EXPECT_EQ(conf.visible_queue("mod")[0].topic, "trade");
}

TEST_F(QueueTest, OthersSeeOnlyTheirOwnPosition) {
  ok(conf.raise_hand("a1"));
  ok(conf.raise_hand("a2"));
  EXPECT_THAT(conf.visible_queue("a2"), ElementsAre(QueueEntry{"a2", "", 2}));
  EXPECT_THAT(conf.visible_queue("a1"), ElementsAre(QueueEntry{"a1", "", 1}));
  EXPECT_TRUE(conf.visible_queue("p1").empty());
  EXPECT_TRUE(conf.visible_queue("spk").empty());
  EXPECT_EQ(conf.visible_queue("org").size(), 2u);
}

TEST_F(QueueTest, LowerAndDismiss) {
  ok(conf.raise_hand("a1"));
  ok(conf.raise_hand("a2"));
  refused(conf.lower_hand("p1"), "not raised");
  EXPECT_EQ(all_of_type<HandLowered>(ok(conf.lower_hand("a1"))).at(0).reason, "lowered");
  refused(conf.dismiss_hand("a1", "a2"), "manage_queue");
  auto lowered = all_of_type<HandLowered>(ok(conf.dismiss_hand("mod", "a2"))).at(0);
  EXPECT_EQ(lowered.reason, "dismissed");
  EXPECT_EQ(lowered.by, "mod");
  EXPECT_TRUE(conf.visible_queue("mod").empty());
  refused(conf.dismiss_hand("mod", "a2"), "no raised hand");
}

TEST_F(QueueTest, ModeratorReorders) {
  ok(conf.raise_hand("a1"));
  ok(conf.raise_hand("a2"));
  ok(conf.raise_hand("p1"));
  auto e = ok(conf.move_hand("mod", "p1", 0));
  EXPECT_THAT(all_of_type<QueueReordered>(e).at(0).order, ElementsAre("p1", "a1", "a2"));
  EXPECT_THAT(order(conf.visible_queue("mod")), ElementsAre("p1", "a1", "a2"));
  EXPECT_EQ(conf.visible_queue("a2").at(0).position, 3u);
  refused(conf.move_hand("mod", "p1", 3), "out of range");
  refused(conf.move_hand("mod", "spk", 0), "no raised hand");
}

TEST_F(QueueTest, GrantPromotesAnAttendeeToSpeaker) {
  ok(conf.raise_hand("a1", "question on energy"));
  auto e = ok(conf.grant_hand("mod", "a1", 120'000));
  EXPECT_THAT(types(e), ElementsAre("role_changed", "hand_lowered", "floor_granted"));
  auto rc = all_of_type<RoleChanged>(e).at(0);
  EXPECT_EQ(rc.from, Role::attendee);
  EXPECT_EQ(rc.to, Role::speaker);
  EXPECT_EQ(rc.reason, "queue");
  EXPECT_EQ(all_of_type<HandLowered>(e).at(0).reason, "granted");
  EXPECT_EQ(conf.stage(), "a1");
  EXPECT_TRUE(conf.may_send_media("a1", MediaKind::audio));
  // Back to attendee afterwards: the floor goes with the role.
  e = ok(conf.change_role("mod", "a1", Role::attendee));
  EXPECT_THAT(types(e), ElementsAre("role_changed", "floor_released"));
  EXPECT_FALSE(conf.may_send_media("a1", MediaKind::audio));
}

TEST_F(QueueTest, GrantingASpeakersHandDoesNotPromote) {
  ok(conf.raise_hand("spk"));
  EXPECT_THAT(types(ok(conf.grant_hand("mod", "spk"))),
              ElementsAre("hand_lowered", "floor_granted"));
  refused(conf.raise_hand("spk"), "you hold the floor");
}

TEST_F(QueueTest, GrantNeedsARaisedHandAndLive) {
  refused(conf.grant_hand("mod", "a1"), "no raised hand");
  ok(conf.raise_hand("a1"));
  refused(conf.grant_hand("a2", "a1"), "manage_queue");
  ok(conf.end("mod"));
  refused(conf.grant_hand("mod", "a1"));
  EXPECT_EQ(conf.participant("a1")->role, Role::attendee);
}

TEST_F(QueueTest, LeavingTakesTheHandDown) {
  ok(conf.raise_hand("a1"));
  EXPECT_THAT(types(ok(conf.leave("a1"))), ElementsAre("hand_lowered", "participant_left"));
  EXPECT_TRUE(conf.visible_queue("mod").empty());
}

TEST_F(ConferenceTest, HandsOnlyWhenOpenOrLive) {
  join("spk", Role::speaker);
  join("mod", Role::moderator);
  refused(conf.raise_hand("spk"), "open or live");
  ok(conf.open("mod"));
  ok(conf.raise_hand("spk"));
}

}  // namespace
}  // namespace podium::conference
