#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations.h"
#include "temp_dir.h"

namespace podium::store {
namespace {

using nlohmann::json;

// Every migration applied: the length of the list (docs/store.md "Migrations").
const int kNewestSchema = static_cast<int>(sqlite_migrations().size());

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open() {
    auto store = SqliteStore::open(dir_.path());
    EXPECT_TRUE(store.ok()) << store.error();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::filesystem::path db_path() const { return dir_.path() / "podium.db"; }

  // Runs SQL on the file through a separate plain connection, as an administrator would.
  void poke(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }

  std::string journal_mode() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    std::string mode;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return mode;
  }

  std::string file_bytes() {
    std::ifstream in(db_path(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, CreatesTheDatabaseInWalModeAtTheNewestSchema) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(std::filesystem::exists(db_path()));
  EXPECT_EQ(store->schema_version(), 3);
  EXPECT_EQ(store->path(), db_path().string());

  EXPECT_EQ(journal_mode(), "wal");
}

TEST_F(SqliteStoreTest, CreatesTheDataDirectory) {
  auto store = SqliteStore::open(dir_.path() / "nested" / "data");
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "nested" / "data" / "podium.db"));
}

TEST_F(SqliteStoreTest, DataSurvivesARestart) {
  {
    auto store = open();
    ASSERT_TRUE(store->create_conference("summit", {{"title", "Summit"}}).ok());
    ASSERT_TRUE(store->update_conference_if_version("summit", 1, {{"title", "Summit 2"}}).ok());
    ASSERT_TRUE(store->append_event("summit", "floor.granted", {{"to", "ana"}}, 1000).ok());
    ASSERT_TRUE(store->create_organizer("org@example.org", "hash").ok());
  }
  auto store = open();
  auto conference = store->get_conference("summit");
  ASSERT_TRUE(conference.ok()) << conference.error();
  EXPECT_EQ(conference->version, 2);
  EXPECT_EQ(conference->document, json({{"title", "Summit 2"}}));
  auto events = store->read_events("summit", 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "floor.granted");
  EXPECT_EQ((*events)[0].wall_ms, 1000);
  // Sequence numbers continue after a restart rather than starting over.
  auto seq = store->append_event("summit", "floor.released", json::object(), 2000);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 2);
  EXPECT_TRUE(store->find_organizer_by_email("org@example.org").ok());
}

TEST_F(SqliteStoreTest, ConferenceNamesAreUniqueWithAClearError) {
  auto store = open();
  ASSERT_TRUE(store->create_conference("summit", {{"title", "first"}}).ok());
  auto again = store->create_conference("summit", {{"title", "second"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), StoreErrc::kAlreadyExists);
  EXPECT_NE(again.error().find("'summit' already exists"), std::string::npos) << again.error();
  EXPECT_EQ(store->get_conference("summit")->document["title"], "first");
}

TEST_F(SqliteStoreTest, BadConferenceInputIsRefusedAndChangesNothing) {
  auto store = open();
  for (std::string name : {std::string(), std::string(65, 'a'), std::string("a b"),
                           std::string("x'; DROP TABLE conferences;--"), std::string("../etc"),
                           std::string("caf\xc3\xa9")}) {
    auto created = store->create_conference(name, json::object());
    ASSERT_FALSE(created.ok()) << name;
    EXPECT_EQ(created.code(), StoreErrc::kInvalidArgument);
    EXPECT_NE(created.error().find("1-64 characters"), std::string::npos);
  }
  EXPECT_TRUE(store->create_conference(std::string(64, 'a'), json::object()).ok());
  auto not_object = store->create_conference("list", json::array({1, 2}));
  EXPECT_EQ(not_object.code(), StoreErrc::kInvalidArgument);
  auto bad_utf8 = store->create_conference("bytes", {{"title", "\xff\xfe"}});
  EXPECT_EQ(bad_utf8.code(), StoreErrc::kInvalidArgument);

  auto page = store->list_conferences(100, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->conferences.size(), 1u);
  EXPECT_EQ(page->conferences[0].name, std::string(64, 'a'));
}

TEST_F(SqliteStoreTest, StaleUpdateIsAVersionConflict) {
  auto store = open();
  auto created = store->create_conference("summit", {{"agenda", json::array()}});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->version, 1);

  auto first = store->update_conference_if_version("summit", 1, {{"agenda", {"opening"}}});
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->version, 2);

  // A second editor who also read version 1.
  auto stale = store->update_conference_if_version("summit", 1, {{"agenda", {"other"}}});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.code(), StoreErrc::kVersionConflict);
  EXPECT_NE(stale.error().find("at version 2, not 1"), std::string::npos) << stale.error();

  auto current = store->get_conference("summit");
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->document, json({{"agenda", {"opening"}}}));

  auto missing = store->update_conference_if_version("nowhere", 1, json::object());
  EXPECT_EQ(missing.code(), StoreErrc::kNotFound);
}

