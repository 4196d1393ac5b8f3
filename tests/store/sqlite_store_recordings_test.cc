#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "temp_dir.h"

namespace podium::store {
namespace {

class RecordingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_conference("summit", {{"title", "Summit"}}).ok());
  }

  RecordingDraft draft(std::string kind = "track") {
    RecordingDraft d;
    d.conference = "summit";
    d.kind = std::move(kind);
    if (d.kind == "track") d.participant = "p3";
    d.languages = d.kind == "program" ? std::vector<std::string>{"floor", "en"}
                                      : std::vector<std::string>{};
    d.path = "recordings/summit/20261125T100000Z-000/" + d.kind + ".webm";
    d.started_ms = 1'764'064'800'000;
    return d;
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(RecordingStoreTest, ARecordingIsListedWhileWrittenAndFinishedWithItsSize) {
  auto added = store_->add_recording(draft("program"));
  ASSERT_TRUE(added.ok()) << added.error();
  EXPECT_GT(added->id, 0);
  EXPECT_FALSE(added->ended_ms);
  EXPECT_FALSE(added->published);
  EXPECT_EQ(added->languages, (std::vector<std::string>{"floor", "en"}));
  EXPECT_FALSE(added->participant);

  auto finished = store_->finish_recording(added->id, added->started_ms + 61'000, 60'500, 123456, {});
  ASSERT_TRUE(finished.ok()) << finished.error();
  EXPECT_EQ(finished->ended_ms, added->started_ms + 61'000);
  EXPECT_EQ(finished->duration_ms, 60'500);
  EXPECT_EQ(finished->bytes, 123456);
  EXPECT_FALSE(finished->error);

  auto listed = store_->list_recordings("summit");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].path, draft("program").path);
}

TEST_F(RecordingStoreTest, ListsInStartOrderAndKeepsTheReasonARecordingStopped) {
  auto later = draft();
  later.started_ms += 5000;
  auto b = store_->add_recording(later);
  auto a = store_->add_recording(draft("program"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(store_->finish_recording(b->id, later.started_ms + 10, 10, 99, "No space left on device").ok());
  auto listed = store_->list_recordings("summit");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, a->id);
  EXPECT_EQ((*listed)[1].participant, "p3");
  EXPECT_EQ((*listed)[1].error, "No space left on device");
}

TEST_F(RecordingStoreTest, PublishingAndDeleting) {
  auto added = store_->add_recording(draft());
  ASSERT_TRUE(added.ok());
  auto published = store_->set_recording_published(added->id, true);
  ASSERT_TRUE(published.ok());
  EXPECT_TRUE(published->published);
  EXPECT_TRUE(store_->get_recording(added->id)->published);
  ASSERT_TRUE(store_->delete_recording(added->id).ok());
  EXPECT_EQ(store_->get_recording(added->id).code(), StoreErrc::kNotFound);
  EXPECT_EQ(store_->delete_recording(added->id).code(), StoreErrc::kNotFound);
  EXPECT_EQ(store_->set_recording_published(added->id, false).code(), StoreErrc::kNotFound);
  EXPECT_EQ(store_->finish_recording(added->id, 1, 1, 1, {}).code(), StoreErrc::kNotFound);
}

TEST_F(RecordingStoreTest, BadInputIsRefusedAndChangesNothing) {
  auto bad_kind = draft();
  bad_kind.kind = "podcast";
  EXPECT_EQ(store_->add_recording(bad_kind).code(), StoreErrc::kInvalidArgument);
  auto no_path = draft();
  no_path.path.clear();
  EXPECT_EQ(store_->add_recording(no_path).code(), StoreErrc::kInvalidArgument);
  auto no_conference = draft();
  no_conference.conference = "elsewhere";
  EXPECT_EQ(store_->add_recording(no_conference).code(), StoreErrc::kNotFound);
  EXPECT_TRUE(store_->list_recordings("summit")->empty());
  EXPECT_EQ(store_->list_recordings("elsewhere").code(), StoreErrc::kNotFound);
  auto added = store_->add_recording(draft());
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(store_->finish_recording(added->id, 1, -1, 0, {}).code(), StoreErrc::kInvalidArgument);
  EXPECT_FALSE(store_->get_recording(added->id)->ended_ms);
}

TEST_F(RecordingStoreTest, DeletingTheConferenceDeletesItsRecordings) {
  auto added = store_->add_recording(draft());
  ASSERT_TRUE(added.ok());
  ASSERT_TRUE(store_->delete_conference("summit").ok());
  EXPECT_EQ(store_->get_recording(added->id).code(), StoreErrc::kNotFound);
}

TEST_F(RecordingStoreTest, RecordingsSurviveReopening) {
  auto added = store_->add_recording(draft("program"));
  ASSERT_TRUE(added.ok());
  store_.reset();
  auto reopened = SqliteStore::open(dir_.path());
  ASSERT_TRUE(reopened.ok());
  auto found = (*reopened)->get_recording(added->id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->kind, "program");
}

}  // namespace
}  // namespace podium::store
