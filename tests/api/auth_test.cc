#include "api/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "api/jwt.h"

namespace podium::api {
namespace {

const std::vector<std::uint8_t> kKey(32, 0x42);

TEST(Role, NamesRoundTrip) {
  for (auto role : {Role::kOrganizer, Role::kModerator, Role::kSpeaker, Role::kInterpreter,
                    Role::kAttendee, Role::kPress}) {
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_FALSE(parse_role("Speaker"));
}

// Interpreters publish too, into their booth only (docs/interpretation.md).
TEST(Role, OnlyThePanelAndInterpretersPublish) {
  EXPECT_TRUE(may_publish(Role::kOrganizer));
  EXPECT_TRUE(may_publish(Role::kModerator));
  EXPECT_TRUE(may_publish(Role::kSpeaker));
  EXPECT_TRUE(may_publish(Role::kInterpreter));
  EXPECT_FALSE(may_publish(Role::kAttendee));
  EXPECT_FALSE(may_publish(Role::kPress));
}

TEST(ConferenceName, Validation) {
  EXPECT_TRUE(is_valid_conference_name("demo"));
  EXPECT_TRUE(is_valid_conference_name("EU-US_2026.plenary"));
  EXPECT_TRUE(is_valid_conference_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_conference_name(""));
  EXPECT_FALSE(is_valid_conference_name(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_conference_name("a/b"));
  EXPECT_FALSE(is_valid_conference_name("a b"));
  EXPECT_FALSE(is_valid_conference_name("caf\xc3\xa9"));
}

TEST(AccessToken, IssueThenVerify) {
  auto jwt = issue_access_token(kKey, "demo", "Alice", Role::kSpeaker, std::chrono::hours(1));
  auto token = verify_access_token(jwt, kKey, unix_now());
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(token->conference, "demo");
  EXPECT_EQ(token->name, "Alice");
  EXPECT_EQ(token->role, Role::kSpeaker);
  EXPECT_EQ(token->subject.size(), 32u);
  EXPECT_NEAR(token->expires_at, unix_now() + 3600, 5);
  // Each invitation has its own subject.
  auto again = verify_access_token(
      issue_access_token(kKey, "demo", "Alice", Role::kSpeaker, std::chrono::hours(1)), kKey,
      unix_now());
  EXPECT_NE(again->subject, token->subject);
}

TEST(AccessToken, ExpiredAndWrongKeyRejected) {
  auto expired = issue_access_token(kKey, "demo", "A", Role::kAttendee, std::chrono::seconds(-1));
  auto result = verify_access_token(expired, kKey, unix_now());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "token expired");
  auto jwt = issue_access_token(kKey, "demo", "A", Role::kAttendee, std::chrono::hours(1));
  EXPECT_FALSE(verify_access_token(jwt, std::vector<std::uint8_t>(32, 1), unix_now()));
}

TEST(AccessToken, ClaimsAreValidated) {
  auto now = unix_now();
  nlohmann::json good = {{"sub", "s"}, {"conf", "demo"}, {"name", "A"}, {"role", "press"},
                         {"exp", now + 60}};
  EXPECT_TRUE(verify_access_token(jwt_sign_hs256(good, kKey), kKey, now));
  for (const char* missing : {"sub", "conf", "name", "role", "exp"}) {
    auto claims = good;
    claims.erase(missing);
    EXPECT_FALSE(verify_access_token(jwt_sign_hs256(claims, kKey), kKey, now)) << missing;
  }
  auto bad_role = good;
  bad_role["role"] = "admin";
  auto result = verify_access_token(jwt_sign_hs256(bad_role, kKey), kKey, now);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "token has unknown role 'admin'");
  auto bad_conf = good;
  bad_conf["conf"] = "../etc";
  EXPECT_FALSE(verify_access_token(jwt_sign_hs256(bad_conf, kKey), kKey, now));
}

TEST(AccessToken, IssueRejectsInvalidNames) {
  EXPECT_THROW(issue_access_token(kKey, "no spaces", "A", Role::kAttendee, std::chrono::hours(1)),
               std::invalid_argument);
  EXPECT_THROW(issue_access_token(kKey, "demo", "", Role::kAttendee, std::chrono::hours(1)),
               std::invalid_argument);
}

class ServerKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium-key-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

TEST_F(ServerKeyTest, CreatesOnceWithMode0600ThenLoadsTheSameKey) {
  auto data_dir = dir_ / "nested" / "data";
  auto first = load_or_create_server_key(data_dir);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat((data_dir / "server.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = load_or_create_server_key(data_dir);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);
  // No temporary files are left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(data_dir)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(ServerKeyTest, ConcurrentFirstUseAgreesOnOneKey) {
  std::vector<std::vector<std::uint8_t>> keys(8);
  std::vector<std::thread> threads;
  for (auto& key : keys) {
    threads.emplace_back([&] {
      auto result = load_or_create_server_key(dir_);
      if (result) key = *result;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& key : keys) {
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(key, keys[0]);
  }
}

TEST_F(ServerKeyTest, CorruptKeyIsAnErrorNamingThePath) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "server.key") << "not hex";
  auto result = load_or_create_server_key(dir_);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find((dir_ / "server.key").string()), std::string::npos);
}

TEST_F(ServerKeyTest, UnreadableKeyIsAnErrorWithReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  ASSERT_TRUE(load_or_create_server_key(dir_));
  std::filesystem::permissions(dir_ / "server.key", std::filesystem::perms::none);
  auto result = load_or_create_server_key(dir_);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find("Permission denied"), std::string::npos) << result.error();
}

}  // namespace
}  // namespace podium::api
