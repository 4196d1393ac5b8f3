#include "store/migrations.h"

#include <fmt/format.h>

#include <string>

namespace podium::store {
namespace {

// Version 1. Conferences are a JSON document with a version for optimistic concurrency;
// last_seq is the newest timeline sequence number of the conference, so appending is
// one UPDATE ... RETURNING and a sequence number is never handed out twice.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE conferences (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  document TEXT NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE timeline (
  conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  wall_ms INTEGER NOT NULL,
  PRIMARY KEY (conference_id, seq)
) WITHOUT ROWID;

CREATE TABLE organizers (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  organizer_id INTEGER NOT NULL REFERENCES organizers(id) ON DELETE CASCADE,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions(expires_ms);

CREATE TABLE invitations (
  id INTEGER PRIMARY KEY,
  conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  token_id TEXT NOT NULL UNIQUE,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invitations_by_conference ON invitations(conference_id, id);

CREATE TABLE registrations (
  id INTEGER PRIMARY KEY,
  conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  email TEXT NOT NULL COLLATE NOCASE,
  UNIQUE (conference_id, email)
);
)sql";

// Version 2. Recording files and what the REST API says about them; languages is a JSON
// array of language codes.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE recordings (
  id INTEGER PRIMARY KEY,
  conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  participant TEXT,
  languages TEXT NOT NULL,
  path TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  published INTEGER NOT NULL DEFAULT 0,
  error TEXT
);
CREATE INDEX recordings_by_conference ON recordings(conference_id, started_ms, id);
)sql";

// Version 3. The live log: each input of a live conference (join, leave, command, timer
// tick) since its last snapshot, so a restart replays what the snapshot misses. Rows
// before the snapshot's log_seq are dropped when a snapshot is written.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE live_log (
  conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (conference_id, seq)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kMigrations[] = {kV1, kV2, kV3};

}  // namespace

std::span<const std::string_view> sqlite_migrations() { return kMigrations; }

Result<int> schema_version(Database& db) {
  auto exists =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return Error{exists.error()};
  auto found = exists->step();
  if (!found) return Error{found.error()};
  if (!*found) return 0;
  auto select = db.prepare("SELECT max(version) FROM schema_version");
  if (!select) return Error{select.error()};
  auto row = select->step();
  if (!row) return Error{row.error()};
  if (!*row || select->column_is_null(0)) return 0;
  return static_cast<int>(select->column_int64(0));
}

Result<int> check_schema(Database& db, int known_version) {
  auto current = schema_version(db);
  if (!current) return current;
  if (*current > known_version) {
    return Error{
        fmt::format("{} has schema version {}, but this build of podium knows versions up to {}; "
                    "run a newer podium or restore a backup made for this version",
                    db.path(), *current, known_version)};
  }
  if (*current == 0) {
    // Never lay our tables over another program's database.
    auto foreign = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_version' "
        "LIMIT 1");
    if (!foreign) return Error{foreign.error()};
    auto row = foreign->step();
    if (!row) return Error{row.error()};
    if (*row) {
      return Error{
          fmt::format("{} is an SQLite database of another program (it has a table \"{}\" and "
                      "no podium schema version); point the data directory elsewhere",
                      db.path(), foreign->column_text(0))};
    }
  }
  return current;
}

Result<int> migrate(Database& db, std::span<const std::string_view> migrations) {
  const int known = static_cast<int>(migrations.size());
  for (int target = 1; target <= known; ++target) {
    // The version is read inside the write transaction: another process opening the
    // same file at the same moment waits here and then finds the work done.
    auto transaction = Transaction::begin(db);
    if (!transaction) return Error{transaction.error()};
    auto current = check_schema(db, known);
    if (!current) return current;
    if (*current >= target) continue;
    auto applied = db.exec(std::string(migrations[target - 1]));
    if (!applied) {
      return Error{
          fmt::format("migration to schema version {} failed: {}", target, applied.error())};
    }
    auto table = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    if (!table) return Error{table.error()};
    auto bump = db.prepare("DELETE FROM schema_version");
    if (!bump) return Error{bump.error()};
    if (auto done = bump->run(); !done) return Error{done.error()};
    auto insert = db.prepare("INSERT INTO schema_version (version) VALUES (?)");
    if (!insert) return Error{insert.error()};
    if (auto done = insert->bind(1, std::int64_t{target}).run(); !done) return Error{done.error()};
    if (auto committed = transaction->commit(); !committed) return Error{committed.error()};
  }
  return check_schema(db, known);
}

}  // namespace podium::store
