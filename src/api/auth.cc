#include "api/auth.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/jwt.h"

namespace podium::api {
namespace {

constexpr std::size_t kServerKeySize = 32;
constexpr std::size_t kMaxDisplayName = 128;

struct RoleName {
  Role role;
  std::string_view name;
};
constexpr std::array<RoleName, 6> kRoles{{{Role::kOrganizer, "organizer"},
                                          {Role::kModerator, "moderator"},
                                          {Role::kSpeaker, "speaker"},
                                          {Role::kInterpreter, "interpreter"},
                                          {Role::kAttendee, "attendee"},
                                          {Role::kPress, "press"}}};

bool is_valid_display_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDisplayName) return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return false;  // no control characters in logs and UI
  }
  return true;
}

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return to_hex(buffer);
}

std::string errno_text() { return std::strerror(errno); }

Result<std::vector<std::uint8_t>> read_key(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{fmt::format("cannot read {}: {}", path.string(), errno_text())};
  std::stringstream text;
  text << in.rdbuf();
  auto key = from_hex(text.str());
  if (key.size() != kServerKeySize) {
    return Error{fmt::format("{}: expected {} hex digits", path.string(), kServerKeySize * 2)};
  }
  return key;
}

}  // namespace

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& entry : kRoles) {
    if (entry.name == name) return entry.role;
  }
  return std::nullopt;
}

std::string_view role_name(Role role) {
  for (const auto& entry : kRoles) {
    if (entry.role == role) return entry.name;
  }
  return "attendee";
}

// Interpreters publish their microphone into their booth's language channel only (the
// conference and the media plane keep it off the stage; docs/interpretation.md).
bool may_publish(Role role) {
  return role == Role::kOrganizer || role == Role::kModerator || role == Role::kSpeaker ||
         role == Role::kInterpreter;
}

bool is_valid_conference_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<AccessToken> verify_access_token(std::string_view jwt, Bytes key, std::int64_t now) {
  auto claims = jwt_verify_hs256(jwt, key, now);
  if (!claims) return Error{claims.error()};
  auto string_claim = [&](const char* name) -> std::optional<std::string> {
    auto it = claims->find(name);
    if (it == claims->end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  AccessToken token;
  auto sub = string_claim("sub");
  auto conf = string_claim("conf");
  auto name = string_claim("name");
  auto role = string_claim("role");
  if (!sub || sub->empty()) return Error{"token has no sub"};
  if (!conf || !is_valid_conference_name(*conf)) return Error{"token has no valid conf"};
  if (!name || !is_valid_display_name(*name)) return Error{"token has no valid name"};
  if (!role) return Error{"token has no role"};
  auto parsed_role = parse_role(*role);
  if (!parsed_role) return Error{fmt::format("token has unknown role '{}'", *role)};
  // Tokens without an expiry would be valid forever; we never issue such tokens.
  auto exp = claims->find("exp");
  if (exp == claims->end() || !exp->is_number()) return Error{"token has no exp"};
  token.subject = std::move(*sub);
  token.conference = std::move(*conf);
  token.name = std::move(*name);
  token.role = *parsed_role;
  token.expires_at = static_cast<std::int64_t>(exp->get<double>());
  // Optional claims of invitations: a malformed one is ignored rather than trusted.
  if (auto org = string_claim("org"); org && is_valid_display_name(*org)) token.organization = *org;
  if (auto priv = claims->find("private"); priv != claims->end() && priv->is_boolean()) {
    token.name_private = priv->get<bool>();
  }
  return token;
}

std::string issue_access_token(Bytes key, std::string_view conference, std::string_view name,
                               Role role, std::chrono::seconds ttl, std::string_view organization,
                               bool name_private) {
  if (!is_valid_conference_name(conference)) {
    throw std::invalid_argument(
        fmt::format("invalid conference name '{}': use 1-64 characters of A-Z a-z 0-9 . _ -",
                    conference));
  }
  if (!is_valid_display_name(name)) {
    throw std::invalid_argument("invalid display name: 1-128 characters, no control characters");
  }
  auto now = unix_now();
  nlohmann::json claims = {{"sub", random_hex(16)},
                           {"conf", std::string(conference)},
                           {"name", std::string(name)},
                           {"role", std::string(role_name(role))},
                           {"iat", now},
                           {"exp", now + ttl.count()}};
  if (!organization.empty()) {
    if (!is_valid_display_name(organization)) {
      throw std::invalid_argument("invalid organization: 1-128 characters, no control characters");
    }
    claims["org"] = std::string(organization);
  }
  if (name_private) claims["private"] = true;
  return jwt_sign_hs256(claims, key);
}

Result<std::vector<std::uint8_t>> load_or_create_server_key(const std::filesystem::path& data_dir) {
  auto path = data_dir / "server.key";
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Error{fmt::format("cannot create {}: {}", data_dir.string(), ec.message())};
  if (std::filesystem::exists(path, ec)) return read_key(path);

  std::string hex;
  try {
    hex = random_hex(kServerKeySize) + "\n";
  } catch (const std::exception& e) {
    return Error{e.what()};
  }
  auto temp = data_dir / fmt::format("server.key.{}.{}.tmp", ::getpid(), random_hex(4));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{fmt::format("cannot create {}: {}", temp.string(), errno_text())};
  bool written = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) &&
                 ::fsync(fd) == 0;
  std::string write_error = written ? "" : errno_text();
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return Error{fmt::format("cannot write {}: {}", temp.string(), write_error)};
  }
  // link() instead of rename(): it fails when another process won the race, and then we
  // use that key rather than replacing one that may already have signed tokens.
  int linked = ::link(temp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    return Error{fmt::format("cannot create {}: {}", path.string(), std::strerror(link_errno))};
  }
  return read_key(path);
}

}  // namespace podium::api
