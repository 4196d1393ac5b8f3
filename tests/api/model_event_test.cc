// The model event, start to end, against the real server and its SQLite file: an
// organizer creates the conference and invites people over REST; over /rtc the moderator
// opens it, admits an attendee from the lobby, gives the floor to three speakers in turn
// (the third runs out of time), takes a question and a raised hand (the attendee is
// promoted to speak) and ends it. Every participant must have seen the same conference:
// the same events in the same order (each sees the private ones meant for it), the same
// state derived from them, and the state a late joiner is given.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/api/member_client.h"
#include "tests/api/rest_fixture.h"

namespace podium::api {
namespace {

using test_support::Member;

// Events only hosts and the participant concerned receive (Audience::hosts_and_subject).
const std::set<std::string> kPrivate = {"participant_waiting", "participant_rejected", "hand_raised",
                                        "hand_lowered",        "queue_reordered",      "unmute_requested",
                                        "listening_changed"};

// What a client knows once it has applied the events it saw (everyone's part of it).
struct Derived {
  std::string conference;
  json floor = nullptr;
  std::map<std::string, std::string> roles;      // from role changes
  std::map<std::uint64_t, std::string> questions;  // id → status
  std::vector<std::string> chat;
  std::set<std::string> muted;

  bool operator==(const Derived&) const = default;
};

Derived derive(const std::vector<json>& events) {
  Derived d;
  for (const auto& e : events) {
    const std::string type = e["type"];
    if (type == "conference_state_changed") d.conference = e["to"];
    if (type == "floor_granted") d.floor = e["participant"];
    if (type == "floor_released") d.floor = nullptr;
    if (type == "role_changed") d.roles[e["participant"]] = e["to"];
    if (type == "question_asked") d.questions[e["id"]] = "open";
    if (type == "question_status_changed") d.questions[e["id"]] = e["status"];
    if (type == "chat_message_sent") d.chat.push_back(e["text"]);
    if (type == "participant_muted") d.muted.insert(e["participant"].get<std::string>() + ":" + e["kind"].get<std::string>());
    if (type == "participant_unmuted") d.muted.erase(e["participant"].get<std::string>() + ":" + e["kind"].get<std::string>());
  }
  return d;
}

std::ostream& operator<<(std::ostream& os, const Derived& d) {
  json j = {{"conference", d.conference}, {"floor", d.floor}, {"roles", d.roles},
            {"questions", d.questions},   {"chat", d.chat},   {"muted", d.muted}};
  return os << j.dump();
}

class ModelEventTest : public RestApiTest {
 protected:
  // A personal join link's token, as the organizer hands it out.
  std::string invite(const std::string& session, const std::string& name, const std::string& role) {
    auto reply = request(http::verb::post, "/api/v1/conferences/partnership/invitations",
                         json{{"name", name}, {"role", role}}.dump(), session);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.document().value("token", "");
  }
  std::unique_ptr<Member> join(const std::string& token) {
    return std::make_unique<Member>(server_->port(), token);
  }
  static void ok(Member& who, const std::string& command, json args = json::object()) {
    auto result = who.command(command, args);
    ASSERT_TRUE(result["ok"]) << who.id << " " << command << ": " << result.dump();
  }
  // Reads until an event of this type arrives (the floor timer fires on its own).
  static json wait_for_event(Member& who, const std::string& type) {
    for (std::size_t seen = 0;;) {
      for (; seen < who.events.size(); ++seen) {
        if (who.events[seen]["type"] == type) return who.events[seen];
      }
      who.read();
    }
  }
};

TEST_F(ModelEventTest, EveryoneSeesTheSameConferenceFromOpeningToEnd) {
  auto session = login("alice@example.org", kAlicePassword);
  ASSERT_EQ(create(session, "partnership",
                   {{"title", "Strategic Partnership — online conference"},
                    {"settings", {{"lobby", true}, {"chat", "everyone"}}}})
                .status,
            201);
  auto chair_token = invite(session, "The Chair", "moderator");
  std::vector<std::string> speaker_tokens = {invite(session, "Member Aliyev", "speaker"),
                                             invite(session, "Member Cohen", "speaker"),
                                             invite(session, "Dr. Expert", "speaker")};
  auto attendee_token = invite(session, "Citizen", "attendee");
  auto press_token = invite(session, "Reporter", "press");

  // The moderator opens the scheduled conference; the panel comes in, the attendee waits.
  auto chair = join(chair_token);
  ok(*chair, "open");
  std::vector<std::unique_ptr<Member>> speakers;
  for (const auto& t : speaker_tokens) speakers.push_back(join(t));
  auto attendee = join(attendee_token);
  EXPECT_FALSE(attendee->welcome["permissions"]["subscribe"]) << attendee->welcome.dump();
  ok(*chair, "admit", {{"participant", attendee->id}});
  attendee->next_of("permissions");

  std::vector<Member*> everyone = {chair.get(), speakers[0].get(), speakers[1].get(),
                                   speakers[2].get(), attendee.get()};
  for (auto* m : everyone) m->sync();
  std::vector<std::size_t> before_live;
  for (auto* m : everyone) before_live.push_back(m->events.size());
  ok(*chair, "go-live");

  // Three speakers in turn, each with a timer.
  ok(*chair, "grant-floor", {{"participant", speakers[0]->id}, {"ms", 300000}});
  ok(*speakers[0], "send-chat", {{"text", "Thank you, Chair."}});
  ok(*speakers[0], "yield-floor");
  ok(*chair, "grant-floor", {{"participant", speakers[1]->id}, {"ms", 300000}});
  ok(*chair, "extend-floor", {{"ms", 60000}});
  ok(*chair, "pause-floor");
  ok(*chair, "resume-floor");
  ok(*chair, "revoke-floor");
  // The third runs out of time: the server warns, mutes at time-up (the conference's
  // default), and the moderator takes the floor back.
  ok(*chair, "grant-floor", {{"participant", speakers[2]->id}, {"ms", 1500}});
  wait_for_event(*chair, "floor_time_up");
  ok(*chair, "revoke-floor");

  // A question from the audience, upvoted by the panel, answered.
  ok(*attendee, "ask-question", {{"text", "When will the agreement be signed?"}});
  auto question = wait_for_event(*chair, "question_asked")["id"];
  ok(*speakers[0], "upvote-question", {{"question", question}});
  ok(*chair, "answer-question", {{"question", question}});

  // The attendee raises a hand and is promoted to speak.
  ok(*attendee, "raise-hand", {{"topic", "Budget"}});
  ok(*chair, "grant-hand", {{"participant", attendee->id}, {"ms", 120000}});
  auto permissions = attendee->next_of("permissions");
  EXPECT_EQ(permissions["role"], "speaker") << permissions.dump();
  EXPECT_TRUE(permissions["permissions"]["publish"]) << permissions.dump();
  ok(*attendee, "yield-floor");

  // A member of the press comes in late: its welcome is the state so far.
  for (auto* m : everyone) m->sync();
  auto press = join(press_token);
  ok(*chair, "admit", {{"participant", press->id}});
  press->next_of("permissions");
  auto late_state = press->welcome["state"];

  ok(*chair, "end");
  for (auto* m : everyone) m->sync();
  press->sync();

  // 1. The chair (a host) saw every event since it joined, numbered without a gap.
  const auto& all = chair->events;
  for (std::size_t i = 1; i < all.size(); ++i) {
    ASSERT_EQ(all[i]["seq"].get<std::uint64_t>(), all[i - 1]["seq"].get<std::uint64_t>() + 1)
        << all[i - 1].dump() << " then " << all[i].dump();
  }
  std::map<std::uint64_t, json> by_seq;
  for (const auto& e : all) by_seq[e["seq"]] = e;

  // 2. Everyone else saw exactly the chair's events from its own joining on, the same
  //    in every field, minus the private ones that were not about it.
  for (auto* m : everyone) {
    ASSERT_FALSE(m->events.empty()) << m->id;
    auto first = m->events.front()["seq"].get<std::uint64_t>();
    std::vector<json> expected;
    for (auto it = by_seq.lower_bound(first); it != by_seq.end(); ++it) {
      const auto& e = it->second;
      bool about_it = e.value("participant", "") == m->id || m == chair.get();
      if (kPrivate.count(e["type"]) && !about_it) continue;
      expected.push_back(e);
    }
    EXPECT_EQ(json(m->events), json(expected)) << m->id;
  }

  // 3. The state each derives from what it saw since going live is the same...
  std::vector<Derived> derived;
  for (std::size_t i = 0; i < everyone.size(); ++i) {
    std::vector<json> since_live(everyone[i]->events.begin() + static_cast<std::ptrdiff_t>(before_live[i]),
                                 everyone[i]->events.end());
    derived.push_back(derive(since_live));
  }
  for (std::size_t i = 1; i < derived.size(); ++i) EXPECT_EQ(derived[i], derived[0]) << everyone[i]->id;
  // ...and it is the model event's outcome.
  const Derived& end = derived[0];
  EXPECT_EQ(end.conference, "ended");
  EXPECT_TRUE(end.floor.is_null());
  EXPECT_EQ(end.roles, (std::map<std::string, std::string>{{attendee->id, "speaker"}}));
  EXPECT_EQ(end.questions.size(), 1u);
  EXPECT_EQ(end.questions.begin()->second, "answered");
  EXPECT_EQ(end.chat, (std::vector<std::string>{"Thank you, Chair."}));
  for (auto* m : everyone) {
    bool time_up = false;
    for (const auto& e : m->events) {
      time_up = time_up || (e["type"] == "floor_time_up" && e["participant"] == speakers[2]->id);
    }
    EXPECT_TRUE(time_up) << m->id << " did not see the third speaker's time run out";
  }

  // 4. The late joiner was given the same picture, as a press member may see it.
  EXPECT_EQ(late_state["conference"], "live") << late_state.dump();
  EXPECT_TRUE(late_state["floor"].is_null()) << late_state.dump();
  ASSERT_EQ(late_state["questions"].size(), 1u) << late_state.dump();
  EXPECT_EQ(late_state["questions"][0]["status"], "answered");
  EXPECT_EQ(late_state["questions"][0]["votes"], 1);
  ASSERT_EQ(late_state["chat"].size(), 1u);
  EXPECT_EQ(late_state["chat"][0]["text"], "Thank you, Chair.");
  EXPECT_TRUE(late_state["queue"].empty()) << "nobody's hand is up";
  std::map<std::string, std::string> roles;
  for (const auto& p : late_state["participants"]) roles[p["id"]] = p["role"];
  EXPECT_EQ(roles[attendee->id], "speaker");
  EXPECT_EQ(roles[chair->id], "moderator");
  EXPECT_EQ(roles.size(), 6u) << late_state["participants"].dump();
  EXPECT_TRUE(press->saw("conference_state_changed"));
}

}  // namespace
}  // namespace podium::api
