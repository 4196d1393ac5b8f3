// A real server with a real SQLite store and one conference written to it, shared by the
// signaling tests that need a conference set up as an organizer would.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "store/sqlite_store.h"
#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"

namespace podium::api::test_support {

// A real server with a real SQLite store, so a conference can be set up as an organizer
// would (its document written to the store) before anyone joins. A test names the
// conference and its document.
class StoredConferenceTest : public ::testing::Test {
 protected:
  virtual std::string conference_name() const = 0;
  virtual json conference_document() const = 0;

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium-stored-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto opened = store::SqliteStore::open(dir_);
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_conference(conference_name(), conference_document()));
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
  void TearDown() override {
    server_->stop();
    thread_.join();
    server_.reset();
    media_->stop();
    media_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string token(const std::string& conference, const std::string& name, Role role) {
    return issue_access_token(key_, conference, name, role, std::chrono::hours(1));
  }
  std::unique_ptr<Member> member(const std::string& token) {
    return std::make_unique<Member>(server_->port(), token);
  }
  std::unique_ptr<Member> member(const std::string& conference, const std::string& name, Role role) {
    return member(token(conference, name, role));
  }

  // A minimal browser-like offer with one audio m-section.
  static std::string audio_offer(const std::string& direction) {
    return "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
           "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
           "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
           "a=ice-ufrag:Wq7c\r\na=ice-pwd:b3Jx9LmP0qR2sT4uV6wY8zA1\r\n"
           "a=fingerprint:sha-256 F2:C9:2D:F2:CA:15:81:DA:87:35:07:EA:D6:1D:2D:CD:E8:8D:8F:A7:41:FA:41:79:81:0E:96:30:09:B4:F5:6C\r\n"
           "a=setup:actpass\r\na=mid:0\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
           "a=" + direction + "\r\na=msid:- a1\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
           "a=ssrc:1001 cname:test\r\n";
  }
  // Sends an offer; returns the answer or the error the server sent instead.
  static json offer(Member& m, const std::string& direction, json subscriptions = json::object()) {
    json message = {{"type", "offer"}, {"sdp", audio_offer(direction)}};
    if (!subscriptions.empty()) message["subscriptions"] = subscriptions;
    m.send(message);
    for (;;) {
      auto reply = m.read();
      if (reply["type"] == "answer" || reply["type"] == "error") return reply;
    }
  }
  // Publishes one audio track; returns its id.
  static std::string publish(Member& m) {
    auto answer = offer(m, "sendonly");
    EXPECT_EQ(answer["type"], "answer") << answer.dump();
    if (answer["type"] != "answer" || answer["published"].empty()) return "";
    return answer["published"][0]["id"];
  }

  std::filesystem::path dir_;
  std::vector<std::uint8_t> key_ = std::vector<std::uint8_t>(32, 0x6b);
  MediaEventSink sink_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<sfu::MediaServer> media_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

}  // namespace podium::api::test_support