TEST_F(SqliteStoreTest, DeleteRemovesTheConferenceAndEverythingInIt) {
  auto store = open();
  ASSERT_TRUE(store->create_conference("summit", json::object()).ok());
  ASSERT_TRUE(store->create_conference("other", json::object()).ok());
  ASSERT_TRUE(store->append_event("summit", "chat.message", {{"text", "hi"}}, 1).ok());
  ASSERT_TRUE(store->append_event("other", "chat.message", {{"text", "kept"}}, 1).ok());
  ASSERT_TRUE(store->create_invitation({"summit", "speaker", "Ana", std::nullopt, "tok-1"}).ok());
  ASSERT_TRUE(store->create_registration("summit", "Bo", "bo@example.org").ok());

  ASSERT_TRUE(store->delete_conference("summit").ok());
  EXPECT_EQ(store->get_conference("summit").code(), StoreErrc::kNotFound);
  EXPECT_EQ(store->read_events("summit", 0, 10).code(), StoreErrc::kNotFound);
  EXPECT_EQ(store->find_invitation("tok-1").code(), StoreErrc::kNotFound);
  EXPECT_EQ(store->delete_conference("summit").code(), StoreErrc::kNotFound);

  // A new conference of the same name starts with an empty record.
  ASSERT_TRUE(store->create_conference("summit", json::object()).ok());
  EXPECT_TRUE(store->read_events("summit", 0, 10)->empty());
  EXPECT_TRUE(store->list_registrations("summit")->empty());
  EXPECT_EQ(*store->append_event("summit", "chat.message", json::object(), 2), 1);
  EXPECT_EQ(store->read_events("other", 0, 10)->size(), 1u);
}

TEST_F(SqliteStoreTest, PagesWalkAllConferencesInNameOrderOnce) {
  auto store = open();
  std::set<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    std::string name = "conf-" + std::to_string(100 + i);
    ASSERT_TRUE(store->create_conference(name, {{"i", i}}).ok());
    expected.insert(name);
  }
  std::vector<std::string> seen;
  std::vector<std::size_t> page_sizes;
  std::string cursor;
  for (;;) {
    auto page = store->list_conferences(10, cursor);
    ASSERT_TRUE(page.ok()) << page.error();
    page_sizes.push_back(page->conferences.size());
    for (const auto& c : page->conferences) seen.push_back(c.name);
    if (seen.size() == 10) {
      // Created mid-walk before the cursor: not repeated, nothing skipped.
      ASSERT_TRUE(store->create_conference("conf-000", json::object()).ok());
    }
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{10, 10, 5}));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  // Exactly one full page: no next cursor pointing at an empty page.
  auto all = store->list_conferences(26, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->conferences.size(), 26u);
  EXPECT_FALSE(all->next_cursor);

  EXPECT_EQ(store->list_conferences(0, "").code(), StoreErrc::kInvalidArgument);
  EXPECT_EQ(store->list_conferences(kMaxPageSize + 1, "").code(), StoreErrc::kInvalidArgument);
  EXPECT_EQ(store->list_conferences(10, "' OR 1=1 --").code(), StoreErrc::kInvalidArgument);
}

