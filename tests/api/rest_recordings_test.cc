// Recordings over REST through the real HTTP server: listing, Range downloads (RFC 9110
// §14), publishing to the press, deleting, and recording started and stopped on a
// running conference, with everyone in it told.
#include <fstream>

#include "api/rest_recordings.h"

#include "tests/api/member_client.h"
#include "tests/api/rest_fixture.h"

namespace podium::api {
namespace {

class RestRecordingsTest : public RestApiTest {
 protected:
  void SetUp() override {
    RestApiTest::SetUp();
    alice_ = login("alice@example.org", kAlicePassword);
    ASSERT_EQ(create(alice_, "hearing").status, 201);
    // The recorder's side, as a second connection to the database (WAL).
    auto writer = store::SqliteStore::open(dir_);
    ASSERT_TRUE(writer) << writer.error();
    bytes_.resize(10'000);
    for (std::size_t i = 0; i < bytes_.size(); ++i) bytes_[i] = static_cast<char>(i * 31 + i / 97);
    std::filesystem::create_directories(dir_ / "recordings/hearing/t");
    std::ofstream(dir_ / "recordings/hearing/t/program.webm", std::ios::binary) << bytes_;
    auto added = (*writer)->add_recording({.conference = "hearing",
                                           .kind = "program",
                                           .participant = std::nullopt,
                                           .languages = {"floor"},
                                           .path = "recordings/hearing/t/program.webm",
                                           .started_ms = 1'764'000'000'000});
    ASSERT_TRUE(added) << added.error();
    id_ = added->id;
    ASSERT_TRUE((*writer)->finish_recording(id_, 1'764'000'060'000, 60'000,
                                            static_cast<std::int64_t>(bytes_.size()), std::nullopt));
  }

  std::string file() const { return "/api/v1/recordings/" + std::to_string(id_) + "/file"; }
  std::string one() const { return "/api/v1/recordings/" + std::to_string(id_); }
  std::string press() { return issue_access_token(key_, "hearing", "Pat Press", Role::kPress, std::chrono::hours(1)); }
  Reply ranged(const std::string& range, const std::string& bearer) {
    return request(http::verb::get, file(), "", bearer, {{http::field::range, range}});
  }

  std::string alice_;
  std::string bytes_;
  std::int64_t id_ = 0;
};

TEST_F(RestRecordingsTest, TheOrganizerListsAndDownloadsWholeOrByRange) {
  auto listed = request(http::verb::get, "/api/v1/conferences/hearing/recordings", "", alice_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto recordings = listed.document()["recordings"];
  ASSERT_EQ(recordings.size(), 1u);
  EXPECT_EQ(recordings[0]["kind"], "program");
  EXPECT_EQ(recordings[0]["status"], "complete");
  EXPECT_EQ(recordings[0]["duration_ms"], 60'000);
  EXPECT_EQ(recordings[0]["published"], false);
  EXPECT_EQ(recordings[0]["file"], file());

  auto whole = request(http::verb::get, file(), "", alice_);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, bytes_);
  EXPECT_EQ(whole.headers[http::field::accept_ranges], "bytes");
  EXPECT_EQ(whole.headers[http::field::content_type], "video/webm");

  auto middle = ranged("bytes=100-199", alice_);
  ASSERT_EQ(middle.status, 206);
  EXPECT_EQ(middle.headers[http::field::content_range], "bytes 100-199/10000");
  EXPECT_EQ(middle.body, bytes_.substr(100, 100));

  auto tail = ranged("bytes=-50", alice_);
  ASSERT_EQ(tail.status, 206);
  EXPECT_EQ(tail.headers[http::field::content_range], "bytes 9950-9999/10000");
  EXPECT_EQ(tail.body, bytes_.substr(9950));

  auto open_ended = ranged("bytes=9990-", alice_);
  ASSERT_EQ(open_ended.status, 206);
  EXPECT_EQ(open_ended.body, bytes_.substr(9990));

  auto clipped = ranged("bytes=9000-20000", alice_);  // last past the end: up to the end
  ASSERT_EQ(clipped.status, 206);
  EXPECT_EQ(clipped.headers[http::field::content_range], "bytes 9000-9999/10000");

  auto beyond = ranged("bytes=10000-", alice_);
  expect_problem(beyond, 416);
  EXPECT_EQ(beyond.headers[http::field::content_range], "bytes */10000");

  // Several ranges or nonsense: the whole file (RFC 9110 §14.2 lets a server ignore it).
  EXPECT_EQ(ranged("bytes=0-1,5-6", alice_).status, 200);
  EXPECT_EQ(ranged("bytes=5-1", alice_).status, 200);
  EXPECT_EQ(ranged("pages=1-2", alice_).status, 200);
}

TEST_F(RestRecordingsTest, ThePressSeesOnlyWhatTheOrganizerPublished) {
  auto token = press();
  auto listed = request(http::verb::get, "/api/v1/conferences/hearing/recordings", "", token);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(listed.document()["recordings"].empty());
  expect_problem(request(http::verb::get, file(), "", token), 404);
  expect_problem(request(http::verb::patch, one(), R"({"published": true})", token), 404);

  auto published = request(http::verb::patch, one(), R"({"published": true})", alice_);
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(published.document()["published"], true);
  EXPECT_EQ(request(http::verb::get, "/api/v1/conferences/hearing/recordings", "", token)
                .document()["recordings"].size(),
            1u);
  auto part = ranged("bytes=0-9", token);
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.body, bytes_.substr(0, 10));
  // The press reads; it changes nothing.
  expect_problem(request(http::verb::patch, one(), R"({"published": false})", token), 403);
  expect_problem(request(http::verb::delete_, one(), "", token), 403);
  expect_problem(request(http::verb::post, "/api/v1/conferences/hearing/recording", "", token), 403);
}

TEST_F(RestRecordingsTest, EveryoneElseIsRefused) {
  expect_problem(request(http::verb::get, file()), 401);
  auto bob = login("bob@example.org", kBobPassword);
  expect_problem(request(http::verb::get, file(), "", bob), 404);
  expect_problem(request(http::verb::get, "/api/v1/conferences/hearing/recordings", "", bob), 404);
  auto attendee = issue_access_token(key_, "hearing", "Ann", Role::kAttendee, std::chrono::hours(1));
  expect_problem(request(http::verb::get, file(), "", attendee), 403);
  auto elsewhere = issue_access_token(key_, "other", "Pat", Role::kPress, std::chrono::hours(1));
  expect_problem(request(http::verb::get, file(), "", elsewhere), 403);
  expect_problem(request(http::verb::get, "/api/v1/recordings/999999/file", "", alice_), 404);
  expect_problem(request(http::verb::get, "/api/v1/recordings/-1", "", alice_), 404);
  expect_problem(request(http::verb::patch, one(), R"({"published": "yes"})", alice_), 400);
  expect_problem(request(http::verb::patch, one(), R"({"published": true, "x": 1})", alice_), 400);
}

// A signed link plays the file by URL alone (a <video src>), ranges included; an
// expired, altered or borrowed one is refused with a reason.
TEST_F(RestRecordingsTest, ASignedLinkPlaysTheFileWithoutAHeader) {
  auto listed = request(http::verb::get, one(), "", alice_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::string link = listed.document()["file_url"];
  std::int64_t expires = listed.document()["file_url_expires"];
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(expires - now_s), static_cast<double>(kFileLinkSeconds), 60.0);
  EXPECT_EQ(link.rfind(file() + "?expires=", 0), 0u) << link;

  auto whole = request(http::verb::get, link);
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(whole.body, bytes_);
  auto part = request(http::verb::get, link, "", "", {{http::field::range, "bytes=10-19"}});
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.body, bytes_.substr(10, 10));

