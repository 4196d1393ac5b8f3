// A recording in progress when the real podium binary is killed (SIGKILL): the files are
// cut mid-write (no index, no duration) and the store still lists them as being written.
// Started again on the same data directory, the server closes them: what reached the
// disk is kept as a playable file and the entry says the recording was interrupted.
// Real media comes from podium-loadtest (a WebRTC publisher: ICE, DTLS, SRTP, VP8, Opus).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <boost/beast/http.hpp>

#include "api/auth.h"
#include "tests/api/member_client.h"

namespace podium::api {
namespace {

using test_support::Member;
using nlohmann::json;
namespace http = boost::beast::http;

// Own ports (tests use fixed ones, each file its own).
constexpr std::uint16_t kHttpPort = 21620;
constexpr std::uint16_t kUdpPort = 21621;
constexpr const char* kConference = "rec-0";  // podium-loadtest names it <prefix>-0

struct Reply {
  int status = 0;
  std::string body;
};

Reply get(const std::string& target, const std::string& bearer) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), kHttpPort});
  http::request<http::string_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(socket, buffer, parser);
  return {static_cast<int>(parser.get().result_int()), parser.get().body()};
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return "popen failed";
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  if (::pclose(pipe) != 0 && out.empty()) return "failed";
  return out;
}

class RecordingRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium-recording-restart-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto key = load_or_create_server_key(dir_);
    ASSERT_TRUE(key) << key.error();
    key_ = *key;
  }
  void TearDown() override {
    stop(loadtest_);
    stop(server_);
    std::filesystem::remove_all(dir_);
  }

  static pid_t spawn(std::vector<std::string> args) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }
  static void stop(pid_t& pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }

  void start_server() {
    server_ = spawn({PODIUM_BINARY, "serve", "--http", "127.0.0.1:" + std::to_string(kHttpPort),
                     "--udp", "127.0.0.1:" + std::to_string(kUdpPort), "--tcp", "off", "--workers",
                     "1", "--data-dir", dir_.string(), "--log-level", "warn"});
    ASSERT_GT(server_, 0);
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

  std::string token(const std::string& name, Role role) {
    return issue_access_token(key_, kConference, name, role, std::chrono::hours(1));
  }
  json recordings() {
    auto reply = get(std::string("/api/v1/conferences/") + kConference + "/recordings",
                     token("Organizer", Role::kOrganizer));
    EXPECT_EQ(reply.status, 200) << reply.body;
    auto body = json::parse(reply.body, nullptr, false);
    return body.is_object() ? body["recordings"] : json::array();
  }

  std::filesystem::path dir_;
  std::vector<std::uint8_t> key_;
  pid_t server_ = -1;
  pid_t loadtest_ = -1;
};

TEST_F(RecordingRestartTest, ARecordingCutBySigkillIsClosedAndPlayableAfterTheRestart) {
  start_server();
  {
    Member chair(kHttpPort, token("Chair", Role::kModerator));
    // A conference made by its first join is open already; "open" is for a scheduled one.
    if (chair.welcome["state"]["conference"] == "scheduled") {
      auto opened = chair.command("open");
      ASSERT_TRUE(opened["ok"]) << opened.dump();
    }
    auto recording = chair.command("start-recording");
    ASSERT_TRUE(recording["ok"]) << recording.dump();
    loadtest_ = spawn({PODIUM_LOADTEST, "--server", "http://127.0.0.1:" + std::to_string(kHttpPort),
                       "--data-dir", dir_.string(), "--layout", "conference", "--publishers", "1",
                       "--layers", "1", "--video-bitrate", "300", "--duration", "30",
                       "--conference", "rec", "--log-level", "error"});
    ASSERT_GT(loadtest_, 0);
    // Recording until the program file has a few seconds of media on the disk.
    json program;
    for (int i = 0; i < 150 && program.is_null(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      // Clusters reach the disk about once a second: wait for a few of them.
      std::uintmax_t bytes = 0;
      std::error_code ec;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "recordings", ec))
        if (entry.path().filename() == "program.webm") bytes = entry.file_size();
      if (bytes < 100'000) continue;
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a few more seconds
      for (const auto& r : recordings())
        if (r["kind"] == "program") program = r;
    }
    ASSERT_FALSE(program.is_null()) << "no program recording started: " << recordings().dump();
    EXPECT_EQ(program["status"], "recording");
    // Killed while writing: no stop, no trailer, no store update.
    stop(server_);
    stop(loadtest_);
  }
  start_server();
  auto before = recordings();
  ASSERT_GE(before.size(), 2u) << before.dump();  // the program and the publisher's tracks
  int programs = 0;
  for (const auto& r : before) {
    SCOPED_TRACE(r.dump());
    EXPECT_EQ(r["status"], "interrupted");
    ASSERT_TRUE(r["error"].is_string());
    EXPECT_EQ(r["error"].get<std::string>().rfind("interrupted", 0), 0u);
    EXPECT_TRUE(r["ended_ms"].is_number());
    if (r["kind"] != "program") continue;
    ++programs;
    EXPECT_GT(r["duration_ms"].get<std::int64_t>(), 1500);
    // Playable: an index (seekable), a duration, and every frame decodes.
    auto file = get(r["file"].get<std::string>(), token("Organizer", Role::kOrganizer));
    ASSERT_EQ(file.status, 200);
    EXPECT_EQ(static_cast<std::int64_t>(file.body.size()), r["bytes"].get<std::int64_t>());
    auto local = dir_ / "program-copy.webm";
    {
      std::FILE* out = std::fopen(local.c_str(), "wb");
      ASSERT_TRUE(out);
      std::fwrite(file.body.data(), 1, file.body.size(), out);
      std::fclose(out);
    }
    auto duration = run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" +
                        local.string() + "'");
    // The file's time 0 is the recording's start; the media began later (the publisher
    // connected after recording started): the file ends where the entry says it ended.
    double ended_s = (r["ended_ms"].get<double>() - r["started_ms"].get<double>()) / 1000.0;
    EXPECT_NEAR(std::atof(duration.c_str()), ended_s, 0.5) << duration;
    EXPECT_EQ(run("ffmpeg -nostdin -v error -i '" + local.string() + "' -f null -"), "");
    EXPECT_EQ(run("ffmpeg -nostdin -v error -ss 1 -i '" + local.string() +
                  "' -frames:v 1 -f null -"),
              "")
        << "seeks";
  }
  EXPECT_EQ(programs, 1);
}

}  // namespace
}  // namespace podium::api
