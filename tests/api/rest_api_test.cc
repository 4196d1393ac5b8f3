// The /api/v1 REST API against a real Server on a loopback port and a real SQLite file.
#include "rest_fixture.h"

#include "api/jwt.h"
#include "api/rest_http.h"
#include "tests/api/member_client.h"

namespace podium::api {
namespace {

TEST_F(RestApiTest, LoginGivesASessionTokenThatLogoutEnds) {
  auto reply = request(http::verb::post, "/api/v1/login",
                       json{{"email", "ALICE@example.org"}, {"password", kAlicePassword}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["Cache-Control"], "no-store");
  auto token = reply.document()["token"].get<std::string>();
  EXPECT_EQ(token.size(), 43u);
  ASSERT_TRUE(base64url_decode(token));
  auto expires = parse_rfc3339(reply.document()["expires_at"].get<std::string>());
  ASSERT_TRUE(expires);
  EXPECT_NEAR(static_cast<double>(*expires - unix_now()), 12 * 3600, 60);

  EXPECT_EQ(request(http::verb::get, "/api/v1/conferences", "", token).status, 200);
  EXPECT_EQ(request(http::verb::post, "/api/v1/logout", "", token).status, 204);
  expect_problem(request(http::verb::get, "/api/v1/conferences", "", token), 401);
}

TEST_F(RestApiTest, StoresOnlyTheHashOfTheSessionToken) {
  auto token = login("alice@example.org", kAlicePassword);
  auto second = store::SqliteStore::open(dir_);
  ASSERT_TRUE(second);
  EXPECT_FALSE((*second)->find_session(token, 0)) << "the raw token must not be a key";
}

TEST_F(RestApiTest, WrongPasswordAndUnknownEmailLookTheSame) {
  auto wrong = request(http::verb::post, "/api/v1/login",
                       json{{"email", "alice@example.org"}, {"password", "not-her-password"}}.dump());
  auto unknown = request(http::verb::post, "/api/v1/login",
                         json{{"email", "eve@example.org"}, {"password", "not-her-password"}}.dump());
  expect_problem(wrong, 401);
  expect_problem(unknown, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.headers["WWW-Authenticate"], "Bearer realm=\"podium\"");
  expect_problem(request(http::verb::post, "/api/v1/login", json{{"email", "alice@example.org"}}.dump()), 400);
  expect_problem(request(http::verb::get, "/api/v1/login"), 405);
}

TEST_F(RestApiTest, CreateGetListPatchDeleteAConference) {
  auto token = login("alice@example.org", kAlicePassword);
  auto created = create(token, "partnership",
                        {{"title", "Strategic Partnership"},
                         {"languages", {"en", "de"}},
                         {"start", "2025-05-01T09:00:00Z"},
                         {"end", "2025-05-01T17:00:00Z"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers[http::field::location], "/api/v1/conferences/partnership");
  EXPECT_EQ(created.headers[http::field::etag], "\"1\"");
  auto body = created.document();
  EXPECT_EQ(body["name"], "partnership");
  EXPECT_EQ(body["title"], "Strategic Partnership");
  EXPECT_EQ(body["languages"], json({"en", "de"}));
  EXPECT_EQ(body["settings"]["registration"], "closed");
  EXPECT_FALSE(body.contains("owner"));

  auto got = request(http::verb::get, "/api/v1/conferences/partnership", "", token);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.headers[http::field::etag], "\"1\"");
  EXPECT_EQ(got.document()["title"], "Strategic Partnership");

  expect_problem(create(token, "partnership"), 409);

  // PATCH: If-Match is required, must be current, and the merge patch is validated whole.
  auto patch = json{{"title", "Strategic Partnership 2025"}, {"settings", {{"lobby", true}}}}.dump();
  expect_problem(request(http::verb::patch, "/api/v1/conferences/partnership", patch, token), 428);
  expect_problem(request(http::verb::patch, "/api/v1/conferences/partnership", patch, token,
                         {{http::field::if_match, "\"7\""}}),
                 412);
  auto patched = request(http::verb::patch, "/api/v1/conferences/partnership", patch, token,
                         {{http::field::if_match, "\"1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.headers[http::field::etag], "\"2\"");
  EXPECT_EQ(patched.document()["title"], "Strategic Partnership 2025");
  EXPECT_EQ(patched.document()["settings"]["lobby"], true);
  EXPECT_EQ(patched.document()["settings"]["chat"], "everyone");  // untouched members stay
  EXPECT_EQ(patched.document()["languages"], json({"en", "de"}));
  // The stale ETag is now refused: someone else's edit is not overwritten.
  expect_problem(request(http::verb::patch, "/api/v1/conferences/partnership", patch, token,
                         {{http::field::if_match, "\"1\""}}),
                 412);
  // null removes a member (RFC 7396); a patch that breaks a rule changes nothing.
  auto bad = request(http::verb::patch, "/api/v1/conferences/partnership",
                     json{{"end", "2025-04-01T00:00:00Z"}}.dump(), token,
                     {{http::field::if_match, "\"2\""}});
  expect_problem(bad, 422);
  expect_problem(request(http::verb::patch, "/api/v1/conferences/partnership",
                         json{{"name", "renamed"}}.dump(), token, {{http::field::if_match, "\"2\""}}),
                 422);
  auto removed_end = request(http::verb::patch, "/api/v1/conferences/partnership",
                             json{{"end", nullptr}}.dump(), token, {{http::field::if_match, "\"2\""}});
  ASSERT_EQ(removed_end.status, 200) << removed_end.body;
  EXPECT_FALSE(removed_end.document().contains("end"));
  EXPECT_EQ(removed_end.document()["version"], 3);

  auto list = request(http::verb::get, "/api/v1/conferences", "", token);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.document()["conferences"].size(), 1u);
  EXPECT_EQ(list.document()["conferences"][0]["name"], "partnership");

  EXPECT_EQ(request(http::verb::delete_, "/api/v1/conferences/partnership", "", token).status, 204);
  expect_problem(request(http::verb::get, "/api/v1/conferences/partnership", "", token), 404);
  expect_problem(request(http::verb::delete_, "/api/v1/conferences/partnership", "", token), 404);
}

TEST_F(RestApiTest, ListShowsOnlyOwnConferencesPageByPage) {
  auto alice = login("alice@example.org", kAlicePassword);
  auto bob = login("bob@example.org", kBobPassword);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(create(alice, "a" + std::to_string(i)).status, 201);
    ASSERT_EQ(create(bob, "b" + std::to_string(i)).status, 201);
  }
  std::vector<std::string> names;
  std::string target = "/api/v1/conferences?limit=2";
  int pages = 0;
  while (true) {
    auto page = request(http::verb::get, target, "", alice);
    ASSERT_EQ(page.status, 200) << page.body;
    auto document = page.document();
    for (const auto& conference : document["conferences"]) {
      names.push_back(conference["name"]);
    }
    ++pages;
    if (!page.document().contains("next_cursor")) {
      EXPECT_TRUE(page.headers["Link"].empty());
      break;
    }
    auto link = std::string(page.headers["Link"]);
    ASSERT_EQ(link.front(), '<') << link;
    EXPECT_NE(link.find("rel=\"next\""), std::string::npos);
    target = link.substr(1, link.find('>') - 1);
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4"}));
  EXPECT_EQ(pages, 3);
  expect_problem(request(http::verb::get, "/api/v1/conferences?limit=0", "", alice), 400);
  expect_problem(request(http::verb::get, "/api/v1/conferences?limit=101", "", alice), 400);
  expect_problem(request(http::verb::get, "/api/v1/conferences?limit=x", "", alice), 400);
}

TEST_F(RestApiTest, InvitationsGivePersonalJoinLinksAndCanBeRevoked) {
  auto token = login("alice@example.org", kAlicePassword);
  ASSERT_EQ(create(token, "partnership").status, 201);
  auto invited = request(http::verb::post, "/api/v1/conferences/partnership/invitations",
                         json{{"name", "Dr. Anna Berg"}, {"role", "speaker"},
                              {"email", "anna@example.org"}}.dump(),
                         token);
  ASSERT_EQ(invited.status, 201) << invited.body;
  auto body = invited.document();
  auto link = body["link"].get<std::string>();
  ASSERT_EQ(link.rfind("http://podium.test:8080/app/?token=", 0), 0u) << link;
  auto jwt = link.substr(link.find('=') + 1);
  EXPECT_EQ(jwt, body["token"]);
  auto access = verify_access_token(jwt, key_, unix_now());
  ASSERT_TRUE(access) << access.error();
  EXPECT_EQ(access->conference, "partnership");
  EXPECT_EQ(access->name, "Dr. Anna Berg");
  EXPECT_EQ(access->role, Role::kSpeaker);
  EXPECT_EQ(access->subject, body["id"]);
  EXPECT_EQ(invited.headers[http::field::location],
            "/api/v1/conferences/partnership/invitations/" + access->subject);

  auto list = request(http::verb::get, "/api/v1/conferences/partnership/invitations", "", token);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.document()["invitations"].size(), 1u);
  EXPECT_EQ(list.document()["invitations"][0]["revoked"], false);
  EXPECT_FALSE(list.document()["invitations"][0].contains("token"));

  EXPECT_EQ(request(http::verb::delete_,
                    "/api/v1/conferences/partnership/invitations/" + access->subject, "", token)
                .status,
            204);
  list = request(http::verb::get, "/api/v1/conferences/partnership/invitations", "", token);
  EXPECT_EQ(list.document()["invitations"][0]["revoked"], true);
  expect_problem(request(http::verb::delete_, "/api/v1/conferences/partnership/invitations/nope",
                         "", token),
                 404);

  for (const auto& bad : {json{{"name", "X"}, {"role", "organizer"}},
                          json{{"name", "X"}, {"role", "king"}},
                          json{{"name", ""}, {"role", "speaker"}},
                          json{{"name", "X"}, {"role", "speaker"}, {"email", "not-an-email"}},
                          json{{"name", "X"}, {"role", "speaker"}, {"extra", 1}}}) {
    expect_problem(request(http::verb::post, "/api/v1/conferences/partnership/invitations",
                           bad.dump(), token),
                   422);
  }
}

TEST_F(RestApiTest, PublicRegistrationOnlyWhenOpen) {
  auto token = login("alice@example.org", kAlicePassword);
  ASSERT_EQ(create(token, "partnership").status, 201);
  auto signup = json{{"name", "Press Person"}, {"email", "press@example.org"}}.dump();
  expect_problem(request(http::verb::post, "/api/v1/conferences/partnership/registrations", signup), 403);
  expect_problem(request(http::verb::post, "/api/v1/conferences/nothing/registrations", signup), 404);

  ASSERT_EQ(request(http::verb::patch, "/api/v1/conferences/partnership",
                    json{{"settings", {{"registration", "open"}}}}.dump(), token,
                    {{http::field::if_match, "\"1\""}})
                .status,
            200);
  auto registered = request(http::verb::post, "/api/v1/conferences/partnership/registrations", signup);
  ASSERT_EQ(registered.status, 201) << registered.body;
  auto access = verify_access_token(registered.document()["token"].get<std::string>(), key_, unix_now());
  ASSERT_TRUE(access);
  EXPECT_EQ(access->role, Role::kAttendee);
  EXPECT_EQ(access->conference, "partnership");
  EXPECT_NE(registered.document()["link"].get<std::string>().find("/?token="), std::string::npos);

  expect_problem(request(http::verb::post, "/api/v1/conferences/partnership/registrations",
                         json{{"name", "Again"}, {"email", "PRESS@example.org"}}.dump()),
                 409);
  expect_problem(request(http::verb::post, "/api/v1/conferences/partnership/registrations",
                         json{{"name", "No email"}}.dump()),
                 422);

  auto list = request(http::verb::get, "/api/v1/conferences/partnership/registrations", "", token);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.document()["registrations"].size(), 1u);
  EXPECT_EQ(list.document()["registrations"][0]["email"], "press@example.org");
  expect_problem(request(http::verb::get, "/api/v1/conferences/partnership/registrations"), 401);
}

// Every one of these must fail, and none may change anything.
TEST_F(RestApiTest, InvitationsAndRegistrationsArePaged) {
  auto alice = login("alice@example.org", kAlicePassword);
  ASSERT_EQ(create(alice, "partnership", {{"settings", {{"registration", "open"}}}}).status, 201);
  const std::string conference = "/api/v1/conferences/partnership";
  for (int i = 0; i < 5; ++i) {
    auto name = "Person " + std::to_string(i);
    ASSERT_EQ(request(http::verb::post, conference + "/registrations",
                      json{{"name", name}, {"email", "p" + std::to_string(i) + "@example.org"}}.dump())
                  .status,
              201);
    ASSERT_EQ(request(http::verb::post, conference + "/invitations",
                      json{{"name", name}, {"role", "speaker"}}.dump(), alice)
                  .status,
              201);
  }
  for (const std::string list : {"registrations", "invitations"}) {
    SCOPED_TRACE(list);
    std::vector<std::string> names;
    std::string target = conference + "/" + list + "?limit=2";
    int pages = 0;
    for (;;) {
      auto page = request(http::verb::get, target, "", alice);
      ASSERT_EQ(page.status, 200) << page.body;
      ++pages;
      auto document = page.document();
      for (const auto& item : document[list]) names.push_back(item["name"]);
      if (!document.contains("next_cursor")) break;
      EXPECT_NE(page.headers[http::field::link].find("rel=\"next\""), std::string::npos);
      target = conference + "/" + list + "?limit=2&cursor=" + document["next_cursor"].get<std::string>();
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(names, (std::vector<std::string>{"Person 0", "Person 1", "Person 2", "Person 3", "Person 4"}));
    // Without a limit, everything at once.
    EXPECT_EQ(request(http::verb::get, conference + "/" + list, "", alice).document()[list].size(), 5u);
    expect_problem(request(http::verb::get, conference + "/" + list + "?limit=0", "", alice), 400);
    expect_problem(request(http::verb::get, conference + "/" + list + "?cursor=nope", "", alice), 400);
  }
}

TEST_F(RestApiTest, AttemptsThatMustFail) {
  auto alice = login("alice@example.org", kAlicePassword);
  auto bob = login("bob@example.org", kBobPassword);
  ASSERT_EQ(create(alice, "partnership").status, 201);

  // An expired session, written straight into the database the way a login would.
  std::string expired_token(43, 'A');
  {
    auto second = store::SqliteStore::open(dir_);
    ASSERT_TRUE(second);
    // SHA-256 of 43 'A's, as the server would store it.
    auto organizer = (*second)->find_organizer_by_email("alice@example.org");
    ASSERT_TRUE(organizer);
    ASSERT_TRUE((*second)->create_session(
        "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a", organizer->id, 1));
  }
  auto access_token = issue_access_token(key_, "partnership", "Mallory", Role::kOrganizer,
                                         std::chrono::hours(1));
  std::string forged = alice;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';

  struct Attempt {
    const char* what;
    http::verb verb;
    std::string target;
    std::string body;
    std::string bearer;
    int status;
    std::vector<std::pair<http::field, std::string>> fields = {};
  };
  const std::string conference = "/api/v1/conferences/partnership";
  const std::string patch = json{{"title", "Hijacked"}}.dump();
  std::vector<Attempt> attempts = {
      {"no token: list", http::verb::get, "/api/v1/conferences", "", "", 401},
      {"no token: create", http::verb::post, "/api/v1/conferences",
       json{{"name", "x"}, {"title", "x"}}.dump(), "", 401},
      {"no token: delete", http::verb::delete_, conference, "", "", 401},
      {"forged session token", http::verb::get, conference, "", forged, 401},
      {"expired session token", http::verb::get, conference, "", expired_token, 401},
      {"join token as a session", http::verb::get, conference, "", access_token, 401},
      {"join token: patch", http::verb::patch, conference, patch, access_token, 401,
       {{http::field::if_match, "\"1\""}}},
      {"basic auth", http::verb::get, conference, "", "", 401,
       {{http::field::authorization, "Basic YWxpY2U6eA=="}}},
      {"another organizer: get", http::verb::get, conference, "", bob, 404},
      {"another organizer: patch", http::verb::patch, conference, patch, bob, 404,
       {{http::field::if_match, "\"1\""}}},
      {"another organizer: delete", http::verb::delete_, conference, "", bob, 404},
      {"another organizer: invite", http::verb::post, conference + "/invitations",
       json{{"name", "Eve"}, {"role", "moderator"}}.dump(), bob, 404},
      {"another organizer: invitations", http::verb::get, conference + "/invitations", "", bob, 404},
      {"another organizer: registrations", http::verb::get, conference + "/registrations", "", bob,
       404},
      {"malformed JSON", http::verb::post, "/api/v1/conferences", "{\"name\": \"x\",", alice, 400},
      {"JSON that is not an object", http::verb::post, "/api/v1/conferences", "[1,2]", alice, 400},
      {"deeply nested JSON", http::verb::post, "/api/v1/conferences",
       std::string(5000, '[') + std::string(5000, ']'), alice, 400},
      {"oversized body", http::verb::post, "/api/v1/conferences",
       json{{"name", "big"}, {"title", "t"}, {"description", std::string(70000, 'x')}}.dump(), alice,
       413},
      {"wrong content type", http::verb::post, "/api/v1/conferences",
       json{{"name", "x"}, {"title", "x"}}.dump(), alice, 415,
       {{http::field::content_type, "text/plain"}}},
      {"invalid conference name", http::verb::post, "/api/v1/conferences",
       json{{"name", "../etc"}, {"title", "x"}}.dump(), alice, 422},
      {"title missing", http::verb::post, "/api/v1/conferences", json{{"name", "x"}}.dump(), alice,
       422},
      {"owner smuggled in", http::verb::patch, conference, json{{"owner", 2}}.dump(), alice, 422,
       {{http::field::if_match, "\"1\""}}},
      {"weak ETag", http::verb::patch, conference, patch, alice, 412,
       {{http::field::if_match, "W/\"1\""}}},
      {"unknown path", http::verb::get, "/api/v1/organizers", "", alice, 404},
      {"empty segment", http::verb::get, "/api/v1/conferences//invitations", "", alice, 404},
      {"wrong method", http::verb::put, conference, patch, alice, 405},
  };
  for (const auto& attempt : attempts) {
    auto reply = request(attempt.verb, attempt.target, attempt.body, attempt.bearer, attempt.fields);
    SCOPED_TRACE(attempt.what);
    expect_problem(reply, attempt.status);
  }

  // Nothing changed: the conference is as alice made it, and no other conference exists.
  auto got = request(http::verb::get, conference, "", alice);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.document()["title"], "Conference partnership");
  EXPECT_EQ(got.headers[http::field::etag], "\"1\"");
  auto list = request(http::verb::get, "/api/v1/conferences", "", alice);
  EXPECT_EQ(list.document()["conferences"].size(), 1u);
  EXPECT_EQ(request(http::verb::get, "/api/v1/conferences", "", bob).document()["conferences"].size(),
            0u);
  EXPECT_EQ(request(http::verb::get, conference + "/invitations", "", alice)
                .document()["invitations"]
                .size(),
            0u);
}

TEST_F(RestApiTest, BodiesOverTheServerLimitAreRefused) {
  auto alice = login("alice@example.org", kAlicePassword);
  auto reply = request(http::verb::post, "/api/v1/conferences", std::string(300 * 1024, ' '), alice);
  EXPECT_EQ(reply.status, 413);
}

TEST_F(RestApiTest, ThePlannedAgendaIsTheRunningConferencesAgenda) {
  auto token = login("alice@example.org", kAlicePassword);
  auto created = request(http::verb::post, "/api/v1/conferences",
                         json::parse(R"({"name": "hearing", "title": "Hearing", "agenda": [
                             {"title": "Opening", "speakers": ["Chair"], "planned_ms": 120000},
                             {"title": "Reply", "speakers": ["Member"]}]})").dump(),
                         token);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.document()["agenda"][0]["id"], "i1");
  expect_problem(request(http::verb::post, "/api/v1/conferences",
                         json::parse(R"({"name": "bad", "title": "B", "agenda": [{"title": ""}]})").dump(),
                         token),
                 422);
  auto invited = request(http::verb::post, "/api/v1/conferences/hearing/invitations",
                         json{{"name", "Chair"}, {"role", "moderator"}}.dump(), token);
  ASSERT_EQ(invited.status, 201) << invited.body;
  test_support::Member chair(server_->port(), invited.document()["token"].get<std::string>());
  const auto& agenda = chair.welcome["state"]["agenda"];
  ASSERT_EQ(agenda.size(), 2u) << chair.welcome.dump();
  EXPECT_EQ(agenda[0]["id"], "i1");
  EXPECT_EQ(agenda[0]["title"], "Opening");
  EXPECT_EQ(agenda[0]["planned_ms"], 120000);
  EXPECT_EQ(agenda[0]["status"], "pending");
  EXPECT_EQ(agenda[1]["id"], "i2");
  ASSERT_TRUE(chair.command("open")["ok"]);
  ASSERT_TRUE(chair.command("go-live")["ok"]);
  auto started = chair.command("start-item", {{"item", "i2"}});
  EXPECT_TRUE(started["ok"]) << started.dump();
  EXPECT_FALSE(chair.command("start-item", {{"item", "i9"}})["ok"]);
}

}  // namespace
}  // namespace podium::api
