// SqliteStore: opening, conferences and the timeline. Accounts, invitations and
// registrations are in sqlite_store_accounts.cc.
#include "store/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include <system_error>
#include <utility>

#include "store/migrations.h"
#include "store/validation.h"

namespace podium::store {
namespace {

StoreError storage(const std::string& message) { return StoreError{StoreErrc::kStorage, message}; }

// PRAGMAs return their new value as a row; journal_mode answers what it could set.
Result<std::string> pragma(Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement) return Error{statement.error()};
  auto row = statement->step();
  if (!row) return Error{row.error()};
  std::string value = *row ? statement->column_text(0) : std::string();
  statement->reset();
  return value;
}

StoreResult<ConferenceRecord> read_conference(Statement& row, int first_column) {
  auto document = from_json_text(row.column_text(first_column + 2), "conference document");
  if (!document) return document.failure();
  return ConferenceRecord{row.column_text(first_column), row.column_int64(first_column + 1),
                          std::move(*document)};
}

// The rows of a SELECT seq, type, payload, wall_ms FROM timeline, in the order given.
StoreResult<std::vector<TimelineEvent>> read_timeline_rows(Statement& select) {
  std::vector<TimelineEvent> events;
  for (;;) {
    auto row = select.step();
    if (!row) return storage(row.error());
    if (!*row) return events;
    auto payload = from_json_text(select.column_text(2), "timeline event");
    if (!payload) return payload.failure();
    events.push_back(TimelineEvent{select.column_int64(0), select.column_text(1),
                                   std::move(*payload), select.column_int64(3)});
  }
}

StoreResult<Done> check_document(const nlohmann::json& document) {
  if (document.is_object()) return Done{};
  return StoreError{StoreErrc::kInvalidArgument, "a conference document must be a JSON object"};
}

}  // namespace

StoreResult<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return storage(
        fmt::format("cannot create data directory {}: {}", data_dir.string(), ec.message()));
  }
  const std::string path = (data_dir / kFileName).string();
  auto db = Database::open(path);
  if (!db) return storage(db.error());
  // Before anything that may wait on another connection's lock.
  db->set_busy_timeout_ms(kBusyTimeoutMs);

  // The first statement reads the header: a file that is not SQLite fails here, and a
  // database that is not ours, or too new, is refused before anything is written to it.
  // Its reads run in one read transaction: one snapshot, even while another process
  // creates the same database at this moment.
  const int known = static_cast<int>(sqlite_migrations().size());
  if (auto begun = db->exec("BEGIN"); !begun) return storage(begun.error());
  auto checked = check_schema(*db, known);
  db->exec("COMMIT");
  if (!checked) return storage(checked.error());
  // Switching to WAL needs a moment alone with the file, and SQLite answers "locked"
  // at once instead of calling the busy handler when another connection is opening it
  // too: wait and try again, within the same bound as any other lock.
  auto mode = pragma(*db, "PRAGMA journal_mode=WAL");
  for (int waited_ms = 0; !mode && waited_ms < kBusyTimeoutMs; waited_ms += 10) {
    if (mode.error().find("locked") == std::string::npos &&
        mode.error().find("busy") == std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    mode = pragma(*db, "PRAGMA journal_mode=WAL");
  }
  if (!mode) return storage(fmt::format("{} cannot be used: {}", path, mode.error()));
  if (mode.value() != "wal") {
    return storage(fmt::format("{}: could not switch to WAL mode (journal mode is \"{}\")", path,
                               mode.value()));
  }
  // NORMAL in WAL mode: a power cut may lose the last commits but never corrupts
  // (sqlite.org/pragma.html#pragma_synchronous). A conference record can afford that.
  for (std::string_view sql : {"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (auto set = db->exec(std::string(sql)); !set) {
      return storage(fmt::format("{} cannot be used: {}", path, set.error()));
    }
  }
  auto version = migrate(*db, sqlite_migrations());
  if (!version) return storage(version.error());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*db), *version));
}

