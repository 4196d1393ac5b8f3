// A thin RAII layer over the SQLite C API: a connection, a prepared statement with
// bind/step/column, and a transaction that rolls back unless committed. Values only
// ever reach SQL through bind; SQL text is always a constant of the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store_result.h"
#include "util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace podium::store {

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. A failed bind is reported by the next step().
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::optional<std::string>& text);  // NULL when absent
  Statement& bind_null(int index);

  // true: a row is ready to read; false: done. Errors carry SQLite's message.
  Result<bool> step();
  // Runs a statement that returns no rows (or ignores them) to completion.
  Result<Done> run();
  // Ready to step again, bindings kept.
  void reset();

  // Columns are 0-based, as in SQLite.
  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

  // SQLite's extended result code of the last failed step (e.g. SQLITE_CONSTRAINT_UNIQUE).
  int last_error_code() const { return last_error_code_; }
  // The last step failed on a UNIQUE or PRIMARY KEY constraint.
  bool failed_on_unique() const;
  bool failed_on_foreign_key() const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void note_bind(int rc, int index);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string bind_error_;
  int last_error_code_ = 0;
};

class Database {
 public:
  // Opens (creating if missing) a database file for reading and writing.
  // Nothing is read yet: a file that is not a database fails at the first statement.
  static Result<Database> open(const std::string& path);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Result<Statement> prepare(std::string_view sql);
  // Runs constant SQL, possibly several statements (migrations, PRAGMAs). Never values.
  Result<Done> exec(const std::string& sql);
  void set_busy_timeout_ms(int ms);

  std::int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_ = nullptr;
  std::string path_;
};

// BEGIN IMMEDIATE ... COMMIT. Immediate takes the write lock at the start, so two
// connections never both read and then both try to upgrade to writing, which in WAL
// mode fails with SQLITE_BUSY_SNAPSHOT instead of waiting (sqlite.org/wal.html §2.4).
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back unless committed.
  ~Transaction();

  Result<Done> commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_ = nullptr;
};

}  // namespace podium::store