  // Expired: signed correctly, but for a time that has passed.
  auto expired = signed_file_url(id_, now_s - 1, key_);
  auto refused = request(http::verb::get, expired);
  expect_problem(refused, 403);
  EXPECT_NE(refused.document()["detail"].get<std::string>().find("expired"), std::string::npos)
      << refused.body;
  // Tampered: a later expiry with the old signature; another key; another recording.
  auto later = link;
  later.replace(later.find("expires=") + 8, std::to_string(expires).size(),
                std::to_string(expires + 3600));
  expect_problem(request(http::verb::get, later), 403);
  std::vector<std::uint8_t> other_key(32, 0x17);
  expect_problem(request(http::verb::get, signed_file_url(id_, expires, other_key)), 403);
  auto borrowed = signed_file_url(id_ + 1, expires, key_);
  borrowed.replace(0, borrowed.find('?'), file());
  expect_problem(request(http::verb::get, borrowed), 403);
  expect_problem(request(http::verb::get, file() + "?expires=" + std::to_string(expires)), 403);
  // It opens the file only: the metadata still needs credentials.
  expect_problem(request(http::verb::get, one() + link.substr(link.find('?'))), 401);
}

TEST_F(RestRecordingsTest, DeletingRemovesTheFileAndTheEntry) {
  auto removed = request(http::verb::delete_, one(), "", alice_);
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "recordings/hearing/t/program.webm"));
  expect_problem(request(http::verb::get, one(), "", alice_), 404);
  expect_problem(request(http::verb::delete_, one(), "", alice_), 404);
}

