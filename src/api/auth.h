// Access tokens: who may enter which conference in which role. A token is a JWT (HS256)
// signed with the server key; see docs/protocol.md "Tokens".
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"
#include "util/result.h"

namespace podium::api {

enum class Role { kOrganizer, kModerator, kSpeaker, kInterpreter, kAttendee, kPress };

std::optional<Role> parse_role(std::string_view name);
std::string_view role_name(Role role);
// Organizers, moderators and speakers send media; everyone may receive.
bool may_publish(Role role);
// Attendees and press: the audience. Its members are not announced to each other, as a
// webinar's attendees are not; everyone else (the panel) sees and is seen by everyone.
inline bool in_audience(Role role) { return role == Role::kAttendee || role == Role::kPress; }

// 1-64 characters of [A-Za-z0-9._-]: safe in a URL path and a log line as is.
bool is_valid_conference_name(std::string_view name);

struct AccessToken {
  std::string subject;     // "sub": random id of the invitation
  std::string conference;  // "conf"
  std::string name;        // display name
  Role role = Role::kAttendee;
  std::int64_t expires_at = 0;  // unix seconds
  std::optional<std::string> organization;  // "org": shown with the name (docs/record.md)
  bool name_private = false;                // "private": never named in the record
};

std::int64_t unix_now();

// Verifies signature and expiry, then that every claim is present and well formed.
Result<AccessToken> verify_access_token(std::string_view jwt, Bytes key, std::int64_t now);

// Signs a token valid for ttl from now (a negative ttl yields an expired token, which
// tests use). Throws std::invalid_argument for an invalid conference or display name.
std::string issue_access_token(Bytes key, std::string_view conference, std::string_view name,
                               Role role, std::chrono::seconds ttl,
                               std::string_view organization = {}, bool name_private = false);

// data_dir/server.key: 32 random bytes as hex, mode 0600. Creates the directory and the
// key on first use; concurrent first use by two processes ends with one key for both.
Result<std::vector<std::uint8_t>> load_or_create_server_key(const std::filesystem::path& data_dir);

}  // namespace podium::api
