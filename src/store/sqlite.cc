#include "store/sqlite.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

namespace podium::store {
namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  return Error{fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory")};
}

}  // namespace

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(std::move(other.bind_error_)),
      last_error_code_(other.last_error_code_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = std::move(other.bind_error_);
    last_error_code_ = other.last_error_code_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::note_bind(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_.empty()) {
    bind_error_ = fmt::format("binding parameter {}: {}", index, sqlite3_errstr(rc));
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the view need not outlive the statement.
  note_bind(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Result<bool> Statement::step() {
  if (!bind_error_.empty()) return Error{bind_error_};
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  last_error_code_ = sqlite3_extended_errcode(db_);
  Error error = sqlite_error(db_, sqlite3_sql(stmt_));
  sqlite3_reset(stmt_);  // releases locks a failed statement may still hold
  return error;
}

Result<Done> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return Error{row.error()};
    if (!*row) break;
  }
  sqlite3_reset(stmt_);
  return Done{};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  last_error_code_ = 0;
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool Statement::failed_on_unique() const {
  return last_error_code_ == SQLITE_CONSTRAINT_UNIQUE ||
         last_error_code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
}

bool Statement::failed_on_foreign_key() const {
  return last_error_code_ == SQLITE_CONSTRAINT_FOREIGNKEY;
}

// --- Database ---

Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (see SqliteStore), so
  // SQLite's own per-connection mutex would only cost.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(db, fmt::format("opening {}", path));
    sqlite3_close(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, path);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

// sqlite3_close (not _v2) fails if statements are alive; every Statement is owned by a
// scope shorter than its Database, so this closes.
Database::~Database() { sqlite3_close(db_); }

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, fmt::format("{}: preparing \"{}\"", path_, sql));
  return Statement(db_, stmt);
}

Result<Done> Database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Error{fmt::format("{}: {}", path_, text)};
  }
  return Done{};
}

void Database::set_busy_timeout_ms(int ms) { sqlite3_busy_timeout(db_, ms); }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

// --- Transaction ---

Result<Transaction> Transaction::begin(Database& db) {
  auto begun = db.exec("BEGIN IMMEDIATE");
  if (!begun) return Error{begun.error()};
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Result<Done> Transaction::commit() {
  auto committed = db_->exec("COMMIT");
  if (!committed) return committed;  // still open: the destructor rolls back
  db_ = nullptr;
  return Done{};
}

}  // namespace podium::store
