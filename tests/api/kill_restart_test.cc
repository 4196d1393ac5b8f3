// The real podium binary, killed with SIGKILL right after a run of commands: nothing is
// flushed at shutdown, so what survives is what each command wrote as it was answered
// (the live log, docs/store.md). Started again on the same data directory, the conference
// is as it was and its people rejoin into it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "api/auth.h"
#include "tests/api/member_client.h"

namespace podium::api {
namespace {

using test_support::Member;
using nlohmann::json;

// Own ports (tests use fixed ones, each file its own).
constexpr std::uint16_t kHttpPort = 21600;
constexpr std::uint16_t kUdpPort = 21601;

class KillRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("podium-kill-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto key = load_or_create_server_key(dir_);
    ASSERT_TRUE(key) << key.error();
    key_ = *key;
  }
  void TearDown() override {
    if (pid_ > 0) kill_server();
    std::filesystem::remove_all(dir_);
  }

  void start_server() {
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      std::string http = "127.0.0.1:" + std::to_string(kHttpPort);
      std::string udp = "127.0.0.1:" + std::to_string(kUdpPort);
      ::execl(PODIUM_BINARY, PODIUM_BINARY, "serve", "--http", http.c_str(), "--udp", udp.c_str(),
              "--tcp", "off", "--workers", "1", "--data-dir", dir_.c_str(), "--log-level", "warn",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready when it accepts connections (it binds before it serves).
    for (int attempt = 0; attempt < 200; ++attempt) {
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket socket(ioc);
      boost::system::error_code ec;
      socket.connect({boost::asio::ip::make_address("127.0.0.1"), kHttpPort}, ec);
      if (!ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "podium serve did not start";
  }
  void kill_server() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  std::string token(const std::string& name, Role role) {
    return issue_access_token(key_, "plenary", name, role, std::chrono::hours(1));
  }

  std::filesystem::path dir_;
  std::vector<std::uint8_t> key_;
  pid_t pid_ = -1;
};

TEST_F(KillRestartTest, CommandsAnsweredBeforeASigkillSurviveIt) {
  start_server();
  auto chair_token = token("Chair", Role::kModerator);
  auto member_token = token("Member", Role::kSpeaker);
  auto guest_token = token("Guest", Role::kAttendee);
  std::string member_id, guest_id;
  {
    Member chair(kHttpPort, chair_token);
    Member member(kHttpPort, member_token);
    Member guest(kHttpPort, guest_token);
    member_id = member.id;
    guest_id = guest.id;
    ASSERT_TRUE(chair.command("go-live")["ok"]);
    ASSERT_TRUE(chair.command("change-role", {{"participant", guest_id}, {"role", "press"}})["ok"]);
    ASSERT_TRUE(chair.command("grant-floor", {{"participant", member_id}, {"ms", 600000}})["ok"]);
    for (int i = 1; i <= 5; ++i) {
      ASSERT_TRUE(member.command("send-chat", {{"text", "point " + std::to_string(i)}})["ok"]);
    }
    ASSERT_TRUE(guest.command("ask-question", {{"text", "And the budget?"}})["ok"]);
    // Killed the moment the last answer arrived: no leave, no shutdown snapshot.
    kill_server();
  }

  start_server();
  Member chair(kHttpPort, chair_token);
  Member member(kHttpPort, member_token);
  Member guest(kHttpPort, guest_token);
  EXPECT_EQ(member.id, member_id);
  EXPECT_EQ(guest.id, guest_id);
  EXPECT_EQ(guest.welcome["participant"]["role"], "press") << "the role change survived";
  auto state = chair.welcome["state"];
  EXPECT_EQ(state["conference"], "live") << state.dump();
  EXPECT_EQ(state["floor"]["participant"], member_id) << state.dump();
  EXPECT_GT(state["floor"]["remaining_ms"].get<std::int64_t>(), 500000) << state.dump();
  std::vector<std::string> chat;
  for (const auto& m : state["chat"]) chat.push_back(m["text"]);
  EXPECT_EQ(chat, (std::vector<std::string>{"point 1", "point 2", "point 3", "point 4", "point 5"}));
  ASSERT_EQ(state["questions"].size(), 1u) << state.dump();
  EXPECT_EQ(state["questions"][0]["text"], "And the budget?");
  // And it goes on from there.
  EXPECT_TRUE(chair.command("revoke-floor")["ok"]);
  EXPECT_TRUE(member.command("send-chat", {{"text", "point 6"}})["ok"]);
}

// Many commands in flight at once (they share commits: the group commit, docs/store.md),
// past a full snapshot (every 200 inputs) that drops the log rows it holds while later
// ones are still being written: every answered command is there after a SIGKILL, in order.
TEST_F(KillRestartTest, PipelinedCommandsAcrossASnapshotSurviveASigkill) {
  start_server();
  auto member_token = token("Member", Role::kSpeaker);
  constexpr int kMessages = 260;
  {
    Member chair(kHttpPort, token("Chair", Role::kModerator));
    Member member(kHttpPort, member_token);
    ASSERT_TRUE(chair.command("go-live")["ok"]);
    for (int i = 1; i <= kMessages; ++i) {
      member.send(json{{"type", "command"}, {"id", 1000 + i}, {"command", "send-chat"},
                       {"text", "line " + std::to_string(i)}});
    }
    int answered = 0;
    while (answered < kMessages) {
      auto result = member.next_of("result");
      ASSERT_TRUE(result["ok"]) << result.dump();
      ASSERT_EQ(result["id"], 1000 + ++answered) << "answers come in the order of the commands";
    }
    kill_server();
  }

  start_server();
  Member member(kHttpPort, member_token);
  std::vector<std::string> chat;
  for (const auto& m : member.welcome["state"]["chat"]) chat.push_back(m["text"]);
  ASSERT_EQ(chat.size(), 100u) << "the welcome carries the newest 100";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(chat[i], "line " + std::to_string(kMessages - 99 + i));
  EXPECT_TRUE(member.command("send-chat", {{"text", "after"}})["ok"]);
}

}  // namespace
}  // namespace podium::api