StoreResult<std::int64_t> SqliteStore::conference_id(std::string_view name) {
  if (auto valid = check_conference_name(name); !valid) return valid.failure();
  auto select = db_.prepare("SELECT id FROM conferences WHERE name = ?");
  if (!select) return storage(select.error());
  auto row = select->bind(1, name).step();
  if (!row) return storage(row.error());
  if (!*row) {
    return StoreError{StoreErrc::kNotFound, fmt::format("no conference named '{}'", name)};
  }
  return select->column_int64(0);
}

// --- conferences ---

StoreResult<ConferenceRecord> SqliteStore::create_conference(std::string_view name,
                                                             const nlohmann::json& document) {
  if (auto valid = check_conference_name(name); !valid) return valid.failure();
  if (auto valid = check_document(document); !valid) return valid.failure();
  auto text = to_json_text(document);
  if (!text) return text.failure();
  auto insert = db_.prepare("INSERT INTO conferences (name, version, document) VALUES (?, 1, ?)");
  if (!insert) return storage(insert.error());
  if (auto done = insert->bind(1, name).bind(2, *text).run(); !done) {
    if (insert->failed_on_unique()) {
      return StoreError{StoreErrc::kAlreadyExists,
                        fmt::format("a conference named '{}' already exists", name)};
    }
    return storage(done.error());
  }
  return ConferenceRecord{std::string(name), 1, document};
}

StoreResult<ConferenceRecord> SqliteStore::get_conference(std::string_view name) {
  if (auto valid = check_conference_name(name); !valid) return valid.failure();
  auto select = db_.prepare("SELECT name, version, document FROM conferences WHERE name = ?");
  if (!select) return storage(select.error());
  auto row = select->bind(1, name).step();
  if (!row) return storage(row.error());
  if (!*row) {
    return StoreError{StoreErrc::kNotFound, fmt::format("no conference named '{}'", name)};
  }
  return read_conference(*select, 0);
}

// Keyset pagination: the cursor is the last name of the previous page, so a page is an
// index range scan however deep it is, and inserts or deletes between calls neither
// repeat nor skip the conferences that stay.
StoreResult<ConferencePage> SqliteStore::list_conferences(int limit, std::string_view cursor) {
  if (auto valid = check_page_limit(limit); !valid) return valid.failure();
  if (!cursor.empty() && !is_valid_conference_name(cursor)) {
    return StoreError{StoreErrc::kInvalidArgument, "invalid cursor"};
  }
  auto select = db_.prepare(
      "SELECT name, version, document FROM conferences WHERE name > ? ORDER BY name LIMIT ?");
  if (!select) return storage(select.error());
  // One more than asked tells whether there is a next page.
  select->bind(1, cursor).bind(2, std::int64_t{limit} + 1);
  ConferencePage page;
  for (;;) {
    auto row = select->step();
    if (!row) return storage(row.error());
    if (!*row) break;
    if (static_cast<int>(page.conferences.size()) == limit) {
      page.next_cursor = page.conferences.back().name;
      break;
    }
    auto record = read_conference(*select, 0);
    if (!record) return record.failure();
    page.conferences.push_back(std::move(*record));
  }
  return page;
}

StoreResult<ConferenceRecord> SqliteStore::update_conference_if_version(
    std::string_view name, std::int64_t expected_version, const nlohmann::json& document) {
  if (auto valid = check_conference_name(name); !valid) return valid.failure();
  if (auto valid = check_document(document); !valid) return valid.failure();
  auto text = to_json_text(document);
  if (!text) return text.failure();
  // Compare-and-swap in one statement: no window between the check and the write.
  auto update = db_.prepare(
      "UPDATE conferences SET document = ?, version = version + 1 "
      "WHERE name = ? AND version = ? RETURNING version");
  if (!update) return storage(update.error());
  auto row = update->bind(1, *text).bind(2, name).bind(3, expected_version).step();
  if (!row) return storage(row.error());
  if (*row) {
    std::int64_t version = update->column_int64(0);
    // Run to the end: an autocommit statement commits when it finishes.
    if (auto done = update->run(); !done) return storage(done.error());
    return ConferenceRecord{std::string(name), version, document};
  }
  update->reset();
  auto current = get_conference(name);
  if (!current) return current.failure();
  return StoreError{StoreErrc::kVersionConflict,
                    fmt::format("conference '{}' is at version {}, not {}: it changed since it "
                                "was read; read it again and reapply the change",
                                name, current->version, expected_version)};
}

