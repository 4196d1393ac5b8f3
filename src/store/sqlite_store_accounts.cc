// SqliteStore: organizer accounts, their sessions, invitations and registrations.
#include <fmt/format.h>

#include <utility>

#include "store/sqlite_store.h"
#include "store/validation.h"

namespace podium::store {
namespace {

constexpr std::size_t kMaxPasswordHash = 1024;
constexpr std::size_t kMaxTokenHash = 256;
constexpr std::size_t kMaxTokenId = 128;
constexpr std::size_t kMaxDisplayName = 200;
constexpr std::size_t kMaxRole = 32;

StoreError storage(const std::string& message) { return StoreError{StoreErrc::kStorage, message}; }

StoreError not_found(std::string message) {
  return StoreError{StoreErrc::kNotFound, std::move(message)};
}

// Columns: id, conference name, role, name, email, token_id, revoked.
constexpr std::string_view kInvitationColumns =
    "i.id, c.name, i.role, i.name, i.email, i.token_id, i.revoked "
    "FROM invitations i JOIN conferences c ON c.id = i.conference_id";

Invitation read_invitation(const Statement& row) {
  Invitation invitation;
  invitation.id = row.column_int64(0);
  invitation.conference = row.column_text(1);
  invitation.role = row.column_text(2);
  invitation.name = row.column_text(3);
  if (!row.column_is_null(4)) invitation.email = row.column_text(4);
  invitation.token_id = row.column_text(5);
  invitation.revoked = row.column_int64(6) != 0;
  return invitation;
}

}  // namespace

// --- organizers ---

StoreResult<Organizer> SqliteStore::create_organizer(std::string_view email,
                                                     std::string_view password_hash) {
  if (auto valid = check_email(email); !valid) return valid.failure();
  if (auto valid = check_text("password hash", password_hash, kMaxPasswordHash); !valid) {
    return valid.failure();
  }
  auto insert = db_.prepare("INSERT INTO organizers (email, password_hash) VALUES (?, ?)");
  if (!insert) return storage(insert.error());
  if (auto done = insert->bind(1, email).bind(2, password_hash).run(); !done) {
    if (insert->failed_on_unique()) {
      return StoreError{StoreErrc::kAlreadyExists,
                        fmt::format("an organizer with email {} already exists", email)};
    }
    return storage(done.error());
  }
  return Organizer{db_.last_insert_rowid(), std::string(email), std::string(password_hash)};
}

StoreResult<Organizer> SqliteStore::find_organizer_by_email(std::string_view email) {
  if (auto valid = check_email(email); !valid) return valid.failure();
  auto select = db_.prepare("SELECT id, email, password_hash FROM organizers WHERE email = ?");
  if (!select) return storage(select.error());
  auto row = select->bind(1, email).step();
  if (!row) return storage(row.error());
  if (!*row) return not_found(fmt::format("no organizer with email {}", email));
  return Organizer{select->column_int64(0), select->column_text(1), select->column_text(2)};
}

// --- sessions ---

StoreResult<Session> SqliteStore::create_session(std::string_view token_hash,
                                                 std::int64_t organizer_id,
                                                 std::int64_t expires_ms) {
  if (auto valid = check_text("token hash", token_hash, kMaxTokenHash); !valid) {
    return valid.failure();
  }
  auto insert =
      db_.prepare("INSERT INTO sessions (token_hash, organizer_id, expires_ms) VALUES (?, ?, ?)");
  if (!insert) return storage(insert.error());
  if (auto done = insert->bind(1, token_hash).bind(2, organizer_id).bind(3, expires_ms).run();
      !done) {
    if (insert->failed_on_unique()) {
      return StoreError{StoreErrc::kAlreadyExists, "a session with this token already exists"};
    }
    if (insert->failed_on_foreign_key()) {
      return not_found(fmt::format("no organizer with id {}", organizer_id));
    }
    return storage(done.error());
  }
  return Session{std::string(token_hash), organizer_id, expires_ms};
}

StoreResult<Session> SqliteStore::find_session(std::string_view token_hash, std::int64_t now_ms) {
  if (auto valid = check_text("token hash", token_hash, kMaxTokenHash); !valid) {
    return valid.failure();
  }
  auto select = db_.prepare(
      "SELECT organizer_id, expires_ms FROM sessions WHERE token_hash = ? AND expires_ms > ?");
  if (!select) return storage(select.error());
  auto row = select->bind(1, token_hash).bind(2, now_ms).step();
  if (!row) return storage(row.error());
  if (!*row) return not_found("no such session, or it has expired");
  return Session{std::string(token_hash), select->column_int64(0), select->column_int64(1)};
}

StoreResult<Done> SqliteStore::delete_session(std::string_view token_hash) {
  auto remove = db_.prepare("DELETE FROM sessions WHERE token_hash = ?");
  if (!remove) return storage(remove.error());
  if (auto done = remove->bind(1, token_hash).run(); !done) return storage(done.error());
  if (db_.changes() == 0) return not_found("no such session");
  return Done{};
}

StoreResult<std::int64_t> SqliteStore::delete_expired_sessions(std::int64_t now_ms) {
  auto remove = db_.prepare("DELETE FROM sessions WHERE expires_ms <= ?");
  if (!remove) return storage(remove.error());
  if (auto done = remove->bind(1, now_ms).run(); !done) return storage(done.error());
  return db_.changes();
}

// --- invitations ---

StoreResult<Invitation> SqliteStore::create_invitation(const InvitationDraft& draft) {
  if (auto valid = check_text("role", draft.role, kMaxRole); !valid) return valid.failure();
  if (auto valid = check_text("name", draft.name, kMaxDisplayName); !valid) {
    return valid.failure();
  }
  if (draft.email) {
    if (auto valid = check_email(*draft.email); !valid) return valid.failure();
  }
  if (auto valid = check_text("token id", draft.token_id, kMaxTokenId); !valid) {
    return valid.failure();
  }
  auto id = conference_id(draft.conference);
  if (!id) return id.failure();
  auto insert = db_.prepare(
      "INSERT INTO invitations (conference_id, role, name, email, token_id) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!insert) return storage(insert.error());
  insert->bind(1, *id).bind(2, draft.role).bind(3, draft.name).bind(4, draft.email);
  if (auto done = insert->bind(5, draft.token_id).run(); !done) {
    if (insert->failed_on_unique()) {
      return StoreError{
          StoreErrc::kAlreadyExists,
          fmt::format("an invitation with token id {} already exists", draft.token_id)};
    }
    // The conference was deleted between the lookup and the insert.
    if (insert->failed_on_foreign_key()) {
      return not_found(fmt::format("no conference named '{}'", draft.conference));
    }
    return storage(done.error());
  }
  return Invitation{db_.last_insert_rowid(),
                    draft.conference,
                    draft.role,
                    draft.name,
                    draft.email,
                    draft.token_id,
                    false};
}

StoreResult<std::vector<Invitation>> SqliteStore::list_invitations(std::string_view conference) {
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto select = db_.prepare(
      fmt::format("SELECT {} WHERE i.conference_id = ? ORDER BY i.id", kInvitationColumns));
  if (!select) return storage(select.error());
  select->bind(1, *id);
  std::vector<Invitation> invitations;
  for (;;) {
    auto row = select->step();
    if (!row) return storage(row.error());
    if (!*row) break;
    invitations.push_back(read_invitation(*select));
  }
  return invitations;
}

StoreResult<Invitation> SqliteStore::find_invitation(std::string_view token_id) {
  if (auto valid = check_text("token id", token_id, kMaxTokenId); !valid) return valid.failure();
  auto select = db_.prepare(fmt::format("SELECT {} WHERE i.token_id = ?", kInvitationColumns));
  if (!select) return storage(select.error());
  auto row = select->bind(1, token_id).step();
  if (!row) return storage(row.error());
  if (!*row) return not_found(fmt::format("no invitation with token id {}", token_id));
  return read_invitation(*select);
}

StoreResult<Done> SqliteStore::revoke_invitation(std::string_view conference,
                                                 std::string_view token_id) {
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto update =
      db_.prepare("UPDATE invitations SET revoked = 1 WHERE conference_id = ? AND token_id = ?");
  if (!update) return storage(update.error());
  if (auto done = update->bind(1, *id).bind(2, token_id).run(); !done) {
    return storage(done.error());
  }
  if (db_.changes() == 0) {
    return not_found(
        fmt::format("conference '{}' has no invitation with token id {}", conference, token_id));
  }
  return Done{};
}

// --- registrations ---

StoreResult<Registration> SqliteStore::create_registration(std::string_view conference,
                                                           std::string_view name,
                                                           std::string_view email) {
  if (auto valid = check_text("name", name, kMaxDisplayName); !valid) return valid.failure();
  if (auto valid = check_email(email); !valid) return valid.failure();
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto insert =
      db_.prepare("INSERT INTO registrations (conference_id, name, email) VALUES (?, ?, ?)");
  if (!insert) return storage(insert.error());
  if (auto done = insert->bind(1, *id).bind(2, name).bind(3, email).run(); !done) {
    if (insert->failed_on_unique()) {
      return StoreError{
          StoreErrc::kAlreadyExists,
          fmt::format("{} is already registered for conference '{}'", email, conference)};
    }
    if (insert->failed_on_foreign_key()) {
      return not_found(fmt::format("no conference named '{}'", conference));
    }
    return storage(done.error());
  }
  return Registration{db_.last_insert_rowid(), std::string(conference), std::string(name),
                      std::string(email)};
}

StoreResult<std::vector<Registration>> SqliteStore::list_registrations(
    std::string_view conference) {
  auto id = conference_id(conference);
  if (!id) return id.failure();
  auto select =
      db_.prepare("SELECT id, name, email FROM registrations WHERE conference_id = ? ORDER BY id");
  if (!select) return storage(select.error());
  select->bind(1, *id);
  std::vector<Registration> registrations;
  for (;;) {
    auto row = select->step();
    if (!row) return storage(row.error());
    if (!*row) break;
    registrations.push_back(Registration{select->column_int64(0), std::string(conference),
                                         select->column_text(1), select->column_text(2)});
  }
  return registrations;
}

}  // namespace podium::store