TEST_F(SqliteStoreTest, TimelineKeepsOrderAndReadsAfterASequenceNumber) {
  auto store = open();
  ASSERT_TRUE(store->create_conference("a", json::object()).ok());
  ASSERT_TRUE(store->create_conference("b", json::object()).ok());
  for (int i = 1; i <= 5; ++i) {
    auto seq = store->append_event("a", "chat.message", {{"n", i}}, 1000 + i);
    ASSERT_TRUE(seq.ok()) << seq.error();
    EXPECT_EQ(*seq, i);
  }
  // Each conference counts on its own.
  EXPECT_EQ(*store->append_event("b", "qa.question", {{"text", "why?"}}, 7), 1);

  auto all = store->read_events("a", 0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*all)[i].seq, i + 1);
    EXPECT_EQ((*all)[i].payload["n"], i + 1);
    EXPECT_EQ((*all)[i].wall_ms, 1001 + i);
  }
  auto after3 = store->read_events("a", 3, 100);
  ASSERT_EQ(after3->size(), 2u);
  EXPECT_EQ((*after3)[0].seq, 4);
  EXPECT_EQ((*after3)[1].seq, 5);
  auto two = store->read_events("a", 1, 2);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].seq, 2);
  EXPECT_TRUE(store->read_events("a", 5, 100)->empty());

  EXPECT_EQ(store->append_event("nowhere", "chat.message", json::object(), 1).code(),
            StoreErrc::kNotFound);
  EXPECT_EQ(store->append_event("a", "bad type!", json::object(), 1).code(),
            StoreErrc::kInvalidArgument);
  EXPECT_EQ(store->read_events("a", 0, 0).code(), StoreErrc::kInvalidArgument);
  // The refused appends used no sequence number.
  EXPECT_EQ(*store->append_event("a", "chat.message", json::object(), 9), 6);
}

TEST_F(SqliteStoreTest, InjectionLookingTextIsStoredLiterally) {
  auto store = open();
  const std::string evil = "Robert'); DROP TABLE conferences;--";
  ASSERT_TRUE(store->create_conference("summit", {{"title", evil}}).ok());
  ASSERT_TRUE(store->append_event("summit", "chat.message", {{"text", evil}}, 1).ok());
  ASSERT_TRUE(store->create_registration("summit", evil, "x'--@example.org").ok());
  ASSERT_TRUE(store->create_invitation({"summit", "speaker", evil, "a\"b@example.org", evil}).ok());
  ASSERT_TRUE(store->create_organizer("o'r@example.org", evil).ok());

  EXPECT_EQ(store->get_conference("summit")->document["title"], evil);
  EXPECT_EQ((*store->read_events("summit", 0, 10))[0].payload["text"], evil);
  auto registrations = store->list_registrations("summit");
  ASSERT_EQ(registrations->size(), 1u);
  EXPECT_EQ((*registrations)[0].name, evil);
  EXPECT_EQ((*registrations)[0].email, "x'--@example.org");
  auto invitation = store->find_invitation(evil);
  ASSERT_TRUE(invitation.ok()) << invitation.error();
  EXPECT_EQ(invitation->name, evil);
  EXPECT_EQ(invitation->email, "a\"b@example.org");
  EXPECT_EQ(store->find_organizer_by_email("o'r@example.org")->password_hash, evil);
  EXPECT_EQ(store->list_conferences(10, "")->conferences.size(), 1u);
}

TEST_F(SqliteStoreTest, DatabaseFromANewerPodiumIsRefused) {
  {
    auto store = open();
    ASSERT_TRUE(store->create_conference("summit", json::object()).ok());
  }
  poke("UPDATE schema_version SET version = 7");
  const std::string before = file_bytes();
  auto store = SqliteStore::open(dir_.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.code(), StoreErrc::kStorage);
  EXPECT_NE(store.error().find("schema version 7"), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("up to " + std::to_string(kNewestSchema)), std::string::npos)
      << store.error();
  EXPECT_NE(store.error().find("podium.db"), std::string::npos) << store.error();
  EXPECT_EQ(file_bytes(), before);
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefusedAndLeftAlone) {
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  {
    std::ofstream out(db_path(), std::ios::binary);
    out << garbage;
  }
  auto store = SqliteStore::open(dir_.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.code(), StoreErrc::kStorage);
  EXPECT_NE(store.error().find("not a database"), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("podium.db"), std::string::npos) << store.error();

  std::ifstream in(db_path(), std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage);
}

