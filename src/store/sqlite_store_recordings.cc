// SqliteStore: recording files and their metadata.
#include <fmt/format.h>

#include <utility>

#include "store/sqlite_store.h"
#include "store/validation.h"

namespace podium::store {
namespace {

constexpr std::size_t kMaxPath = 1024;
constexpr std::size_t kMaxParticipant = 128;
constexpr std::size_t kMaxLanguage = 35;  // RFC 5646 §4.4.1: 35 characters suffice
constexpr std::size_t kMaxError = 1000;

StoreError storage(const std::string& message) { return StoreError{StoreErrc::kStorage, message}; }

StoreError not_found(std::int64_t id) {
  return StoreError{StoreErrc::kNotFound, fmt::format("no recording {}", id)};
}

// Columns: id, conference name, kind, participant, languages, path, started_ms, ended_ms,
// duration_ms, bytes, published, error.
constexpr std::string_view kRecordingColumns =
    "r.id, c.name, r.kind, r.participant, r.languages, r.path, r.started_ms, r.ended_ms, "
    "r.duration_ms, r.bytes, r.published, r.error "
    "FROM recordings r JOIN conferences c ON c.id = r.conference_id";

StoreResult<Recording> read_recording(const Statement& row) {
  Recording recording;
  recording.id = row.column_int64(0);
  recording.conference = row.column_text(1);
  recording.kind = row.column_text(2);
  if (!row.column_is_null(3)) recording.participant = row.column_text(3);
  auto languages = from_json_text(row.column_text(4), "recording languages");
  if (!languages) return languages.failure();
  if (!languages->is_array()) return storage("recording languages are not a JSON array");
  for (const auto& language : *languages) {
    if (!language.is_string()) return storage("a recording language is not a string");
    recording.languages.push_back(language.get<std::string>());
  }
  recording.path = row.column_text(5);
  recording.started_ms = row.column_int64(6);
  if (!row.column_is_null(7)) recording.ended_ms = row.column_int64(7);
  recording.duration_ms = row.column_int64(8);
  recording.bytes = row.column_int64(9);
  recording.published = row.column_int64(10) != 0;
  if (!row.column_is_null(11)) recording.error = row.column_text(11);
  return recording;
}

}  // namespace

StoreResult<Recording> SqliteStore::add_recording(const RecordingDraft& draft) {
  if (draft.kind != "track" && draft.kind != "program") {
    return StoreError{StoreErrc::kInvalidArgument,
                      fmt::format("recording kind must be track or program, not '{}'", draft.kind)};
  }
  if (auto valid = check_text("path", draft.path, kMaxPath); !valid) return valid.failure();
  if (draft.participant) {
    if (auto valid = check_text("participant", *draft.participant, kMaxParticipant); !valid)
      return valid.failure();
  }
  nlohmann::json languages = nlohmann::json::array();
  for (const auto& language : draft.languages) {
    if (auto valid = check_text("language", language, kMaxLanguage); !valid) return valid.failure();
    languages.push_back(language);
  }
  auto languages_text = to_json_text(languages);
  if (!languages_text) return languages_text.failure();
  auto conference = conference_id(draft.conference);
  if (!conference) return conference.failure();
  auto insert = db_.prepare(
      "INSERT INTO recordings (conference_id, kind, participant, languages, path, started_ms) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert) return storage(insert.error());
  insert->bind(1, *conference)
      .bind(2, draft.kind)
      .bind(3, draft.participant)
      .bind(4, *languages_text)
      .bind(5, draft.path)
      .bind(6, draft.started_ms);
  if (auto done = insert->run(); !done) return storage(done.error());
  return get_recording(db_.last_insert_rowid());
}

StoreResult<Recording> SqliteStore::finish_recording(std::int64_t id, std::int64_t ended_ms,
                                                     std::int64_t duration_ms, std::int64_t bytes,
                                                     std::optional<std::string> error) {
  if (duration_ms < 0 || bytes < 0) {
    return StoreError{StoreErrc::kInvalidArgument, "duration and bytes must not be negative"};
  }
  if (error) {
    if (auto valid = check_text("error", *error, kMaxError); !valid) return valid.failure();
  }
  auto update = db_.prepare(
      "UPDATE recordings SET ended_ms = ?, duration_ms = ?, bytes = ?, error = ? WHERE id = ?");
  if (!update) return storage(update.error());
  update->bind(1, ended_ms).bind(2, duration_ms).bind(3, bytes).bind(4, error).bind(5, id);
  if (auto done = update->run(); !done) return storage(done.error());
  if (db_.changes() == 0) return not_found(id);
  return get_recording(id);
}

StoreResult<std::vector<Recording>> SqliteStore::list_recordings(std::string_view conference) {
  auto conference_row = conference_id(conference);
  if (!conference_row) return conference_row.failure();
  auto select = db_.prepare(fmt::format(
      "SELECT {} WHERE r.conference_id = ? ORDER BY r.started_ms, r.id", kRecordingColumns));
  if (!select) return storage(select.error());
  select->bind(1, *conference_row);
  std::vector<Recording> recordings;
  for (;;) {
    auto row = select->step();
    if (!row) return storage(row.error());
    if (!*row) break;
    auto recording = read_recording(*select);
    if (!recording) return recording.failure();
    recordings.push_back(std::move(*recording));
  }
  return recordings;
}

StoreResult<Recording> SqliteStore::get_recording(std::int64_t id) {
  auto select = db_.prepare(fmt::format("SELECT {} WHERE r.id = ?", kRecordingColumns));
  if (!select) return storage(select.error());
  auto row = select->bind(1, id).step();
  if (!row) return storage(row.error());
  if (!*row) return not_found(id);
  return read_recording(*select);
}

StoreResult<Done> SqliteStore::delete_recording(std::int64_t id) {
  auto remove = db_.prepare("DELETE FROM recordings WHERE id = ?");
  if (!remove) return storage(remove.error());
  if (auto done = remove->bind(1, id).run(); !done) return storage(done.error());
  if (db_.changes() == 0) return not_found(id);
  return Done{};
}

StoreResult<Recording> SqliteStore::set_recording_published(std::int64_t id, bool published) {
  auto update = db_.prepare("UPDATE recordings SET published = ? WHERE id = ?");
  if (!update) return storage(update.error());
  if (auto done = update->bind(1, std::int64_t{published ? 1 : 0}).bind(2, id).run(); !done)
    return storage(done.error());
  if (db_.changes() == 0) return not_found(id);
  return get_recording(id);
}

}  // namespace podium::store