TEST_F(RestRecordingsTest, TheOrganizerStartsAndStopsRecordingAndEveryoneIsTold) {
  // Not running yet: nobody has joined.
  expect_problem(request(http::verb::post, "/api/v1/conferences/hearing/recording", "", alice_), 409);

  auto invited = request(http::verb::post, "/api/v1/conferences/hearing/invitations",
                         json{{"name", "Chair"}, {"role", "moderator"}}.dump(), alice_);
  ASSERT_EQ(invited.status, 201) << invited.body;
  test_support::Member chair(server_->port(), invited.document()["token"].get<std::string>());
  EXPECT_EQ(chair.welcome["state"]["recording"], false) << chair.welcome.dump();
  // Still scheduled: nothing to record yet, and the reason says so.
  auto early = request(http::verb::post, "/api/v1/conferences/hearing/recording", "", alice_);
  expect_problem(early, 409);
  EXPECT_NE(early.body.find("open or live"), std::string::npos) << early.body;
  ASSERT_TRUE(chair.command("open")["ok"]);

  auto started = request(http::verb::post, "/api/v1/conferences/hearing/recording", "", alice_);
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.document()["recording"], true);
  expect_problem(request(http::verb::post, "/api/v1/conferences/hearing/recording", "", alice_), 409);
  chair.sync();
  EXPECT_TRUE(chair.saw("recording_started")) << json(chair.event_types()).dump();

  // The moderator stops it over signaling; the organizer cannot stop it twice.
  auto stopped = chair.command("stop-recording");
  ASSERT_TRUE(stopped["ok"]) << stopped.dump();
  expect_problem(request(http::verb::delete_, "/api/v1/conferences/hearing/recording", "", alice_), 409);
  chair.sync();
  EXPECT_TRUE(chair.saw("recording_stopped"));

  // A speaker may not start it.
  auto speaker_invite = request(http::verb::post, "/api/v1/conferences/hearing/invitations",
                                json{{"name", "Member"}, {"role", "speaker"}}.dump(), alice_);
  test_support::Member speaker(server_->port(), speaker_invite.document()["token"].get<std::string>());
  auto refused = speaker.command("start-recording");
  EXPECT_FALSE(refused["ok"]) << refused.dump();

  // Started over signaling, it is in the state a late joiner gets.
  ASSERT_TRUE(chair.command("start-recording")["ok"]);
  test_support::Member late(server_->port(), speaker_invite.document()["token"].get<std::string>());
  EXPECT_EQ(late.welcome["state"]["recording"], true) << late.welcome.dump();
  auto off = request(http::verb::delete_, "/api/v1/conferences/hearing/recording", "", alice_);
  EXPECT_EQ(off.status, 200) << off.body;
}

}  // namespace
}  // namespace podium::api
