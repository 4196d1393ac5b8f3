#include "store/sqlite.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "store/migrations.h"
#include "temp_dir.h"

namespace podium::store {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  Database open() {
    auto db = Database::open((dir_.path() / "test.db").string());
    EXPECT_TRUE(db.ok()) << db.error();
    return std::move(db).value();
  }

  std::int64_t count(Database& db, std::string_view table) {
    auto select = db.prepare("SELECT count(*) FROM " + std::string(table));
    EXPECT_TRUE(select.ok()) << select.error();
    auto row = select->step();
    EXPECT_TRUE(row.ok() && *row);
    return select->column_int64(0);
  }

  TempDir dir_;
};

TEST_F(SqliteTest, BindsAndReadsBackTextIntegersAndNull) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (a INTEGER, b TEXT, c TEXT)").ok());
  auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.error();
  const std::string with_nul("x\0y'\"", 5);
  ASSERT_TRUE(
      insert->bind(1, std::int64_t{-9'000'000'000}).bind(2, with_nul).bind_null(3).run().ok());

  auto select = db.prepare("SELECT a, b, c FROM t");
  ASSERT_TRUE(select.ok());
  auto row = select->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->column_int64(0), -9'000'000'000);
  EXPECT_EQ(select->column_text(1), with_nul);
  EXPECT_TRUE(select->column_is_null(2));
  EXPECT_FALSE(select->column_is_null(1));
  auto end = select->step();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST_F(SqliteTest, BadSqlAndBadBindingsAreErrorsWithMessages) {
  Database db = open();
  auto bad = db.prepare("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("syntax error"), std::string::npos) << bad.error();

  auto one = db.prepare("SELECT ?");
  ASSERT_TRUE(one.ok());
  auto row = one->bind(2, std::int64_t{1}).step();
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.error().find("parameter 2"), std::string::npos) << row.error();
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (a INTEGER)").ok());
  {
    auto transaction = Transaction::begin(db);
    ASSERT_TRUE(transaction.ok()) << transaction.error();
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)").ok());
  }
  EXPECT_EQ(count(db, "t"), 0);
  {
    auto transaction = Transaction::begin(db);
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(transaction->commit().ok());
  }
  EXPECT_EQ(count(db, "t"), 1);
}

TEST_F(SqliteTest, UniqueViolationIsRecognised) {
  Database db = open();
  ASSERT_TRUE(db.exec("CREATE TABLE t (a TEXT UNIQUE)").ok());
  auto insert = db.prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->bind(1, std::string_view("x")).run().ok());
  auto again = insert->run();
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(insert->failed_on_unique());
  EXPECT_FALSE(insert->failed_on_foreign_key());
}

TEST_F(SqliteTest, MigrationsRunInOrderOnceEach) {
  constexpr std::array<std::string_view, 2> kSteps = {
      "CREATE TABLE a (x INTEGER)",
      "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'one')"};
  Database db = open();
  auto version = migrate(db, kSteps);
  ASSERT_TRUE(version.ok()) << version.error();
  EXPECT_EQ(*version, 2);
  // Running again applies nothing twice.
  version = migrate(db, kSteps);
  ASSERT_TRUE(version.ok()) << version.error();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(count(db, "a"), 1);
}

TEST_F(SqliteTest, FailedMigrationLeavesThePreviousVersionWhole) {
  constexpr std::array<std::string_view, 2> kGood = {"CREATE TABLE a (x INTEGER)",
                                                     "CREATE TABLE b (x INTEGER)"};
  constexpr std::array<std::string_view, 3> kBroken = {
      "CREATE TABLE a (x INTEGER)", "CREATE TABLE b (x INTEGER)",
      "CREATE TABLE c (x INTEGER); INSERT INTO a VALUES (1); NOT SQL"};
  Database db = open();
  ASSERT_TRUE(migrate(db, kGood).ok());
  auto version = migrate(db, kBroken);
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.error().find("schema version 3"), std::string::npos) << version.error();
  auto current = schema_version(db);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, 2);
  EXPECT_EQ(count(db, "a"), 0);
  EXPECT_FALSE(db.prepare("SELECT * FROM c").ok());
}

TEST_F(SqliteTest, NewerSchemaThanKnownIsRefused) {
  constexpr std::array<std::string_view, 2> kTwo = {"CREATE TABLE a (x INTEGER)",
                                                    "CREATE TABLE b (x INTEGER)"};
  constexpr std::array<std::string_view, 1> kOne = {"CREATE TABLE a (x INTEGER)"};
  Database db = open();
  ASSERT_TRUE(migrate(db, kTwo).ok());
  auto version = migrate(db, kOne);
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.error().find("schema version 2"), std::string::npos) << version.error();
  EXPECT_NE(version.error().find("up to 1"), std::string::npos) << version.error();
}

}  // namespace
}  // namespace podium::store
