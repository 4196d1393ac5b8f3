// The embedded store: one SQLite file, data_dir/podium.db, in WAL mode.
//
// Thread-safety: a SqliteStore is one SQLite connection and is used by one thread at a
// time (the control thread). Several SqliteStore objects, in threads or processes, may
// open the same file: WAL lets readers run beside the one writer, writers wait for each
// other up to kBusyTimeoutMs, and each sees what the others have committed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/store.h"

namespace podium::store {

class SqliteStore final : public Store {
 public:
  static constexpr std::string_view kFileName = "podium.db";
  static constexpr int kBusyTimeoutMs = 5000;

  // Creates data_dir if needed, opens or creates podium.db and migrates it to the newest
  // schema. Fails with kStorage (and a message naming the file) for a file that is not a
  // database, another program's database, or a schema newer than this build knows.
  static StoreResult<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& data_dir);

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return db_.path(); }

  StoreResult<ConferenceRecord> create_conference(std::string_view name,
                                                  const nlohmann::json& document) override;
  StoreResult<ConferenceRecord> get_conference(std::string_view name) override;
  StoreResult<ConferencePage> list_conferences(int limit, std::string_view cursor) override;
  StoreResult<ConferenceRecord> update_conference_if_version(
      std::string_view name, std::int64_t expected_version,
      const nlohmann::json& document) override;
  StoreResult<Done> delete_conference(std::string_view name) override;

  StoreResult<std::int64_t> append_event(std::string_view conference, std::string_view type,
                                         const nlohmann::json& payload,
                                         std::int64_t wall_ms) override;
  StoreResult<std::vector<TimelineEvent>> read_events(std::string_view conference,
                                                      std::int64_t after_seq, int limit) override;
  StoreResult<std::vector<TimelineEvent>> read_events_before(std::string_view conference,
                                                             std::int64_t before_seq,
                                                             int limit) override;

  StoreResult<Organizer> create_organizer(std::string_view email,
                                          std::string_view password_hash) override;
  StoreResult<Organizer> find_organizer_by_email(std::string_view email) override;
  StoreResult<Session> create_session(std::string_view token_hash, std::int64_t organizer_id,
                                      std::int64_t expires_ms) override;
  StoreResult<Session> find_session(std::string_view token_hash, std::int64_t now_ms) override;
  StoreResult<Done> delete_session(std::string_view token_hash) override;
  StoreResult<std::int64_t> delete_expired_sessions(std::int64_t now_ms) override;

  StoreResult<Invitation> create_invitation(const InvitationDraft& draft) override;
  StoreResult<std::vector<Invitation>> list_invitations(std::string_view conference) override;
  StoreResult<Invitation> find_invitation(std::string_view token_id) override;
  StoreResult<Done> revoke_invitation(std::string_view conference,
                                      std::string_view token_id) override;

  StoreResult<Registration> create_registration(std::string_view conference, std::string_view name,
                                                std::string_view email) override;
  StoreResult<std::vector<Registration>> list_registrations(std::string_view conference) override;

  StoreResult<Recording> add_recording(const RecordingDraft& draft) override;
  StoreResult<Recording> finish_recording(std::int64_t id, std::int64_t ended_ms,
                                          std::int64_t duration_ms, std::int64_t bytes,
                                          std::optional<std::string> error) override;
  StoreResult<std::vector<Recording>> list_recordings(std::string_view conference) override;
  StoreResult<Recording> get_recording(std::int64_t id) override;
  StoreResult<Done> delete_recording(std::int64_t id) override;
  StoreResult<Recording> set_recording_published(std::int64_t id, bool published) override;

  StoreResult<std::int64_t> append_live_entry(std::string_view conference,
                                              const nlohmann::json& entry) override;
  StoreResult<std::vector<LiveEntry>> read_live_entries(std::string_view conference,
                                                        std::int64_t after_seq) override;
  StoreResult<Done> drop_live_entries(std::string_view conference, std::int64_t through_seq) override;
  StoreResult<Done> write_live(const std::vector<LiveWrite>& writes) override;
  StoreResult<std::unique_ptr<Store>> open_another() override;

 private:
  SqliteStore(Database db, int schema_version)
      : db_(std::move(db)), schema_version_(schema_version) {}

  // The row id of a conference, kNotFound if there is none.
  StoreResult<std::int64_t> conference_id(std::string_view name);

  Database db_;
  int schema_version_ = 0;
};

}  // namespace podium::store