StoreResult<Done> SqliteStore::delete_conference(std::string_view name) {
  if (auto valid = check_conference_name(name); !valid) return valid.failure();
  auto remove = db_.prepare("DELETE FROM conferences WHERE name = ?");
  if (!remove) return storage(remove.error());
  if (auto done = remove->bind(1, name).run(); !done) return storage(done.error());
  if (db_.changes() == 0) {
    return StoreError{StoreErrc::kNotFound, fmt::format("no conference named '{}'", name)};
  }
  return Done{};
}

// --- timeline ---

StoreResult<std::int64_t> SqliteStore::append_event(std::string_view conference,
                                                    std::string_view type,
                                                    const nlohmann::json& payload,
                                                    std::int64_t wall_ms) {
  if (auto valid = check_conference_name(conference); !valid) return valid.failure();
  if (auto valid = check_event_type(type); !valid) return valid.failure();
  auto text = to_json_text(payload);
  if (!text) return text.failure();

  auto transaction = Transaction::begin(db_);
  if (!transaction) return storage(transaction.error());
  auto next = db_.prepare(
      "UPDATE conferences SET last_seq = last_seq + 1 WHERE name = ? RETURNING id, last_seq");
  if (!next) return storage(next.error());
  auto row = next->bind(1, conference).step();
  if (!row) return storage(row.error());
  if (!*row) {
    return StoreError{StoreErrc::kNotFound, fmt::format("no conference named '{}'", conference)};
  }
  const std::int64_t id = next->column_int64(0);
  const std::int64_t seq = next->column_int64(1);
  if (auto done = next->run(); !done) return storage(done.error());

  auto insert = db_.prepare(
      "INSERT INTO timeline (conference_id, seq, type, payload, wall_ms) VALUES (?, ?, ?, ?, ?)");
  if (!insert) return storage(insert.error());
  if (auto done =
          insert->bind(1, id).bind(2, seq).bind(3, type).bind(4, *text).bind(5, wall_ms).run();
      !done) {
    return storage(done.error());
  }
  if (auto committed = transaction->commit(); !committed) return storage(committed.error());
  return seq;
}

StoreResult<std::vector<TimelineEvent>> SqliteStore::read_events(std::string_view conference,
                                                                 std::int64_t after_seq,
                                                                 int limit) {
  if (auto valid = check_page_limit(limit); !valid) return valid.failure();
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto select = db_.prepare(
      "SELECT seq, type, payload, wall_ms FROM timeline "
      "WHERE conference_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  if (!select) return storage(select.error());
  select->bind(1, *id).bind(2, after_seq).bind(3, std::int64_t{limit});
  return read_timeline_rows(*select);
}

StoreResult<std::vector<TimelineEvent>> SqliteStore::read_events_before(
    std::string_view conference, std::int64_t before_seq, int limit) {
  if (auto valid = check_page_limit(limit); !valid) return valid.failure();
  auto id = conference_id(conference);
  if (!id) return id.failure();
  // Newest first to take the page, then turned around.
  auto select = db_.prepare(
      "SELECT seq, type, payload, wall_ms FROM timeline "
      "WHERE conference_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
  if (!select) return storage(select.error());
  const std::int64_t below = before_seq > 0 ? before_seq : std::numeric_limits<std::int64_t>::max();
  select->bind(1, *id).bind(2, below).bind(3, std::int64_t{limit});
  auto events = read_timeline_rows(*select);
  if (events) std::reverse(events->begin(), events->end());
  return events;
}

}  // namespace podium::store
