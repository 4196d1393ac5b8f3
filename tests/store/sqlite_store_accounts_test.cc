#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "temp_dir.h"

namespace podium::store {
namespace {

using nlohmann::json;

class SqliteStoreAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_conference("summit", json::object()).ok());
    ASSERT_TRUE(store_->create_conference("other", json::object()).ok());
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreAccountsTest, OrganizerEmailsAreUniqueIgnoringCase) {
  auto created = store_->create_organizer("Ana@Example.org", "$argon2id$hash");
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_GT(created->id, 0);

  auto found = store_->find_organizer_by_email("ana@example.org");
  ASSERT_TRUE(found.ok()) << found.error();
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->email, "Ana@Example.org");
  EXPECT_EQ(found->password_hash, "$argon2id$hash");

  auto twice = store_->create_organizer("ANA@example.org", "other");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.code(), StoreErrc::kAlreadyExists);
  EXPECT_NE(twice.error().find("already exists"), std::string::npos);
  EXPECT_EQ(store_->find_organizer_by_email("ana@example.org")->password_hash, "$argon2id$hash");

  EXPECT_EQ(store_->find_organizer_by_email("bo@example.org").code(), StoreErrc::kNotFound);
  for (const char* bad : {"", "no-at-sign", "@example.org", "ana@", "a b@example.org",
                          "a@b@example.org", "ana@example.org\n"}) {
    EXPECT_EQ(store_->create_organizer(bad, "hash").code(), StoreErrc::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store_->create_organizer("bo@example.org", "").code(), StoreErrc::kInvalidArgument);
}

TEST_F(SqliteStoreAccountsTest, SessionsExpireAndCanBeDeleted) {
  auto organizer = store_->create_organizer("ana@example.org", "hash");
  ASSERT_TRUE(organizer.ok());
  ASSERT_TRUE(store_->create_session("h1", organizer->id, 10'000).ok());
  ASSERT_TRUE(store_->create_session("h2", organizer->id, 20'000).ok());

  auto found = store_->find_session("h1", 9'999);
  ASSERT_TRUE(found.ok()) << found.error();
  EXPECT_EQ(found->organizer_id, organizer->id);
  EXPECT_EQ(found->expires_ms, 10'000);
  EXPECT_EQ(store_->find_session("h1", 10'000).code(), StoreErrc::kNotFound);
  EXPECT_EQ(store_->find_session("nope", 0).code(), StoreErrc::kNotFound);

  EXPECT_EQ(store_->create_session("h1", organizer->id, 1).code(), StoreErrc::kAlreadyExists);
  EXPECT_EQ(store_->create_session("h3", organizer->id + 100, 1).code(), StoreErrc::kNotFound);

  auto removed = store_->delete_expired_sessions(15'000);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  EXPECT_TRUE(store_->find_session("h2", 15'000).ok());
  ASSERT_TRUE(store_->delete_session("h2").ok());
  EXPECT_EQ(store_->find_session("h2", 0).code(), StoreErrc::kNotFound);
  EXPECT_EQ(store_->delete_session("h2").code(), StoreErrc::kNotFound);
}

TEST_F(SqliteStoreAccountsTest, InvitationsAreListedAndRevokedPerConference) {
  auto ana = store_->create_invitation({"summit", "speaker", "Ana", "ana@example.org", "t-ana"});
  ASSERT_TRUE(ana.ok()) << ana.error();
  auto bo = store_->create_invitation({"summit", "interpreter", "Bo", std::nullopt, "t-bo"});
  ASSERT_TRUE(bo.ok()) << bo.error();
  ASSERT_TRUE(store_->create_invitation({"other", "press", "Cy", std::nullopt, "t-cy"}).ok());

  auto duplicate = store_->create_invitation({"other", "press", "Dee", std::nullopt, "t-ana"});
  EXPECT_EQ(duplicate.code(), StoreErrc::kAlreadyExists);
  EXPECT_EQ(store_->create_invitation({"nowhere", "press", "Dee", std::nullopt, "t-dee"}).code(),
            StoreErrc::kNotFound);
  EXPECT_EQ(store_->create_invitation({"summit", "press", "", std::nullopt, "t-dee"}).code(),
            StoreErrc::kInvalidArgument);
  EXPECT_EQ(store_->create_invitation({"summit", "press", "Dee", "bad", "t-dee"}).code(),
            StoreErrc::kInvalidArgument);

  auto list = store_->list_invitations("summit");
  ASSERT_TRUE(list.ok()) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].token_id, "t-ana");
  EXPECT_EQ((*list)[0].role, "speaker");
  EXPECT_EQ((*list)[0].email, "ana@example.org");
  EXPECT_EQ((*list)[1].name, "Bo");
  EXPECT_FALSE((*list)[1].email);
  EXPECT_FALSE((*list)[1].revoked);

  // One conference cannot revoke another's invitation.
  auto foreign = store_->revoke_invitation("other", "t-ana");
  EXPECT_EQ(foreign.code(), StoreErrc::kNotFound);
  EXPECT_FALSE(store_->find_invitation("t-ana")->revoked);

  ASSERT_TRUE(store_->revoke_invitation("summit", "t-ana").ok());
  auto revoked = store_->find_invitation("t-ana");
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->revoked);
  EXPECT_EQ(revoked->conference, "summit");
  EXPECT_TRUE((*store_->list_invitations("summit"))[0].revoked);
  EXPECT_FALSE(store_->find_invitation("t-cy")->revoked);
  EXPECT_EQ(store_->revoke_invitation("summit", "t-none").code(), StoreErrc::kNotFound);
}

TEST_F(SqliteStoreAccountsTest, OneRegistrationPerEmailPerConference) {
  auto ana = store_->create_registration("summit", "Ana", "ana@example.org");
  ASSERT_TRUE(ana.ok()) << ana.error();
  ASSERT_TRUE(store_->create_registration("summit", "Bo", "bo@example.org").ok());
  auto again = store_->create_registration("summit", "Ana B", "ANA@example.org");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), StoreErrc::kAlreadyExists);
  EXPECT_NE(again.error().find("already registered"), std::string::npos);
  EXPECT_TRUE(store_->create_registration("other", "Ana", "ana@example.org").ok());
  EXPECT_EQ(store_->create_registration("nowhere", "Ana", "ana@example.org").code(),
            StoreErrc::kNotFound);
  EXPECT_EQ(store_->create_registration("summit", "Eve\r\nX-Injected: 1", "eve@example.org").code(),
            StoreErrc::kInvalidArgument);

  auto list = store_->list_registrations("summit");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Ana");
  EXPECT_EQ((*list)[0].conference, "summit");
  EXPECT_EQ((*list)[1].email, "bo@example.org");
  EXPECT_EQ(store_->list_registrations("other")->size(), 1u);
}

}  // namespace
}  // namespace podium::store
