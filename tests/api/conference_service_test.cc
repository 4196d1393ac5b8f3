// ConferenceService::enforce, which runs after every input: the media plane and the
// signaling hub hear each participant's rights once, then only what changed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/conference_service.h"
#include "sfu/media_server.h"

namespace podium::api {
namespace {

using nlohmann::json;

class EnforceTest : public ::testing::Test {
 protected:
  EnforceTest() : media_(config(), {}) {
    media_.start();
    service_ = std::make_unique<ConferenceService>(media_, nullptr);
    service_->on_publish_right = [this](std::string_view, const std::string& id, bool may) {
      told_.push_back(id + (may ? " may publish" : " may not"));
    };
  }
  ~EnforceTest() override {
    service_.reset();
    media_.stop();
  }

  static sfu::MediaServerConfig config() {
    sfu::MediaServerConfig c;
    c.udp_port = 0;
    c.tcp_enabled = false;
    return c;
  }

  // What was told since the last call.
  std::vector<std::string> told() { return std::exchange(told_, {}); }

  sfu::MediaServer media_;
  std::unique_ptr<ConferenceService> service_;
  std::vector<std::string> told_;
};

TEST_F(EnforceTest, EachParticipantsPublishRightIsToldOnceThenOnlyWhenItChanges) {
  // Ids out of the order of arrival: the walk over the participants (ordered by id) must
  // meet what was applied before in between.
  ASSERT_TRUE(service_->join("plenary", "p5", "s5", "Chair", Role::kModerator));
  ASSERT_TRUE(service_->join("plenary", "p2", "s2", "Viewer", Role::kAttendee));
  ASSERT_TRUE(service_->join("plenary", "p9", "s9", "Member", Role::kSpeaker));
  ASSERT_TRUE(service_->join("plenary", "p1", "s1", "Reporter", Role::kPress));
  EXPECT_EQ(told(), (std::vector<std::string>{"p5 may publish", "p2 may not", "p9 may publish",
                                              "p1 may not"}));

  // The chair makes the viewer a speaker: the viewer's right alone changes.
  auto promoted = service_->command(
      "plenary", "p5", {{"command", "change-role"}, {"participant", "p2"}, {"role", "speaker"}});
  ASSERT_TRUE(promoted) << promoted.error();
  EXPECT_EQ(told(), std::vector<std::string>{"p2 may publish"});

  // A command that changes no right tells nothing.
  ASSERT_TRUE(service_->command("plenary", "p5", {{"command", "go-live"}}));
  EXPECT_EQ(told(), std::vector<std::string>{});

  // A participant's new media session hears its own right again, nobody else's.
  service_->reapply_media("plenary", "p9");
  EXPECT_EQ(told(), std::vector<std::string>{"p9 may publish"});

  service_->leave("plenary", "p2");
  EXPECT_EQ(told(), std::vector<std::string>{"p2 may not"});
  ASSERT_TRUE(service_->join("plenary", "p0", "s0", "Late", Role::kAttendee));
  EXPECT_EQ(told(), std::vector<std::string>{"p0 may not"});
}

}  // namespace
}  // namespace podium::api
