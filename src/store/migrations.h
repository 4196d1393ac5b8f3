// The schema as an ordered list of migrations. Migration i (0-based) takes the database
// from schema version i to i + 1; each runs in its own transaction together with the
// version bump, so a crash leaves the database at a version it had. Append only: a
// migration that has shipped is never edited, a later one changes what it did.
#pragma once

#include <span>
#include <string_view>

#include "store/sqlite.h"
#include "util/result.h"

namespace podium::store {

std::span<const std::string_view> sqlite_migrations();

// Brings db to the newest version this build knows. Refuses a database whose version is
// newer (written by a later build) rather than guessing what it holds.
// Returns the version the database is at afterwards.
Result<int> migrate(Database& db, std::span<const std::string_view> migrations);

// The version recorded in db, 0 for an empty database. Reads only.
Result<int> schema_version(Database& db);

// Reads only: the version of db, or an error if it is newer than known_version or is
// some other program's database (tables but no version). Run before anything that
// writes, so a file that is refused is left exactly as it was.
Result<int> check_schema(Database& db, int known_version);

}  // namespace podium::store
