// Organizer login: POST /api/v1/login trades an email and password for a session token,
// POST /api/v1/logout ends it, and every organizer endpoint calls authenticate().
//
// A session token is 32 random bytes in base64url (43 characters); the store keeps only
// its SHA-256, so a copy of the database does not let anyone log in.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_router.h"
#include "api/password.h"
#include "store/store.h"
#include "util/result.h"

namespace podium::api {

// Unix milliseconds; the REST layer reads wall time only through this.
using WallClock = std::function<std::int64_t()>;
WallClock system_wall_clock();

// A new organizer with a hashed password (the admin command; also used by tests).
store::StoreResult<store::Organizer> create_organizer(store::Store& store, std::string_view email,
                                                      std::string_view password,
                                                      PasswordCost cost = {});

class OrganizerSessions {
 public:
  static constexpr std::chrono::hours kSessionLifetime{12};

  OrganizerSessions(store::Store& store, WallClock now_ms, PasswordCost cost = {});

  // {email, password} → 200 {token, expires_at}; 401 for an unknown email and a wrong
  // password alike.
  HttpResponse login(const HttpRequest& request);
  // 204; the session is gone.
  HttpResponse logout(const HttpRequest& request);
  // The organizer id behind "Authorization: Bearer <session token>", or the 401 to answer.
  Result<std::int64_t, HttpResponse> authenticate(std::string_view authorization);

 private:
  const std::string& decoy_hash();

  store::Store& store_;
  WallClock now_ms_;
  PasswordCost cost_;
  std::string decoy_hash_;
};

}  // namespace podium::api
