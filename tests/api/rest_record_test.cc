// The conference record over REST: JSON, HTML and the ZIP press kit, built from what the
// store holds (the live conference's snapshot, its timeline and its program recording),
// and who may read it: the owner, an organizer token, the press once it is published.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "conference/conference.h"
#include "rest_fixture.h"
#include "util/clock.h"

namespace podium::api {
namespace {

namespace c = podium::conference;

constexpr std::int64_t kMinute = 60'000;

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  *status = ::pclose(pipe);
  return out;
}

class RestRecordTest : public RestApiTest {
 protected:
  // alice's conference "sp" after two speeches, stored as the signaling layer stores a
  // live conference, with a finished program recording of it in the data directory.
  void SetUp() override {
    RestApiTest::SetUp();
    token_ = login("alice@example.org", kAlicePassword);
    ASSERT_EQ(create(token_, "sp", {{"title", "Strategic Partnership"},
                                    {"languages", {"az", "he"}},
                                    {"start", "2026-11-25T10:00:00Z"}})
                  .status,
              201);
    auto writer = store::SqliteStore::open(dir_);  // a second connection, as another process would
    ASSERT_TRUE(writer) << writer.error();

    const c::UnixMillis start = 1'795'600'800'000;  // 2026-11-25T10:00:00Z
    FakeClock clock;
    clock.set(TimePoint{});
    c::Conference conf({.id = "sp", .title = "Strategic Partnership", .languages = {"az", "he"}},
                       c::Settings{}, c::WallClock{clock, start});
    std::vector<c::Event> events;
    auto ok = [&](c::Outcome o) {
      ASSERT_TRUE(o.ok()) << o.error();
      events.insert(events.end(), o->begin(), o->end());
    };
    ok(conf.join({.id = "p1", .name = "Maya Moderator", .role = c::Role::moderator}));
    ok(conf.join({.id = "p2", .name = "<script>alert(1)</script>", .role = c::Role::speaker,
                  .organization = "Knesset"}));
    ok(conf.join({.id = "p3", .name = "Aysel Mammadova", .role = c::Role::speaker}));
    ok(conf.open("p1"));
    ok(conf.join({.id = "p4", .name = "Pat Press", .role = c::Role::press}));
    ok(conf.go_live("p1"));
    ok(conf.grant_floor("p1", "p2"));
    clock.advance(std::chrono::minutes(3));
    ok(conf.grant_floor("p1", "p3"));
    ok(conf.send_chat("p4", "hello from the press row"));
    clock.advance(std::chrono::minutes(2));
    ok(conf.yield_floor("p3"));

    auto record = (*writer)->get_conference("sp");
    ASSERT_TRUE(record);
    json document = record->document;
    document["live"] = {{"snapshot", conf.to_json(false)}, {"subjects", json::object()}};
    ASSERT_TRUE((*writer)->update_conference_if_version("sp", record->version, document));
    for (const auto& e : events) {
      if (!c::is_recorded(e.body)) continue;
      ASSERT_TRUE((*writer)->append_event("sp", c::type_name(e.body), c::to_json(e), e.at));
    }

    media_ = std::string(50'000, '\0');
    for (std::size_t i = 0; i < media_.size(); ++i) media_[i] = static_cast<char>(i * 7 + i / 251);
    std::filesystem::create_directories(dir_ / "recordings" / "sp");
    std::ofstream(dir_ / "recordings" / "sp" / "program-1.webm", std::ios::binary) << media_;
    auto recording = (*writer)->add_recording({.conference = "sp",
                                               .kind = "program",
                                               .participant = std::nullopt,
                                               .languages = {"az", "he"},
                                               .path = "recordings/sp/program-1.webm",
                                               .started_ms = start - kMinute});
    ASSERT_TRUE(recording) << recording.error();
    recording_ = recording->id;
    ASSERT_TRUE((*writer)->finish_recording(recording_, start + 6 * kMinute, 7 * kMinute,
                                            static_cast<std::int64_t>(media_.size()), std::nullopt));
    writer_ = std::move(*writer);
  }

  std::string press_token(const std::string& conference = "sp") {
    return issue_access_token(key_, conference, "Pat Press", Role::kPress, std::chrono::hours(1));
  }
  Reply get(const std::string& what, const std::string& bearer) {
    return request(http::verb::get, "/api/v1/conferences/sp/" + what, "", bearer);
  }
  void patch_settings(json settings) {
    auto current = request(http::verb::get, "/api/v1/conferences/sp", "", token_);
    auto reply = request(http::verb::patch, "/api/v1/conferences/sp", json{{"settings", settings}}.dump(),
                         token_, {{http::field::if_match, current.headers[http::field::etag]}});
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  std::string token_;
  std::unique_ptr<store::SqliteStore> writer_;
  std::int64_t recording_ = 0;
  std::string media_;
};

TEST_F(RestRecordTest, OrganizerReadsTheRecordAsJson) {
  auto reply = get("record", token_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers[http::field::content_type], "application/json");
  auto record = reply.document();
  EXPECT_EQ(record["schema_version"], 1);
  EXPECT_EQ(record["conference"]["title"], "Strategic Partnership");
  EXPECT_EQ(record["conference"]["state"], "live");
  EXPECT_EQ(record["conference"]["scheduled_start"], "2026-11-25T10:00:00.000Z");
  ASSERT_EQ(record["speeches"].size(), 2u);
  const auto& first = record["speeches"][0];
  EXPECT_EQ(first["speaker"]["name"], "<script>alert(1)</script>");
  EXPECT_EQ(first["speaker"]["organization"], "Knesset");
  EXPECT_EQ(first["started_at"], "2026-11-25T10:00:00.000Z");
  EXPECT_EQ(first["duration_ms"], 3 * kMinute);
  // The recording started a minute before the first speech.
  // A signed link, so a browser plays it by URL alone (no Authorization header).
  std::string url = first["playback"]["url"];
  auto file = fmt::format("/api/v1/recordings/{}/file?expires=", recording_);
  EXPECT_EQ(url.rfind(file, 0), 0u) << url;
  EXPECT_EQ(url.substr(url.size() - 7), "#t=60.0") << url;
  auto played = request(http::verb::get, url.substr(0, url.find('#')));
  EXPECT_EQ(played.status, 200) << played.body;
  EXPECT_EQ(record["speeches"][1]["playback"]["offset_s"], 240.0);
  EXPECT_TRUE(record["chat"].is_null());
  EXPECT_EQ(reply.body.find("Pat Press"), std::string::npos) << "press never spoke: not named";

  patch_settings({{"record_includes_chat", true}});
  auto with_chat = get("record", token_).document();
  ASSERT_EQ(with_chat["chat"].size(), 1u);
  EXPECT_EQ(with_chat["chat"][0]["text"], "hello from the press row");
}

TEST_F(RestRecordTest, HtmlShowsWhatPeopleTypedAsText) {
  auto reply = get("record.html", token_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(reply.body.find("<script"), std::string::npos);
  EXPECT_NE(reply.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(reply.body.find(fmt::format("href=\"/api/v1/recordings/{}/file?expires=", recording_)),
            std::string::npos);
}

TEST_F(RestRecordTest, ZipHoldsTheRecordThePageAndTheProgramRecording) {
  auto reply = get("record.zip", token_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers[http::field::content_type], "application/zip");
  EXPECT_EQ(reply.headers[http::field::content_disposition], "attachment; filename=\"sp-record.zip\"");
  auto kit = dir_ / "kit.zip";
  std::ofstream(kit, std::ios::binary) << reply.body;
  int status = -1;
  auto listing = run("unzip -t " + kit.string(), &status);
  EXPECT_EQ(status, 0) << listing;
  auto file = fmt::format("program-{}.webm", recording_);
  EXPECT_NE(listing.find(file), std::string::npos) << listing;
  EXPECT_NE(listing.find("record.json"), std::string::npos) << listing;
  EXPECT_NE(listing.find("index.html"), std::string::npos) << listing;
  auto media = run("unzip -p " + kit.string() + " " + file, &status);
  EXPECT_TRUE(media == media_) << "the recording is packed byte for byte";
  auto page = run("unzip -p " + kit.string() + " index.html", &status);
  EXPECT_NE(page.find("href=\"" + file + "#t=60.0\""), std::string::npos) << "links point inside the kit";
  auto checked = run("python3 " + std::string(PODIUM_SOURCE_DIR) + "/tests/record/check_press_kit.py " +
                         kit.string() + " " + std::string(PODIUM_SOURCE_DIR) + "/docs/record.schema.json",
                     &status);
  EXPECT_EQ(status, 0) << checked;
}

TEST_F(RestRecordTest, PressReadsOnlyWhatTheOrganizerPublished) {
  auto press = press_token();
  expect_problem(get("record", press), 403);
  expect_problem(get("record.zip", press), 403);
  patch_settings({{"record_published", true}});
  auto reply = get("record", press);
  ASSERT_EQ(reply.status, 200) << reply.body;
  // The recording is not published: the press gets the record without links to it.
  auto record = reply.document();
  EXPECT_TRUE(record["recordings"].empty());
  EXPECT_TRUE(record["speeches"][0]["playback"].is_null());
  ASSERT_TRUE(writer_->set_recording_published(recording_, true));
  record = get("record", press).document();
  EXPECT_EQ(record["recordings"].size(), 1u);
  EXPECT_FALSE(record["speeches"][0]["playback"].is_null());
  EXPECT_EQ(get("record.html", press).status, 200);
}

TEST_F(RestRecordTest, EveryoneElseIsRefused) {
  patch_settings({{"record_published", true}});
  expect_problem(get("record", ""), 401);
  expect_problem(get("record", "not-a-session"), 401);
  expect_problem(get("record", "a.b.c"), 401);
  expect_problem(get("record", login("bob@example.org", kBobPassword)), 404);
  expect_problem(get("record", issue_access_token(key_, "sp", "Ann", Role::kAttendee,
                                                  std::chrono::hours(1))),
                 403);
  expect_problem(get("record", issue_access_token(key_, "sp", "Sam", Role::kSpeaker,
                                                  std::chrono::hours(1))),
                 403);
  expect_problem(get("record", press_token("other")), 403);
  expect_problem(get("record", issue_access_token(key_, "sp", "Pat", Role::kPress,
                                                  std::chrono::seconds(-1))),
                 401);
  auto organizer = issue_access_token(key_, "sp", "Olga", Role::kOrganizer, std::chrono::hours(1));
  EXPECT_EQ(get("record", organizer).status, 200);
  expect_problem(request(http::verb::get, "/api/v1/conferences/nope/record", "", token_), 404);
  expect_problem(request(http::verb::post, "/api/v1/conferences/sp/record", "{}", token_), 405);
}

// The invitation carries the organization and the privacy mark in the token, which the
// participant's join hands to the conference (and so to the record).
TEST_F(RestRecordTest, InvitationsCarryOrganizationAndPrivacy) {
  auto reply = request(http::verb::post, "/api/v1/conferences/sp/invitations",
                       json{{"name", "Dr. Elena Petrova"}, {"role", "speaker"},
                            {"organization", "Institute & Co"}, {"private", true}}.dump(),
                       token_);
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.document()["organization"], "Institute & Co");
  auto token = verify_access_token(reply.document()["token"].get<std::string>(), key_, unix_now());
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(token->organization, "Institute & Co");
  EXPECT_TRUE(token->name_private);

  auto plain = request(http::verb::post, "/api/v1/conferences/sp/invitations",
                       json{{"name", "Ilya"}, {"role", "speaker"}}.dump(), token_);
  ASSERT_EQ(plain.status, 201) << plain.body;
  auto plain_token = verify_access_token(plain.document()["token"].get<std::string>(), key_, unix_now());
  ASSERT_TRUE(plain_token);
  EXPECT_FALSE(plain_token->organization);
  EXPECT_FALSE(plain_token->name_private);

  for (const json& bad : {json{{"organization", ""}}, json{{"organization", 7}}, json{{"private", "yes"}}}) {
    json body = {{"name", "X"}, {"role", "speaker"}};
    body.update(bad);
    expect_problem(request(http::verb::post, "/api/v1/conferences/sp/invitations", body.dump(), token_), 422);
  }
}

}  // namespace
}  // namespace podium::api
