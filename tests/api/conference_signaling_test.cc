// The conference over /rtc: commands answered with a result, decisions broadcast as
// events, refusals that change nothing, and the floor enforced for everyone alike.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"

namespace podium::api {
namespace {

using namespace test_support;

class ConferenceSignalingTest : public ServerTest {
 protected:
  std::unique_ptr<Member> member(const std::string& conference, const std::string& name, Role role) {
    return std::make_unique<Member>(server_->port(), token(conference, name, role));
  }
};

TEST_F(ConferenceSignalingTest, TheModeratorRunsTheFloorAndEveryoneSeesTheSameDecisions) {
  auto moderator = member("plenary", "Chair", Role::kModerator);
  auto speaker_a = member("plenary", "Member A", Role::kSpeaker);
  auto speaker_b = member("plenary", "Member B", Role::kSpeaker);
  auto attendee = member("plenary", "Viewer", Role::kAttendee);

  auto live = moderator->command("go-live");
  ASSERT_TRUE(live["ok"]) << live.dump();

  auto grant = moderator->command("grant-floor", {{"participant", speaker_a->id}, {"ms", 120000}});
  ASSERT_TRUE(grant["ok"]) << grant.dump();
  auto yielded = speaker_a->command("yield-floor");
  ASSERT_TRUE(yielded["ok"]) << yielded.dump();
  auto grant_b = moderator->command("grant-floor", {{"participant", speaker_b->id}, {"ms", 60000}});
  ASSERT_TRUE(grant_b["ok"]) << grant_b.dump();

  // The attendee asks; the moderator answers it.
  auto asked = attendee->command("ask-question", {{"text", "When will the agreement be signed?"}});
  ASSERT_TRUE(asked["ok"]) << asked.dump();

  for (auto* m : {moderator.get(), speaker_a.get(), speaker_b.get(), attendee.get()}) m->sync();

  // Everyone saw the floor move in the same order.
  for (auto* m : {moderator.get(), speaker_a.get(), speaker_b.get(), attendee.get()}) {
    std::vector<std::string> floor;
    for (const auto& e : m->events) {
      std::string type = e["type"];
      if (type.rfind("floor_", 0) == 0) floor.push_back(type + ":" + e.value("participant", ""));
    }
    ASSERT_GE(floor.size(), 3u) << m->id << " saw " << json(m->event_types()).dump();
    EXPECT_EQ(floor[0], "floor_granted:" + speaker_a->id) << m->id;
    EXPECT_EQ(floor.back(), "floor_granted:" + speaker_b->id) << m->id;
    EXPECT_TRUE(m->saw("question_asked")) << m->id;
  }

  // A late joiner's welcome carries the state: B holds the floor.
  auto late = member("plenary", "Late", Role::kAttendee);
  ASSERT_TRUE(late->welcome.contains("state")) << late->welcome.dump();
  EXPECT_NE(late->welcome["state"].dump().find(speaker_b->id), std::string::npos)
      << late->welcome["state"].dump();
}

TEST_F(ConferenceSignalingTest, AttemptsThatMustFailAreRefusedAndChangeNothing) {
  auto moderator = member("plenary", "Chair", Role::kModerator);
  auto speaker = member("plenary", "Member", Role::kSpeaker);
  auto attendee = member("plenary", "Viewer", Role::kAttendee);
  ASSERT_TRUE(moderator->command("go-live")["ok"]);

  struct Attempt {
    Member* who;
    std::string command;
    json args;
  };
  std::vector<Attempt> attempts = {
      {attendee.get(), "grant-floor", {{"participant", attendee->id}, {"ms", 1000}}},
      {attendee.get(), "end", json::object()},
      {speaker.get(), "grant-floor", {{"participant", speaker->id}, {"ms", 1000}}},
      {attendee.get(), "mute", {{"participant", speaker->id}, {"kind", "audio"}}},
      {attendee.get(), "change-role", {{"participant", attendee->id}, {"role", "moderator"}}},
      {moderator.get(), "grant-floor", {{"participant", "p999"}, {"ms", 1000}}},
      {moderator.get(), "grant-floor", {{"participant", speaker->id}, {"ms", "soon"}}},
      {moderator.get(), "no-such-command", json::object()},
      {speaker.get(), "yield-floor", json::object()},
  };
  for (auto& attempt : attempts) {
    auto result = attempt.who->command(attempt.command, attempt.args);
    EXPECT_FALSE(result["ok"]) << attempt.command << " by " << attempt.who->id;
    EXPECT_TRUE(result["reason"].is_string() && !result["reason"].get<std::string>().empty())
        << result.dump();
  }
  for (auto* m : {moderator.get(), speaker.get(), attendee.get()}) m->sync();
  for (auto* m : {moderator.get(), speaker.get(), attendee.get()}) {
    EXPECT_FALSE(m->saw("floor_granted")) << m->id;
    EXPECT_FALSE(m->saw("role_changed")) << m->id;
    EXPECT_FALSE(m->saw("muted")) << m->id;
  }
}

TEST_F(ConferenceSignalingTest, CommandsOfOneConferenceNeverReachAnother) {
  auto moderator = member("plenary-a", "Chair A", Role::kModerator);
  auto speaker = member("plenary-a", "Member A", Role::kSpeaker);
  auto outsider = member("plenary-b", "Chair B", Role::kModerator);
  ASSERT_TRUE(moderator->command("go-live")["ok"]);
  ASSERT_TRUE(moderator->command("grant-floor", {{"participant", speaker->id}, {"ms", 1000}})["ok"]);
  // Another conference's moderator cannot name a participant of this one.
  EXPECT_FALSE(outsider->command("revoke-floor")["ok"]);
  outsider->sync();
  EXPECT_FALSE(outsider->saw("floor_granted"));
  speaker->sync();
  EXPECT_TRUE(speaker->saw("floor_granted"));
}

// Kill the server in the middle of a live conference, start it again on the same data
// directory: the state is there and the participants rejoin into it.
class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium-restart-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    start();
  }
  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    auto opened = store::SqliteStore::open(dir_);
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(*opened);
    sfu::MediaServerConfig media_config;
    media_config.udp_port = 0;
    media_ = std::make_unique<sfu::MediaServer>(media_config, sink_.events());
    media_->start();
    ServerConfig config;
    config.port = 0;
    config.key = key_;
    config.store = store_.get();
    server_ = std::make_unique<Server>(config, *media_, &sink_);
    server_->start();
    thread_ = std::thread([this] { server_->run(); });
  }
  void stop() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
    media_->stop();
    media_.reset();
    store_.reset();
  }

  std::filesystem::path dir_;
  std::vector<std::uint8_t> key_ = std::vector<std::uint8_t>(32, 0x33);
  MediaEventSink sink_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<sfu::MediaServer> media_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(RestartTest, ALiveConferenceSurvivesARestartAndItsPeopleRejoinIntoIt) {
  std::string chair = issue_access_token(key_, "plenary", "Chair", Role::kModerator, std::chrono::hours(1));
  std::string speaker = issue_access_token(key_, "plenary", "Member", Role::kSpeaker, std::chrono::hours(1));
  // The clients stay connected while the server goes down, as in a crash: no one leaves
  // (a floor holder who left would rightly lose the floor).
  auto before_moderator = std::make_unique<Member>(server_->port(), chair);
  auto before_member = std::make_unique<Member>(server_->port(), speaker);
  std::string speaker_id = before_member->id;
  ASSERT_TRUE(before_moderator->command("go-live")["ok"]);
  ASSERT_TRUE(before_moderator->command("grant-floor", {{"participant", speaker_id}, {"ms", 600000}})["ok"]);
  ASSERT_TRUE(before_member->command("send-chat", {{"text", "Thank you, Chair."}})["ok"]);
  before_moderator->sync();
  before_member->sync();
  stop();
  before_moderator.reset();
  before_member.reset();
  start();

  Member moderator(server_->port(), chair);
  Member member(server_->port(), speaker);
  EXPECT_EQ(member.id, speaker_id) << "the same invitation rejoins as the same participant";
  auto state = moderator.welcome["state"];
  ASSERT_TRUE(state.is_object()) << moderator.welcome.dump();
  EXPECT_EQ(state["conference"], "live") << state.dump();
  EXPECT_EQ(state["floor"]["participant"], speaker_id) << state.dump();
  EXPECT_GT(state["floor"]["remaining_ms"].get<std::int64_t>(), 500000) << state.dump();
  EXPECT_NE(state["chat"].dump().find("Thank you, Chair."), std::string::npos) << "the chat survived";
  // And the conference goes on: the floor can be taken back.
  EXPECT_TRUE(moderator.command("revoke-floor")["ok"]);
}

}  // namespace
}  // namespace podium::api
