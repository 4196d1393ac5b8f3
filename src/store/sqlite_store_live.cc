// SqliteStore: the live log, the inputs of a live conference since its last snapshot.
#include <fmt/format.h>

#include "store/sqlite_store.h"
#include "store/validation.h"

namespace podium::store {
namespace {

StoreError storage(const std::string& message) { return StoreError{StoreErrc::kStorage, message}; }

}  // namespace

StoreResult<std::int64_t> SqliteStore::append_live_entry(std::string_view conference,
                                                         const nlohmann::json& entry) {
  auto text = to_json_text(entry);
  if (!text) return text.failure();
  auto id = conference_id(conference);
  if (!id) return id.failure();
  // One statement, so one implicit transaction: the next number and the row together.
  auto insert = db_.prepare(
      "INSERT INTO live_log (conference_id, seq, entry) "
      "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM live_log WHERE conference_id = ?1), ?2) "
      "RETURNING seq");
  if (!insert) return storage(insert.error());
  auto row = insert->bind(1, *id).bind(2, *text).step();
  if (!row) return storage(row.error());
  if (!*row) return storage("live log: no row inserted");
  const std::int64_t seq = insert->column_int64(0);
  if (auto done = insert->run(); !done) return storage(done.error());
  return seq;
}

StoreResult<std::vector<LiveEntry>> SqliteStore::read_live_entries(std::string_view conference,
                                                                   std::int64_t after_seq) {
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto select =
      db_.prepare("SELECT seq, entry FROM live_log WHERE conference_id = ? AND seq > ? ORDER BY seq");
  if (!select) return storage(select.error());
  select->bind(1, *id).bind(2, after_seq);
  std::vector<LiveEntry> entries;
  for (;;) {
    auto row = select->step();
    if (!row) return storage(row.error());
    if (!*row) break;
    auto entry = from_json_text(select->column_text(1), "live log entry");
    if (!entry) return entry.failure();
    entries.push_back({select->column_int64(0), std::move(*entry)});
  }
  return entries;
}

StoreResult<Done> SqliteStore::drop_live_entries(std::string_view conference,
                                                 std::int64_t through_seq) {
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto drop = db_.prepare("DELETE FROM live_log WHERE conference_id = ? AND seq <= ?");
  if (!drop) return storage(drop.error());
  if (auto done = drop->bind(1, *id).bind(2, through_seq).run(); !done) return storage(done.error());
  return Done{};
}

}  // namespace podium::store
