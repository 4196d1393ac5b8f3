#include "api/rest_accounts.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

#include "api/jwt.h"
#include "api/rest_http.h"
#include "util/bytes.h"
#include "util/log.h"

namespace podium::api {
namespace {

constexpr std::size_t kSessionTokenBytes = 32;
constexpr std::size_t kSessionTokenLength = 43;  // base64url of 32 bytes, no padding
constexpr std::size_t kMaxEmailLength = 254;     // RFC 5321 §4.5.3.1.3 path limit

std::string sha256_hex(std::string_view text) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(digest);
}

std::string new_session_token() {
  std::array<std::uint8_t, kSessionTokenBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return base64url_encode(bytes);
}

HttpResponse unauthorized(std::string_view detail) {
  auto response = problem(401, detail);
  // RFC 6750 §3: a 401 names the scheme the client should use.
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"podium\"");
  return response;
}

}  // namespace

WallClock system_wall_clock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

store::StoreResult<store::Organizer> create_organizer(store::Store& store, std::string_view email,
                                                      std::string_view password,
                                                      PasswordCost cost) {
  if (email.empty() || email.size() > kMaxEmailLength || email.find('@') == std::string::npos) {
    return store::StoreError{store::StoreErrc::kInvalidArgument,
                             fmt::format("'{}' is not an email address", email)};
  }
  auto hash = hash_password(password, cost);
  if (!hash) return store::StoreError{store::StoreErrc::kInvalidArgument, hash.error()};
  return store.create_organizer(email, *hash);
}

OrganizerSessions::OrganizerSessions(store::Store& store, WallClock now_ms, PasswordCost cost)
    : store_(store), now_ms_(std::move(now_ms)), cost_(cost) {}

const std::string& OrganizerSessions::decoy_hash() {
  if (decoy_hash_.empty()) {
    auto hash = hash_password(generate_password(32), cost_);
    if (!hash) throw std::runtime_error(hash.error());
    decoy_hash_ = std::move(*hash);
  }
  return decoy_hash_;
}

HttpResponse OrganizerSessions::login(const HttpRequest& request) {
  auto body = parse_json_body(request);
  if (!body) return body.failure();
  auto email = body->find("email");
  auto password = body->find("password");
  if (email == body->end() || !email->is_string() || password == body->end() ||
      !password->is_string()) {
    return problem(400, "login needs \"email\" and \"password\" strings");
  }
  const auto& email_text = email->get_ref<const std::string&>();
  const auto& password_text = password->get_ref<const std::string&>();
  if (email_text.size() > kMaxEmailLength || password_text.size() > kMaxPasswordLength) {
    return unauthorized("wrong email or password");
  }
  auto organizer = store_.find_organizer_by_email(email_text);
  if (!organizer && organizer.code() != store::StoreErrc::kNotFound) {
    return store_problem(organizer.failure());
  }
  // One Argon2id verification whether or not the email is known, so the answer's timing
  // does not tell which organizers exist.
  bool verified = verify_password(password_text, organizer ? organizer->password_hash : decoy_hash());
  if (!organizer || !verified) {
    log::info("rest", "login refused for '{}'", email_text.substr(0, 100));
    return unauthorized("wrong email or password");
  }

  auto now = now_ms_();
  store_.delete_expired_sessions(now);  // the sweep rides on logins; failure is harmless
  auto token = new_session_token();
  auto expires_ms = now + std::chrono::duration_cast<std::chrono::milliseconds>(kSessionLifetime).count();
  auto session = store_.create_session(sha256_hex(token), organizer->id, expires_ms);
  if (!session) return store_problem(session.failure());
  auto response = json_response(
      200, {{"token", token}, {"expires_at", format_rfc3339(expires_ms / 1000)}});
  response.headers.emplace_back("Cache-Control", "no-store");  // RFC 6749 §5.1, same reason
  return response;
}

HttpResponse OrganizerSessions::logout(const HttpRequest& request) {
  auto organizer = authenticate(request.authorization);
  if (!organizer) return organizer.failure();
  auto deleted = store_.delete_session(sha256_hex(bearer_credentials(request.authorization)));
  if (!deleted && deleted.code() != store::StoreErrc::kNotFound) {
    return store_problem(deleted.failure());
  }
  return {204, "", "", {}};
}

Result<std::int64_t, HttpResponse> OrganizerSessions::authenticate(std::string_view authorization) {
  if (authorization.empty()) return unauthorized("missing Authorization: Bearer <session token>");
  auto token = bearer_credentials(authorization);
  if (token.empty()) return unauthorized("the Authorization scheme must be Bearer");
  // Join links carry JWTs; only a login's session token opens the organizer API.
  if (token.size() != kSessionTokenLength || !base64url_decode(token)) {
    return unauthorized("not an organizer session token; log in at /api/v1/login");
  }
  auto session = store_.find_session(sha256_hex(token), now_ms_());
  if (!session) {
    if (session.code() == store::StoreErrc::kNotFound) {
      return unauthorized("unknown or expired session; log in again");
    }
    return store_problem(session.failure());
  }
  return session->organizer_id;
}

}  // namespace podium::api
