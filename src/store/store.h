// Persistence of the conference domain behind one interface, so that SQLite (embedded,
// the default) and PostgreSQL (clusters, later) are interchangeable. The store knows no
// domain C++ types: a conference is a versioned JSON document and its record (timeline)
// is a list of JSON events, so the domain can evolve without a schema migration.
//
// Chat and Q&A are timeline events ("chat.message", "qa.question", "qa.answered", ...):
// they are append-only, ordered and read back "after sequence N", which is exactly what
// the timeline offers. The conference document holds the current state (agenda, roles,
// settings), which is replaced as a whole under optimistic concurrency.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store_result.h"

namespace podium::store {

// 1-64 characters of [A-Za-z0-9._-]: safe in a URL path and a log line as is.
bool is_valid_conference_name(std::string_view name);

struct ConferenceRecord {
  std::string name;
  // Starts at 1, grows by one per update; the HTTP ETag of the document.
  std::int64_t version = 0;
  nlohmann::json document;  // always a JSON object
};

struct ConferencePage {
  std::vector<ConferenceRecord> conferences;  // ordered by name
  // Pass to the next list call; absent on the last page. Opaque to callers.
  std::optional<std::string> next_cursor;
};

struct TimelineEvent {
  std::int64_t seq = 0;  // 1, 2, 3, ... per conference, in append order, never reused
  std::string type;      // e.g. "floor.granted", "chat.message"
  nlohmann::json payload;
  std::int64_t wall_ms = 0;  // unix milliseconds, as given by the caller
};

struct Organizer {
  std::int64_t id = 0;
  std::string email;
  std::string password_hash;  // opaque to the store (e.g. an encoded scrypt/argon2 hash)
};

struct Session {
  std::string token_hash;  // the store never sees the token itself
  std::int64_t organizer_id = 0;
  std::int64_t expires_ms = 0;  // unix milliseconds
};

struct InvitationDraft {
  std::string conference;
  std::string role;  // a role name, e.g. "speaker"; the domain checks it is one it knows
  std::string name;  // display name of the invited person
  std::optional<std::string> email;
  std::string token_id;  // the "sub" claim of the access token it backs; unique
};

struct Invitation {
  std::int64_t id = 0;
  std::string conference;
  std::string role;
  std::string name;
  std::optional<std::string> email;
  std::string token_id;
  bool revoked = false;
};

struct Registration {
  std::int64_t id = 0;
  std::string conference;
  std::string name;
  std::string email;
};

// A recording file (see docs/recording.md): one published track ("track") or the stage as
// the audience saw it with one audio track per language ("program").
struct RecordingDraft {
  std::string conference;
  std::string kind;                        // "track" or "program"
  std::optional<std::string> participant;  // whose track; absent for a program
  std::vector<std::string> languages;      // audio languages in the file, in track order
  std::string path;                        // relative to the data directory
  std::int64_t started_ms = 0;             // unix milliseconds
};

struct Recording {
  std::int64_t id = 0;
  std::string conference;
  std::string kind;
  std::optional<std::string> participant;
  std::vector<std::string> languages;
  std::string path;
  std::int64_t started_ms = 0;
  std::optional<std::int64_t> ended_ms;  // absent while it is being written
  std::int64_t duration_ms = 0;          // media time in the file
  std::int64_t bytes = 0;
  bool published = false;                // visible to press tokens
  std::optional<std::string> error;      // why it stopped early (disk full, ...)
};

// One input of a live conference after its last stored snapshot (a join, a leave, a
// command, a timer tick), kept so a restart can replay it; see docs/store.md.
struct LiveEntry {
  std::int64_t seq = 0;
  nlohmann::json entry;
};

// A timeline event not yet stored (its sequence number is handed out when it is).
struct TimelineDraft {
  std::string type;
  nlohmann::json payload;
  std::int64_t wall_ms = 0;
};

// What one input of a live conference leaves behind: the events it recorded and the
// input itself for the live log, with the sequence number the caller gave it (one more
// than the previous entry of the conference, or of the snapshot's log_seq).
struct LiveWrite {
  std::string conference;
  std::vector<TimelineDraft> events;
  std::optional<LiveEntry> entry;
};

// Every call is a complete unit: it either happens entirely or not at all, and a call
// that fails changes nothing. Implementations document their thread-safety.
class Store {
 public:
  virtual ~Store() = default;

  // --- conferences ---
  // kInvalidArgument for a bad name or a document that is not a JSON object,
  // kAlreadyExists when the name is taken. The new record has version 1.
  virtual StoreResult<ConferenceRecord> create_conference(std::string_view name,
                                                          const nlohmann::json& document) = 0;
  virtual StoreResult<ConferenceRecord> get_conference(std::string_view name) = 0;
  // limit 1..kMaxPageSize; cursor from a previous page's next_cursor, or empty for the first.
  virtual StoreResult<ConferencePage> list_conferences(int limit, std::string_view cursor) = 0;
  // Replaces the document only if the stored version is still expected_version
  // (kVersionConflict otherwise, with the current version in the message).
  virtual StoreResult<ConferenceRecord> update_conference_if_version(
      std::string_view name, std::int64_t expected_version, const nlohmann::json& document) = 0;
  // Also deletes its timeline, invitations and registrations.
  virtual StoreResult<Done> delete_conference(std::string_view name) = 0;

