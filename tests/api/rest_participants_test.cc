// The organizer manages the people of a running conference over REST (list page by page,
// change a role, remove) and exports its chat and Q&A: a real server with the real SQLite
// file, real WebSocket participants (docs/api.md "Participants").
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "tests/api/member_client.h"
#include "tests/api/rest_fixture.h"

namespace podium::api {
namespace {

using test_support::Member;

class RestParticipantsTest : public RestApiTest {
 protected:
  void SetUp() override {
    RestApiTest::SetUp();
    session_ = login("alice@example.org", kAlicePassword);
    ASSERT_EQ(create(session_, "partnership").status, 201);
  }
  std::string invite(const std::string& name, const std::string& role) {
    auto reply = request(http::verb::post, "/api/v1/conferences/partnership/invitations",
                         json{{"name", name}, {"role", role}}.dump(), session_);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.document().value("token", "");
  }
  std::unique_ptr<Member> join(const std::string& name, const std::string& role) {
    return std::make_unique<Member>(server_->port(), invite(name, role));
  }
  Reply get(const std::string& path, const std::string& bearer) {
    return request(http::verb::get, "/api/v1/conferences/partnership" + path, "", bearer);
  }
  Reply patch_role(const std::string& id, json body, const std::string& bearer) {
    return request(http::verb::patch, "/api/v1/conferences/partnership/participants/" + id, body.dump(),
                   bearer);
  }
  static void ok(Member& who, const std::string& command, json args = json::object()) {
    auto result = who.command(command, args);
    ASSERT_TRUE(result["ok"]) << who.id << " " << command << ": " << result.dump();
  }
  std::string session_;
};

TEST_F(RestParticipantsTest, TheOrganizerListsPromotesAndRemovesPeople) {
  // Before anyone joined: nobody.
  auto empty = get("/participants", session_);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.document()["participants"], json::array());

  auto chair = join("The Chair", "moderator");
  ok(*chair, "open");
  auto citizen = join("Citizen", "attendee");
  auto reporter = join("Reporter", "press");

  // Page by page, every participant once.
  std::set<std::string> seen;
  std::string target = "/participants?limit=2";
  int pages = 0;
  for (;;) {
    auto page = get(target, session_);
    ASSERT_EQ(page.status, 200) << page.body;
    ++pages;
    auto document = page.document();
    for (const auto& p : document["participants"]) {
      EXPECT_TRUE(seen.insert(p["id"]).second) << "listed twice: " << p.dump();
      if (p["id"] == citizen->id) {
        EXPECT_EQ(p["name"], "Citizen");
        EXPECT_EQ(p["role"], "attendee");
        EXPECT_EQ(p["presence"], "present");
      }
    }
    if (!document.contains("next_cursor")) break;
    EXPECT_NE(page.headers[http::field::link], "") << "RFC 8288 Link to the next page";
    target = "/participants?limit=2&cursor=" + document["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::set<std::string>{chair->id, citizen->id, reporter->id}));

  // Promote the attendee: everyone hears it, and the attendee may now publish.
  auto promoted = patch_role(citizen->id, {{"role", "speaker"}}, session_);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.document()["role"], "speaker");
  auto permissions = citizen->next_of("permissions");
  EXPECT_EQ(permissions["role"], "speaker");
  EXPECT_TRUE(permissions["permissions"]["publish"]) << permissions.dump();
  chair->sync();
  ASSERT_TRUE(chair->saw("role_changed")) << json(chair->event_types()).dump();

  // Refusals change nothing.
  expect_problem(patch_role(citizen->id, {{"role", "speaker"}}, session_), 409);  // already
  expect_problem(patch_role(citizen->id, {{"role", "king"}}, session_), 422);
  expect_problem(patch_role(citizen->id, {{"role", "press"}, {"name", "x"}}, session_), 422);
  expect_problem(patch_role("p999", {{"role", "speaker"}}, session_), 404);
  expect_problem(get("/participants?limit=0", session_), 400);
  expect_problem(get("/participants?cursor=a%20b", session_), 400);

  // Remove the reporter: told, disconnected, and gone for the others.
  auto removed = request(http::verb::delete_, "/api/v1/conferences/partnership/participants/" + reporter->id,
                         "", session_);
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_TRUE(reporter->closed_by_server());
  ASSERT_FALSE(reporter->messages_of("error").empty());
  chair->sync();
  EXPECT_TRUE(chair->saw("participant_left"));
  auto after = get("/participants", session_).document()["participants"];
  for (const auto& p : after) {
    if (p["id"] == reporter->id) EXPECT_EQ(p["presence"], "left");
  }
  // Not connected any more: nothing to remove.
  expect_problem(request(http::verb::delete_, "/api/v1/conferences/partnership/participants/" + reporter->id,
                         "", session_),
                 409);
}

TEST_F(RestParticipantsTest, ExportHasTheChatAndTheQuestionsWithoutDeletedText) {
  auto chair = join("The Chair", "moderator");
  ok(*chair, "open");
  auto citizen = join("Citizen", "attendee");
  ok(*chair, "go-live");
  ok(*citizen, "send-chat", {{"text", "Hello all"}});
  ok(*citizen, "send-chat", {{"text", "something rude"}});
  ok(*chair, "delete-chat", {{"message", 2}});
  ok(*citizen, "ask-question", {{"text", "When is the signing?"}});
  ok(*chair, "upvote-question", {{"question", 1}});
  ok(*chair, "answer-question", {{"question", 1}});

  auto exported = get("/export", session_);
  ASSERT_EQ(exported.status, 200) << exported.body;
  auto body = exported.document();
  ASSERT_EQ(body["chat"].size(), 2u) << body.dump();
  EXPECT_EQ(body["chat"][0]["text"], "Hello all");
  EXPECT_EQ(body["chat"][0]["name"], "Citizen");
  EXPECT_TRUE(body["chat"][1].value("deleted", false));
  EXPECT_FALSE(body["chat"][1].contains("text")) << "a deleted message's text is not exported";
  EXPECT_EQ(exported.body.find("rude"), std::string::npos);
  ASSERT_EQ(body["questions"].size(), 1u);
  EXPECT_EQ(body["questions"][0]["text"], "When is the signing?");
  EXPECT_EQ(body["questions"][0]["votes"], 1);
  EXPECT_EQ(body["questions"][0]["status"], "answered");
}

TEST_F(RestParticipantsTest, OnlyTheOwnersSessionReachesThePeople) {
  auto chair = join("The Chair", "moderator");
  auto bob = login("bob@example.org", kBobPassword);
  // No token, a forged one, a join token (even the moderator's), another organizer.
  for (const std::string& bearer : {std::string(), std::string("forged-session-token"), invite("X", "moderator")}) {
    expect_problem(get("/participants", bearer), 401);
    expect_problem(get("/export", bearer), 401);
    expect_problem(patch_role(chair->id, {{"role", "attendee"}}, bearer), 401);
  }
  expect_problem(get("/participants", bob), 404);
  expect_problem(get("/export", bob), 404);
  expect_problem(patch_role(chair->id, {{"role", "attendee"}}, bob), 404);
  expect_problem(request(http::verb::delete_, "/api/v1/conferences/partnership/participants/" + chair->id, "", bob),
                 404);
  // Nothing changed.
  auto list = get("/participants", session_).document()["participants"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["role"], "moderator");
  EXPECT_EQ(list[0]["presence"], "present");
}

}  // namespace
}  // namespace podium::api
