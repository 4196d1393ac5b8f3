// Chat and Q&A.
#include "conference_fixture.h"

namespace podium::conference {
namespace {

using ::testing::ElementsAre;

class TalkTest : public ConferenceTest {
 protected:
  void SetUp() override {
    go_live();
    join("a1", Role::attendee);
    join("a2", Role::attendee);
    join("p1", Role::press);
    join("spk", Role::speaker);
    join("int", Role::interpreter);
  }
  void set_chat(ChatMode mode) {
    Settings s = conf.settings();
    s.chat = mode;
    ok(conf.change_settings("org", s));
  }
};

TEST_F(TalkTest, EveryoneChats) {
  auto e = ok(conf.send_chat("a1", "Good morning from Baku"));
  auto m = all_of_type<ChatMessageSent>(e).at(0);
  EXPECT_EQ(m.from, "a1");
  EXPECT_EQ(m.text, "Good morning from Baku");
  EXPECT_EQ(conf.chat().size(), 1u);
  refused(conf.send_chat("a1", "   "), "empty");
  refused(conf.send_chat("a1", std::string(Conference::kMaxTextBytes + 1, 'x')), "too long");
  EXPECT_EQ(conf.chat().size(), 1u);
}

TEST_F(TalkTest, PanelOnlyAndOff) {
  set_chat(ChatMode::panel_only);
  refused(conf.send_chat("a1", "hi"), "panel-only");
  refused(conf.send_chat("p1", "hi"), "panel-only");
  ok(conf.send_chat("spk", "hi"));
  ok(conf.send_chat("int", "hi"));
  set_chat(ChatMode::off);
  refused(conf.send_chat("mod", "hi"), "chat is off");
}

TEST_F(TalkTest, ModerationDeletesAndMutes) {
  auto id = all_of_type<ChatMessageSent>(ok(conf.send_chat("a1", "spam"))).at(0).id;
  refused(conf.delete_chat("a2", id), "moderate_chat");
  ok(conf.delete_chat("mod", id));
  EXPECT_TRUE(conf.chat()[0].deleted);
  EXPECT_EQ(conf.chat()[0].text, "");
  refused(conf.delete_chat("mod", id), "no such message");
  ok(conf.mute_chat("mod", "a1", true));
  refused(conf.mute_chat("mod", "a1", true), "already");
  refused(conf.send_chat("a1", "again"), "muted in chat");
  ok(conf.send_chat("a2", "fine"));
  ok(conf.mute_chat("mod", "a1", false));
  ok(conf.send_chat("a1", "sorry"));
}

TEST_F(TalkTest, AttendeesAndPressAsk) {
  auto q = all_of_type<QuestionAsked>(ok(conf.ask_question("a1", "Energy corridor?"))).at(0);
  EXPECT_EQ(q.author, "a1");
  ok(conf.ask_question("p1", "Timeline of the agreement?"));
  refused(conf.ask_question("spk", "?"), "speaker may not ask_question");
  refused(conf.ask_question("mod", "?"), "moderator may not ask_question");
  refused(conf.ask_question("a1", ""), "empty");
  EXPECT_EQ(conf.questions().size(), 2u);
}

TEST_F(TalkTest, UpvoteOnceNotOwn) {
  auto id = all_of_type<QuestionAsked>(ok(conf.ask_question("a1", "Q"))).at(0).id;
  refused(conf.upvote_question("a1", id), "your own");
  EXPECT_EQ(all_of_type<QuestionUpvoted>(ok(conf.upvote_question("a2", id))).at(0).votes, 1u);
  refused(conf.upvote_question("a2", id), "already upvoted");
  EXPECT_EQ(all_of_type<QuestionUpvoted>(ok(conf.upvote_question("spk", id))).at(0).votes, 2u);
  refused(conf.upvote_question("a2", 999), "no such question");
  ok(conf.answer_question("mod", id));
  refused(conf.upvote_question("p1", id), "no longer open");
}

TEST_F(TalkTest, PickAnswerDismiss) {
  auto q1 = all_of_type<QuestionAsked>(ok(conf.ask_question("a1", "Q1"))).at(0).id;
  auto q2 = all_of_type<QuestionAsked>(ok(conf.ask_question("p1", "Q2"))).at(0).id;
  refused(conf.pick_question("a2", q1), "moderate_questions");
  auto e = ok(conf.pick_question("mod", q1));
  EXPECT_THAT(types(e), ElementsAre("question_status_changed"));
  EXPECT_EQ(conf.questions()[0].status, QuestionStatus::picked);
  ok(conf.answer_question("mod", q1));
  refused(conf.answer_question("mod", q1), "already closed");
  ok(conf.dismiss_question("mod", q2));
  EXPECT_EQ(conf.questions()[1].status, QuestionStatus::dismissed);
  refused(conf.pick_question("mod", q2), "no longer open");
}

TEST_F(TalkTest, PickingWithPromotionGivesTheAuthorTheFloor) {
  auto id = all_of_type<QuestionAsked>(ok(conf.ask_question("p1", "Q"))).at(0).id;
  auto e = ok(conf.pick_question("mod", id, /*promote_author=*/true, 90'000));
  EXPECT_THAT(types(e), ElementsAre("question_status_changed", "role_changed", "floor_granted"));
  EXPECT_EQ(all_of_type<RoleChanged>(e).at(0).reason, "question");
  EXPECT_EQ(conf.stage(), "p1");
  EXPECT_EQ(all_of_type<FloorGranted>(e).at(0).allotted_ms, 90'000);
}

TEST_F(TalkTest, PromotionNeedsThePresentAuthor) {
  auto id = all_of_type<QuestionAsked>(ok(conf.ask_question("a1", "Q"))).at(0).id;
  ok(conf.leave("a1"));
  refused(conf.pick_question("mod", id, true), "has left");
  EXPECT_EQ(conf.questions()[0].status, QuestionStatus::open) << "nothing changed";
}

TEST_F(TalkTest, QaOff) {
  Settings s = conf.settings();
  s.qa = false;
  ok(conf.change_settings("org", s));
  refused(conf.ask_question("a1", "Q"), "Q&A is off");
}

}  // namespace
}  // namespace podium::conference
