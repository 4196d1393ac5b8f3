// SqliteStore: the live log, the inputs of a live conference since its last snapshot.
#include <filesystem>

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

StoreResult<Done> SqliteStore::write_live(const std::vector<LiveWrite>& writes) {
  // Checked before the transaction: a bad write must not cost the others their commit.
  std::vector<std::vector<std::string>> event_texts(writes.size());
  std::vector<std::string> entry_texts(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    for (const auto& e : writes[i].events) {
      if (auto valid = check_event_type(e.type); !valid) return valid.failure();
      auto text = to_json_text(e.payload);
      if (!text) return text.failure();
      event_texts[i].push_back(std::move(*text));
    }
    if (writes[i].entry) {
      auto text = to_json_text(writes[i].entry->entry);
      if (!text) return text.failure();
      entry_texts[i] = std::move(*text);
    }
  }
  auto transaction = Transaction::begin(db_);
  if (!transaction) return storage(transaction.error());
  auto find = db_.prepare("SELECT id FROM conferences WHERE name = ?");
  auto next = db_.prepare(
      "UPDATE conferences SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq");
  auto event = db_.prepare(
      "INSERT INTO timeline (conference_id, seq, type, payload, wall_ms) VALUES (?, ?, ?, ?, ?)");
  auto entry = db_.prepare("INSERT INTO live_log (conference_id, seq, entry) VALUES (?, ?, ?)");
  if (!find) return storage(find.error());
  if (!next) return storage(next.error());
  if (!event) return storage(event.error());
  if (!entry) return storage(entry.error());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const auto& write = writes[i];
    auto row = find->bind(1, write.conference).step();
    if (!row) return storage(row.error());
    const std::int64_t id = *row ? find->column_int64(0) : 0;
    find->reset();
    if (!*row) continue;  // deleted meanwhile: nothing of it to keep
    for (std::size_t k = 0; k < write.events.size(); ++k) {
      auto numbered = next->bind(1, id).step();
      if (!numbered) return storage(numbered.error());
      if (!*numbered) return storage("timeline: no sequence number");
      const std::int64_t seq = next->column_int64(0);
      if (auto done = next->run(); !done) return storage(done.error());
      const auto& e = write.events[k];
      if (auto done = event->bind(1, id)
                          .bind(2, seq)
                          .bind(3, e.type)
                          .bind(4, event_texts[i][k])
                          .bind(5, e.wall_ms)
                          .run();
          !done) {
        return storage(done.error());
      }
    }
    if (write.entry) {
      if (auto done =
              entry->bind(1, id).bind(2, write.entry->seq).bind(3, entry_texts[i]).run();
          !done) {
        return storage(done.error());
      }
    }
  }
  if (auto committed = transaction->commit(); !committed) return storage(committed.error());
  return Done{};
}

StoreResult<std::unique_ptr<Store>> SqliteStore::open_another() {
  auto other = SqliteStore::open(std::filesystem::path(db_.path()).parent_path());
  if (!other) return other.failure();
  return std::unique_ptr<Store>(std::move(*other));
}

}  // namespace podium::store
