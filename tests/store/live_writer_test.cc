// The live writer's group commit (store/live_writer.h) and the batched write under it:
// inputs submitted while a commit runs share the next one, nothing is reordered, and
// everything reported stored is in the database for another connection to read.
#include "store/live_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_store.h"
#include "temp_dir.h"

namespace podium::store {
namespace {

using nlohmann::json;

class LiveWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_conference("plenary", json{{"title", "Plenary"}}).ok());
  }

  static LiveWrite input(std::int64_t seq, const std::string& conference = "plenary") {
    return LiveWrite{conference,
                     {TimelineDraft{"hand_raised", json{{"n", seq}}, 1000 + seq}},
                     LiveEntry{seq, json{{"op", "command"}, {"n", seq}}}};
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(LiveWriterTest, ABatchIsStoredWholeInOrderWithTheGivenNumbers) {
  ASSERT_TRUE(store_->write_live({input(7), input(8), LiveWrite{"plenary", {}, LiveEntry{9, json{{"n", 9}}}}}).ok());
  auto entries = store_->read_live_entries("plenary", 0);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].seq, 7);
  EXPECT_EQ((*entries)[2].seq, 9);
  auto events = store_->read_events("plenary", 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].seq, 1);
  EXPECT_EQ((*events)[0].payload["n"], 7);
  EXPECT_EQ((*events)[1].wall_ms, 1008);
}

TEST_F(LiveWriterTest, AWriteForADeletedConferenceIsSkippedAndABadOneStoresNothing) {
  ASSERT_TRUE(store_->write_live({input(1, "gone"), input(1)}).ok());
  EXPECT_EQ(store_->read_live_entries("plenary", 0)->size(), 1u);

  auto bad = input(2);
  bad.events[0].type = "";  // not an event type
  auto refused = store_->write_live({input(2), bad});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(store_->read_live_entries("plenary", 0)->size(), 1u) << "the good write went too";
  // A number taken twice fails the whole commit, not half of it.
  EXPECT_FALSE(store_->write_live({input(3), input(1)}).ok());
  EXPECT_EQ(store_->read_live_entries("plenary", 0)->size(), 1u);
  EXPECT_EQ(store_->read_events("plenary", 0, 100)->size(), 1u);
}

TEST_F(LiveWriterTest, PagesBackFromTheNewest) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store_->append_event("plenary", "x", json{{"i", i}}, i).ok());
  auto newest = store_->read_events_before("plenary", 0, 2);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].seq, 4);
  EXPECT_EQ((*newest)[1].seq, 5);
  auto older = store_->read_events_before("plenary", 4, 10);
  ASSERT_EQ(older->size(), 3u);
  EXPECT_EQ((*older)[0].seq, 1);
  EXPECT_EQ((*older)[2].seq, 3);
  EXPECT_TRUE(store_->read_events_before("plenary", 1, 10)->empty());
  EXPECT_FALSE(store_->read_events_before("plenary", 0, 0).ok());
  EXPECT_EQ(store_->read_events_before("nowhere", 0, 1).code(), StoreErrc::kNotFound);
}

TEST_F(LiveWriterTest, InputsSubmittedTogetherShareCommitsAndStayInOrder) {
  auto connection = store_->open_another();
  ASSERT_TRUE(connection.ok()) << connection.error();
  std::mutex mutex;
  std::vector<std::uint64_t> reported;
  constexpr int kInputs = 500;
  {
    LiveWriter writer(std::move(*connection), [&](std::uint64_t through, std::vector<std::string> failed) {
      std::lock_guard lock(mutex);
      EXPECT_TRUE(failed.empty());
      reported.push_back(through);
    });
    for (int i = 1; i <= kInputs; ++i) EXPECT_EQ(writer.submit(input(i)), static_cast<std::uint64_t>(i));
    writer.flush();
    // Everything flushed is visible to another connection, in submission order.
    auto entries = store_->read_live_entries("plenary", 0);
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), static_cast<std::size_t>(kInputs));
    for (int i = 0; i < kInputs; ++i) EXPECT_EQ((*entries)[i].entry["n"], i + 1);
    auto events = store_->read_events("plenary", 0, 1000);
    ASSERT_EQ(events->size(), static_cast<std::size_t>(kInputs));
    for (int i = 0; i < kInputs; ++i) EXPECT_EQ((*events)[i].payload["n"], i + 1);
    EXPECT_EQ(writer.writes(), static_cast<std::uint64_t>(kInputs));
    // Submitted faster than one commit each: fewer commits than inputs.
    EXPECT_LT(writer.commits(), static_cast<std::uint64_t>(kInputs));
  }
  std::lock_guard lock(mutex);
  ASSERT_FALSE(reported.empty());
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_EQ(reported.back(), static_cast<std::uint64_t>(kInputs));
}

TEST_F(LiveWriterTest, AFailedCommitIsReportedWithItsConferences) {
  auto connection = store_->open_another();
  ASSERT_TRUE(connection.ok());
  std::vector<std::string> failures;
  std::uint64_t last = 0;
  std::mutex mutex;
  {
    LiveWriter writer(std::move(*connection), [&](std::uint64_t through, std::vector<std::string> failed) {
      std::lock_guard lock(mutex);
      last = through;
      failures.insert(failures.end(), failed.begin(), failed.end());
    });
    writer.submit(input(1));
    writer.flush();
    writer.submit(input(1));  // the same number again: the commit fails
    writer.flush();
  }
  std::lock_guard lock(mutex);
  EXPECT_EQ(last, 2u);
  EXPECT_EQ(failures, std::vector<std::string>{"plenary"});
}

}  // namespace
}  // namespace podium::store
