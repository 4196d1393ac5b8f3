// Real loopback sockets against a Server on port 0, with Beast's synchronous client.
#include "api/server.h"
#include "tests/api/server_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/jwt.h"

namespace podium::api {
namespace {

using namespace test_support;

TEST_F(ServerTest, PortInUseIsAClearError) {
  MediaEventSink sink;
  sfu::MediaServer media({}, sink.events());
  ServerConfig config;
  config.port = server_->port();
  Server second(config, media);
  try {
    second.start();
    FAIL() << "second listener on the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot listen on 127.0.0.1:" + std::to_string(server_->port()) +
                  ": Address already in use");
  }
}

TEST_F(ServerTest, Healthz) {
  auto result = request(http::verb::get, "/healthz");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "ok");
  EXPECT_EQ(result.headers["Access-Control-Allow-Origin"], "*");
}

TEST_F(ServerTest, MetricsCountRequestsAndState) {
  request(http::verb::get, "/healthz");
  request(http::verb::get, "/nope.txt");
  auto text = metrics();
  EXPECT_NE(text.find("podium_http_requests_total{code=\"200\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("podium_http_requests_total{code=\"404\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("podium_websocket_connections 0\n"), std::string::npos);
  EXPECT_NE(text.find("podium_conferences 0\n"), std::string::npos);
  EXPECT_NE(text.find("podium_participants 0\n"), std::string::npos);
  EXPECT_NE(text.find("podium_signaling_messages_total{result=\"ok\"} 0\n"), std::string::npos);

  auto alice = join("demo", "Alice");
  alice->expect("welcome");
  alice->send(std::string("nonsense"));
  alice->expect("error");
  text = metrics();
  EXPECT_NE(text.find("podium_websocket_connections 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("podium_conferences 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("podium_participants 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("podium_signaling_messages_total{result=\"ok\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("podium_signaling_messages_total{result=\"error\"} 1\n"), std::string::npos);
}

TEST_F(ServerTest, StaticFiles) {
  auto index = request(http::verb::get, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>podium</title>");
  EXPECT_EQ(index.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_EQ(index.headers["Cache-Control"], "no-cache");
  auto script = request(http::verb::get, "/js/app.js?v=3");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.body, "export const x = 1;");
  EXPECT_EQ(script.headers["Content-Type"], "text/javascript; charset=utf-8");
  expect_json_error(request(http::verb::get, "/missing.js"), 404);
}

TEST_F(ServerTest, AppRoutesAreTheEntryPageAndHashedAssetsAreCachedForever) {
  // A route of the app, opened from a join link or reloaded, is the entry page, which the
  // browser revalidates so a new build reaches it.
  for (const char* target : {"/app/", "/app/stage", "/app/console/partnership?x=1", "/app"}) {
    auto page = request(http::verb::get, target);
    EXPECT_EQ(page.status, 200) << target;
    EXPECT_EQ(page.body, "<!doctype html><title>podium app</title>") << target;
    EXPECT_EQ(page.headers["Cache-Control"], "no-cache") << target;
    EXPECT_EQ(page.headers["Content-Type"], "text/html; charset=utf-8") << target;
  }
  auto asset = request(http::verb::get, "/app/assets/index-3f9a1c.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(asset.body, "console.log(1);");
  EXPECT_EQ(asset.headers["Cache-Control"], "public, max-age=31536000, immutable");
  // A missing asset is a 404, not the entry page served as a script.
  auto missing = request(http::verb::get, "/app/assets/index-old.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.find("podium app"), std::string::npos);
  EXPECT_EQ(request(http::verb::get, "/app/../secret.txt").status, 400);
}

TEST_F(ServerTest, PathTraversalRefused) {
  for (const char* target : {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt",
                             "/js/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt"}) {
    auto result = request(http::verb::get, target);
    EXPECT_EQ(result.status, 400) << target;
    EXPECT_EQ(result.body.find("top secret"), std::string::npos) << target;
  }
  // A symlink inside the root that points outside is not followed out.
  std::filesystem::create_symlink(dir_ / "secret.txt", dir_ / "web" / "link.txt");
  auto linked = request(http::verb::get, "/link.txt");
  EXPECT_EQ(linked.status, 404);
  EXPECT_EQ(linked.body.find("top secret"), std::string::npos);
}

TEST_F(ServerTest, WhipAuthorization) {
  expect_json_error(post_sdp("/whip/demo", ""), 401);
  auto other_key = std::vector<std::uint8_t>(32, 1);
  expect_json_error(
      post_sdp("/whip/demo", issue_access_token(other_key, "demo", "A", Role::kSpeaker,
                                                std::chrono::hours(1))),
      401);
  expect_json_error(post_sdp("/whip/demo", token("demo", "A", Role::kSpeaker, std::chrono::seconds(-5))),
                    401);
  expect_json_error(post_sdp("/whip/demo", token("demo", "A", Role::kAttendee)), 403);
  expect_json_error(post_sdp("/whip/B", token("A", "A", Role::kSpeaker)), 403);
  expect_json_error(post_sdp("/whip/demo", token("demo", "A", Role::kSpeaker), "text/plain"), 415);
  expect_json_error(post_sdp("/whip/bad%20name", token("demo", "A", Role::kSpeaker)), 400);
  expect_json_error(request(http::verb::delete_, "/whip/demo/0123456789abcdef"), 404);
  expect_json_error(request(http::verb::get, "/whip/demo"), 405);
  EXPECT_NE(metrics().find("podium_participants 0\n"), std::string::npos);
}

TEST_F(ServerTest, WhipOfferTheMediaPlaneRefusesLeavesNoParticipant) {
  // The offer is not a usable SDP; whatever the media plane says, it is a JSON error and
  // nobody is left registered.
  auto result = post_sdp("/whip/demo", token("demo", "A", Role::kSpeaker));
  EXPECT_GE(result.status, 400);
  expect_json_error(result, result.status);
  EXPECT_NE(metrics().find("podium_participants 0\n"), std::string::npos);
  // WHEP accepts any role: an attendee gets past authorization to the media plane.
  auto viewer = post_sdp("/whep/demo", token("demo", "V", Role::kAttendee));
  EXPECT_NE(viewer.status, 401);
  EXPECT_NE(viewer.status, 403);
}

TEST_F(ServerTest, WhepLanguageMustBeOneTheConferenceInterpretsInto) {
  // docs/interpretation.md: ?lang= picks a language's program; the conference has no
  // booths, so any language but the floor is unknown.
  auto unknown = post_sdp("/whep/demo?lang=fr", token("demo", "V", Role::kAttendee));
  expect_json_error(unknown, 404);
  EXPECT_NE(unknown.body.find("no interpretation into 'fr'"), std::string::npos) << unknown.body;
  expect_json_error(post_sdp("/whep/demo?lang=f%20r", token("demo", "V", Role::kAttendee)), 400);
  // The floor is always there: the request gets as far as the offer (a malformed one here).
  auto floor = post_sdp("/whep/demo?lang=floor", token("demo", "V", Role::kAttendee));
  EXPECT_EQ(floor.status, 400);
  EXPECT_NE(floor.body.find("SDP"), std::string::npos) << floor.body;
  EXPECT_NE(metrics().find("podium_participants 0\n"), std::string::npos);
}

TEST_F(ServerTest, UnknownPathAndPreflight) {
  expect_json_error(request(http::verb::get, "/api/v9/nothing"), 404);
  expect_json_error(request(http::verb::post, "/nothing", "x"), 404);
  auto preflight = request(http::verb::options, "/whip/demo", "",
                           {{http::field::origin, "https://encoder.example"},
                            {http::field::access_control_request_method, "POST"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(preflight.headers["Access-Control-Allow-Methods"], "GET, POST, DELETE, PATCH, OPTIONS");
  EXPECT_EQ(preflight.headers["Access-Control-Allow-Headers"], "Authorization, Content-Type, If-Match");
  EXPECT_EQ(preflight.headers["Access-Control-Expose-Headers"], "Location, Link, ETag");
}

TEST_F(ServerTest, OversizedBodyRefused) {
  auto result = request(http::verb::post, "/whip/demo", std::string(300 * 1024, 'x'),
                        {{http::field::content_type, "application/sdp"}});
  expect_json_error(result, 413);
}

TEST_F(ServerTest, WebSocketBadTokenIsUnauthorizedAndClosed) {
  WsClient client(server_->port(), "/rtc?token=not.a.token");
  client.send(json{{"type", "join"}, {"version", 1}});
  auto error = client.expect("error");
  EXPECT_EQ(error["code"], "unauthorized");
  EXPECT_TRUE(client.closed_by_server());

  WsClient no_token(server_->port(), "/rtc");
  no_token.send(json{{"type", "join"}, {"version", 1}});
  EXPECT_EQ(no_token.expect("error")["code"], "unauthorized");
  EXPECT_TRUE(no_token.closed_by_server());
}

// The signaling half of the table of attempts that must fail (the REST half is in
// rest_api_test.cc): none of these joins, and the conference hears of nobody.
TEST_F(ServerTest, SignalingAttemptsWithBadTokensNeverJoin) {
  auto inside = join("demo", "Chair", Role::kModerator);
  inside->expect("welcome");
  auto good = token("demo", "Mallory", Role::kAttendee);
  // The same claims with the role raised to organizer, the signature kept.
  auto first_dot = good.find('.');
  auto second_dot = good.find('.', first_dot + 1);
  auto claims = base64url_decode(good.substr(first_dot + 1, second_dot - first_dot - 1));
  ASSERT_TRUE(claims);
  auto raised = nlohmann::json::parse(std::string(claims->begin(), claims->end()));
  raised["role"] = "organizer";
  auto raised_text = raised.dump();
  std::string tampered = good.substr(0, first_dot + 1) +
                         base64url_encode(Bytes(reinterpret_cast<const std::uint8_t*>(raised_text.data()),
                                                raised_text.size())) +
                         good.substr(second_dot);
  struct Attempt {
    const char* what;
    std::string target;
  };
  std::vector<Attempt> attempts = {
      {"no token", "/rtc"},
      {"malformed", "/rtc?token=not.a.token"},
      {"forged: signed with another key",
       "/rtc?token=" + issue_access_token(std::vector<std::uint8_t>(32, 7), "demo", "Mallory",
                                          Role::kOrganizer, std::chrono::hours(1))},
      {"expired", "/rtc?token=" + token("demo", "Mallory", Role::kModerator, std::chrono::seconds(-1))},
      {"claims changed after signing", "/rtc?token=" + tampered},
  };
  for (const auto& attempt : attempts) {
    SCOPED_TRACE(attempt.what);
    WsClient client(server_->port(), attempt.target);
    client.send(json{{"type", "join"}, {"version", 1}});
    EXPECT_EQ(client.expect("error")["code"], "unauthorized");
    EXPECT_TRUE(client.closed_by_server());
  }
  // Nobody joined: the member inside heard of no one, and it is alone.
  inside->expect_nothing_pending();
  EXPECT_NE(metrics().find("podium_participants 1\n"), std::string::npos) << metrics();
}

TEST_F(ServerTest, TokenInJoinMessage) {
  WsClient client(server_->port(), "/rtc");
  client.send(json{{"type", "join"}, {"version", 1}, {"token", token("demo", "Eve", Role::kPress)}});
  auto welcome = client.expect("welcome");
  EXPECT_EQ(welcome["participant"]["name"], "Eve");
  EXPECT_EQ(welcome["participant"]["role"], "press");
  EXPECT_EQ(welcome["permissions"]["publish"], false);
  EXPECT_EQ(welcome["conference"], "demo");
}

TEST_F(ServerTest, ParticipantsSeeEachOtherOnlyInTheirConference) {
  auto alice = join("demo", "Alice", Role::kModerator);
  auto alice_welcome = alice->expect("welcome");
  EXPECT_TRUE(alice_welcome["participants"].empty());
  EXPECT_EQ(alice_welcome["permissions"]["publish"], true);
  auto alice_id = alice_welcome["participant"]["id"];

  auto bob = join("demo", "Bob", Role::kAttendee);
  auto bob_welcome = bob->expect("welcome");
  ASSERT_EQ(bob_welcome["participants"].size(), 1u);
  EXPECT_EQ(bob_welcome["participants"][0],
            (json{{"id", alice_id}, {"name", "Alice"}, {"role", "moderator"}}));
  EXPECT_TRUE(bob_welcome["tracks"].empty());
  auto bob_id = bob_welcome["participant"]["id"];
  EXPECT_NE(bob_id, alice_id);

  auto joined = alice->expect("participant-joined");
  EXPECT_EQ(joined["participant"], (json{{"id", bob_id}, {"name", "Bob"}, {"role", "attendee"}}));

  auto carol = join("other", "Carol");
  EXPECT_TRUE(carol->expect("welcome")["participants"].empty());
  carol->expect_nothing_pending();
  alice->expect_nothing_pending();  // Carol's join is not Alice's business

  bob->close();
  auto left = alice->expect("participant-left");
  EXPECT_EQ(left["participant"], bob_id);
  carol->expect_nothing_pending();
}

TEST_F(ServerTest, AClientThatTakesBatchesHearsOfAJoinStormInFewMessagesInOrder) {
  // A moderator whose client joined with "batch": true, then twenty attendees at once,
  // five of whom leave again. Each arrival and departure reaches her, in order, but
  // grouped: not one WebSocket message per person per join.
  auto chair = std::make_unique<WsClient>(server_->port(),
                                          "/rtc?token=" + token("storm", "Chair", Role::kModerator));
  chair->send(json{{"type", "join"}, {"version", 1}, {"batch", true}});
  ASSERT_EQ(chair->read_any()["type"], "welcome");
  auto own = chair->read_any();  // her own arrival is not held back
  EXPECT_EQ(own["type"], "event");
  EXPECT_EQ(own["event"]["type"], "participant_joined");

  // A speaker without batches: on the panel, so it hears of the audience coming and going.
  auto witness = std::make_unique<WsClient>(server_->port(),
                                            "/rtc?token=" + token("storm", "Witness", Role::kSpeaker));
  witness->send(json{{"type", "join"}, {"version", 1}});
  const std::string witness_id = witness->expect("welcome")["participant"]["id"];

  constexpr int kAttendees = 20;
  std::vector<std::unique_ptr<WsClient>> crowd;
  for (int i = 0; i < kAttendees; ++i)
    crowd.push_back(std::make_unique<WsClient>(
        server_->port(), "/rtc?token=" + token("storm", "A" + std::to_string(i), Role::kAttendee)));
  for (auto& member : crowd) member->send(json{{"type", "join"}, {"version", 1}});
  std::vector<std::string> ids;
  for (auto& member : crowd) ids.push_back(member->expect("welcome")["participant"]["id"]);
  for (int i = 0; i < 5; ++i) crowd[static_cast<std::size_t>(i)]->close();

  // Wait until the server has seen the five leave: the unbatched witness hears of them.
  std::set<std::string> gone;
  while (gone.size() < 5) {
    auto message = witness->read();
    if (message["type"] == "participant-left") gone.insert(message["participant"].get<std::string>());
  }
  // A ping's pong comes after everything held for the chair.
  chair->send(json{{"type", "ping"}});
  int frames = 0, batches = 0;
  std::vector<json> heard;
  for (;;) {
    auto message = chair->read_any();
    if (message["type"] == "pong") break;
    ++frames;
    if (message["type"] == "batch") {
      ++batches;
      ASSERT_GE(message["messages"].size(), 2u) << message.dump();
      for (const auto& inner : message["messages"]) heard.push_back(inner);
    } else {
      heard.push_back(message);
    }
  }
  std::erase_if(heard, [&](const json& m) {  // the witness's own arrival
    return (m["type"] == "participant-joined" && m["participant"]["id"] == witness_id) ||
           (m["type"] == "event" && m["event"].value("participant", "") == witness_id);
  });
  std::vector<std::string> joined, left, joined_events, left_events;
  for (const auto& m : heard) {
    if (m["type"] == "participant-joined") joined.push_back(m["participant"]["id"]);
    if (m["type"] == "participant-left") left.push_back(m["participant"]);
    if (m["type"] == "event" && m["event"]["type"] == "participant_joined")
      joined_events.push_back(m["event"]["participant"]);
    if (m["type"] == "event" && m["event"]["type"] == "participant_left")
      left_events.push_back(m["event"]["participant"]);
  }
  EXPECT_EQ(joined, ids) << "every arrival, in the order the server took them";
  EXPECT_EQ(joined_events, ids);
  std::vector<std::string> first_five(ids.begin(), ids.begin() + 5);
  std::set<std::string> left_set(left.begin(), left.end());
  EXPECT_EQ(left_set, std::set<std::string>(first_five.begin(), first_five.end()));
  EXPECT_EQ(left.size(), 5u);
  EXPECT_EQ(left_events.size(), 5u);
  // News of someone leaving never comes before the news of their arrival.
  for (const auto& id : first_five) {
    auto arrived = std::find_if(heard.begin(), heard.end(), [&](const json& m) {
      return m["type"] == "participant-joined" && m["participant"]["id"] == id;
    });
    auto departed = std::find_if(heard.begin(), heard.end(), [&](const json& m) {
      return m["type"] == "participant-left" && m["participant"] == id;
    });
    EXPECT_LT(arrived - heard.begin(), departed - heard.begin()) << id;
  }
  EXPECT_EQ(heard.size(), 2u * (kAttendees + 5)) << "the roster message and the conference event";
  EXPECT_GE(batches, 1);
  EXPECT_LE(frames * 4, static_cast<int>(heard.size())) << frames << " messages for " << heard.size();
}

TEST_F(ServerTest, LeaveTellsOthersAndClosesTheSocket) {
  auto alice = join("demo", "Alice");
  alice->expect("welcome");
  auto bob = join("demo", "Bob");
  auto bob_id = bob->expect("welcome")["participant"]["id"];
  alice->expect("participant-joined");
  bob->send(json{{"type", "leave"}});
  EXPECT_TRUE(bob->closed_by_server());
  EXPECT_EQ(alice->expect("participant-left")["participant"], bob_id);
}

TEST_F(ServerTest, BadMessagesAreErrorsAndTheConnectionStaysUsable) {
  auto alice = join("demo", "Alice");
  alice->expect("welcome");
  alice->send(std::string("{not json"));
  auto error = alice->expect("error");
  EXPECT_EQ(error["code"], "bad-request");
  EXPECT_EQ(error["message"], "message is not valid JSON");
  alice->send(json{{"type", "join"}, {"version", 1}});
  EXPECT_EQ(alice->expect("error")["message"], "already joined");
  alice->expect_nothing_pending();
}

TEST_F(ServerTest, OfferBeforeJoinIsABadRequestAndUnknownSubscriptionsDoNotFailAnOffer) {
  WsClient client(server_->port(), "/rtc?token=" + token("demo", "A", Role::kSpeaker));
  client.send(json{{"type", "offer"}, {"sdp", "v=0\r\n"}});
  EXPECT_EQ(client.expect("error")["message"], "join first");
  client.send(json{{"type", "join"}, {"version", 1}});
  client.expect("welcome");
  // Only track ids of the participant's own conference are used; this one is in none.
  client.send(json{{"type", "offer"}, {"sdp", "v=0\r\n"}, {"subscriptions", {{"1", "t999"}}}});
  auto error = client.expect("error");
  // The unknown track is not what fails (it would be answered inactive); the SDP is.
  EXPECT_EQ(error["code"], "bad-request");
  EXPECT_EQ(error["message"].get<std::string>().rfind("malformed SDP offer", 0), 0u) << error.dump();
  client.expect_nothing_pending();
}

TEST_F(ServerTest, OfferReachesTheMediaPlaneAndItsVerdictComesBack) {
  auto alice = join("demo", "Alice");
  alice->expect("welcome");
  alice->send(json{{"type", "offer"}, {"sdp", "v=0\r\n"}});
  // Not a usable offer: the media plane answers with an error, mapped to a protocol code.
  auto error = alice->expect("error");
  EXPECT_TRUE(error["message"].is_string());
  alice->expect_nothing_pending();
}

}  // namespace
}  // namespace podium::api

namespace podium::api {
namespace {

// The media plane reports a new dominant speaker from its worker thread through the
// sink; the whole conference hears it, nobody else, and stale reports are dropped.
TEST_F(ServerTest, ActiveSpeakerReachesTheWholeConferenceOnly) {
  auto alice = join("demo", "Alice");
  std::string alice_id = alice->expect("welcome")["participant"]["id"];
  auto bob = join("demo", "Bob");
  bob->expect("welcome");
  alice->expect("participant-joined");
  auto carol = join("other", "Carol");
  std::string carol_id = carol->expect("welcome")["participant"]["id"];

  auto events = sink_.events();
  std::thread media_thread([&] { events.on_active_speaker("demo", alice_id); });
  media_thread.join();
  auto expected = json{{"type", "active-speaker"}, {"participant", alice_id}};
  EXPECT_EQ(alice->expect("active-speaker"), expected);  // the speaker too
  EXPECT_EQ(bob->expect("active-speaker"), expected);
  carol->expect_nothing_pending();

  // A participant of another conference, or one who already left, is not announced.
  events.on_active_speaker("demo", carol_id);
  events.on_active_speaker("demo", "p99999");
  bob->expect_nothing_pending();
  alice->expect_nothing_pending();
  carol->expect_nothing_pending();
}

}  // namespace
}  // namespace podium::api