TEST_F(SqliteStoreTest, DamagedPagesGiveAStorageErrorNotACrash) {
  {
    auto store = open();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(
          store->create_conference("c" + std::to_string(i), {{"pad", std::string(500, 'x')}}).ok());
    }
  }
  ASSERT_FALSE(std::filesystem::exists(dir_.path() / "podium.db-wal") &&
               std::filesystem::file_size(dir_.path() / "podium.db-wal") > 0)
      << "closing the last connection checkpoints the WAL into the file";
  {
    // Keep the header page, scribble over every page after it.
    std::fstream file(db_path(), std::ios::binary | std::ios::in | std::ios::out);
    auto size = std::filesystem::file_size(db_path());
    ASSERT_GT(size, 4096u);
    file.seekp(4096);
    for (std::uintmax_t i = 4096; i < size; ++i) file.put(static_cast<char>((i * 37) & 0xff));
  }
  auto store = SqliteStore::open(dir_.path());
  std::string error;
  if (!store.ok()) {
    EXPECT_EQ(store.code(), StoreErrc::kStorage);
    error = store.error();
  } else {
    auto page = (*store)->list_conferences(100, "");
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.code(), StoreErrc::kStorage);
    error = page.error();
  }
  EXPECT_NE(error.find("malformed"), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, AnotherProgramsDatabaseIsRefused) {
  poke("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
  auto store = SqliteStore::open(dir_.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find("another program"), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("invoices"), std::string::npos) << store.error();
  // Refused before anything was written: not even switched to WAL.
  EXPECT_EQ(journal_mode(), "delete");
}

// Two Store objects on one file from two threads, as two processes would: writes wait
// for each other instead of failing, and each sees what the other committed.
TEST_F(SqliteStoreTest, TwoStoresInTwoThreadsShareOneFile) {
  ASSERT_TRUE(open()->create_conference("shared", json::object()).ok());
  constexpr int kPerThread = 40;
  std::promise<void> a_wrote;
  auto writer = [&](std::string who, std::promise<void>* done) {
    auto store = SqliteStore::open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error();
    ASSERT_TRUE((*store)->create_conference("by-" + who, json::object()).ok());
    if (done) done->set_value();
    for (int i = 0; i < kPerThread; ++i) {
      auto seq = (*store)->append_event("shared", "chat.message", {{"who", who}, {"i", i}}, i);
      ASSERT_TRUE(seq.ok()) << seq.error();
    }
  };
  std::thread a(writer, "a", &a_wrote);
  std::thread b([&] {
    auto store = SqliteStore::open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.error();
    ASSERT_EQ(a_wrote.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
    // Committed by the other connection a moment ago.
    EXPECT_TRUE((*store)->get_conference("by-a").ok());
    for (int i = 0; i < kPerThread; ++i) {
      auto seq = (*store)->append_event("shared", "chat.message", {{"who", "b"}, {"i", i}}, i);
      ASSERT_TRUE(seq.ok()) << seq.error();
    }
  });
  a.join();
  b.join();

  auto store = open();
  auto events = store->read_events("shared", 0, kMaxPageSize);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u * kPerThread);
  std::map<std::string, int> next_i;
  for (std::size_t k = 0; k < events->size(); ++k) {
    const auto& event = (*events)[k];
    EXPECT_EQ(event.seq, static_cast<std::int64_t>(k + 1));
    // Each writer's events appear in the order it wrote them.
    std::string who = event.payload["who"];
    EXPECT_EQ(event.payload["i"], next_i[who]++);
  }
  EXPECT_TRUE(store->get_conference("by-a").ok());
}

// Several servers started at once on a fresh data directory: one migrates, the others
// wait and then find the schema in place.
TEST_F(SqliteStoreTest, SimultaneousFirstOpensMigrateOnce) {
  const auto fresh = dir_.path() / "fresh";
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] {
      auto store = SqliteStore::open(fresh);
      if (!store.ok()) {
        errors[i] = store.error();
        return;
      }
      if ((*store)->schema_version() != kNewestSchema) errors[i] = "wrong schema version";
      auto created = (*store)->create_conference("c" + std::to_string(i), json::object());
      if (!created.ok()) errors[i] = created.error();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) EXPECT_EQ(error, "");
  auto store = SqliteStore::open(fresh);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->list_conferences(10, "")->conferences.size(), errors.size());
}

TEST_F(SqliteStoreTest, OptimisticConcurrencyHoldsAcrossConnections) {
  auto one = open();
  auto two = open();
  ASSERT_TRUE(one->create_conference("summit", {{"v", 0}}).ok());
  auto seen_by_two = two->get_conference("summit");
  ASSERT_TRUE(seen_by_two.ok());
  ASSERT_TRUE(one->update_conference_if_version("summit", 1, {{"v", "one"}}).ok());
  auto stale = two->update_conference_if_version("summit", seen_by_two->version, {{"v", "two"}});
  EXPECT_EQ(stale.code(), StoreErrc::kVersionConflict);
  EXPECT_EQ(two->get_conference("summit")->document["v"], "one");
}

}  // namespace
}  // namespace podium::store