  // --- timeline (the record, chat, Q&A) ---
  // Returns the new event's sequence number.
  virtual StoreResult<std::int64_t> append_event(std::string_view conference, std::string_view type,
                                                 const nlohmann::json& payload,
                                                 std::int64_t wall_ms) = 0;
  // Events with seq > after_seq in ascending order, at most limit (1..kMaxPageSize).
  virtual StoreResult<std::vector<TimelineEvent>> read_events(std::string_view conference,
                                                              std::int64_t after_seq,
                                                              int limit) = 0;
  // The newest events with seq < before_seq (before_seq <= 0: the newest of all), at most
  // limit (1..kMaxPageSize), in ascending order: paging back from the end.
  virtual StoreResult<std::vector<TimelineEvent>> read_events_before(std::string_view conference,
                                                                     std::int64_t before_seq,
                                                                     int limit) = 0;

  // --- organizer accounts and their login sessions ---
  // Emails are unique without regard to ASCII case.
  virtual StoreResult<Organizer> create_organizer(std::string_view email,
                                                  std::string_view password_hash) = 0;
  virtual StoreResult<Organizer> find_organizer_by_email(std::string_view email) = 0;
  virtual StoreResult<Session> create_session(std::string_view token_hash,
                                              std::int64_t organizer_id,
                                              std::int64_t expires_ms) = 0;
  // kNotFound for an unknown or expired (expires_ms <= now_ms) session.
  virtual StoreResult<Session> find_session(std::string_view token_hash, std::int64_t now_ms) = 0;
  virtual StoreResult<Done> delete_session(std::string_view token_hash) = 0;
  // Returns how many were removed.
  virtual StoreResult<std::int64_t> delete_expired_sessions(std::int64_t now_ms) = 0;

  // --- invitations ---
  virtual StoreResult<Invitation> create_invitation(const InvitationDraft& draft) = 0;
  // In creation order, revoked ones included (marked).
  virtual StoreResult<std::vector<Invitation>> list_invitations(std::string_view conference) = 0;
  // Looks an access token's "sub" up, e.g. to refuse a revoked one.
  virtual StoreResult<Invitation> find_invitation(std::string_view token_id) = 0;
  virtual StoreResult<Done> revoke_invitation(std::string_view conference,
                                              std::string_view token_id) = 0;

  // --- registrations (self-service sign-up of attendees) ---
  // One registration per email (ASCII case ignored) per conference.
  virtual StoreResult<Registration> create_registration(std::string_view conference,
                                                        std::string_view name,
                                                        std::string_view email) = 0;
  virtual StoreResult<std::vector<Registration>> list_registrations(
      std::string_view conference) = 0;

  // --- recordings (files in the data directory, see docs/recording.md) ---
  // kInvalidArgument for an unknown kind or an empty path, kNotFound for no conference.
  virtual StoreResult<Recording> add_recording(const RecordingDraft& draft) = 0;
  // Marks a recording as ended; `error` says why when it stopped early.
  virtual StoreResult<Recording> finish_recording(std::int64_t id, std::int64_t ended_ms,
                                                  std::int64_t duration_ms, std::int64_t bytes,
                                                  std::optional<std::string> error) = 0;
  // In start order (then id).
  virtual StoreResult<std::vector<Recording>> list_recordings(std::string_view conference) = 0;
  virtual StoreResult<Recording> get_recording(std::int64_t id) = 0;
  // Removes the row only; the caller deletes the file.
  virtual StoreResult<Done> delete_recording(std::int64_t id) = 0;
  virtual StoreResult<Recording> set_recording_published(std::int64_t id, bool published) = 0;

  // --- the live log: inputs of a live conference since its last snapshot ---
  // Returns the entry's sequence number (increasing per conference); kNotFound for no
  // conference.
  virtual StoreResult<std::int64_t> append_live_entry(std::string_view conference,
                                                      const nlohmann::json& entry) = 0;
  // Entries with seq > after_seq, in order.
  virtual StoreResult<std::vector<LiveEntry>> read_live_entries(std::string_view conference,
                                                                std::int64_t after_seq) = 0;
  // Forgets the entries up to through_seq (a snapshot now holds them).
  virtual StoreResult<Done> drop_live_entries(std::string_view conference,
                                              std::int64_t through_seq) = 0;
  // Stores several inputs' writes, in order, in one transaction (one durable commit for
  // all: the group commit of store/live_writer.h). A write for a conference that no
  // longer exists is skipped; any other failure stores none of them.
  virtual StoreResult<Done> write_live(const std::vector<LiveWrite>& writes) = 0;

  // A second connection to the same database, for another thread (the live writer).
  virtual StoreResult<std::unique_ptr<Store>> open_another() = 0;
};

inline constexpr int kMaxPageSize = 1000;

}  // namespace podium::store
