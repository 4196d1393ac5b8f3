// Organizer passwords: Argon2id (RFC 9106) through libargon2, stored as the PHC encoded
// string "$argon2id$v=19$m=...,t=...,p=...$salt$hash", which carries its own parameters,
// so the cost can be raised later without invalidating stored hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace podium::api {

struct PasswordCost {
  // RFC 9106 §4 second recommended option is 64 MiB, t=3; OWASP's minimum for
  // Argon2id is 19 MiB, t=2, p=1. We take the latter: a login must not stall the one
  // control thread for long.
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

inline constexpr std::size_t kMaxPasswordLength = 1024;  // longer input is a DoS, not a password
inline constexpr std::size_t kMinPasswordLength = 12;

// Fails for a password shorter than kMinPasswordLength or longer than kMaxPasswordLength.
Result<std::string> hash_password(std::string_view password, PasswordCost cost = {});

// True only if encoded is an Argon2id hash of password. Anything else (another
// algorithm, a malformed string) is false.
bool verify_password(std::string_view password, std::string_view encoded);

// A password a person can type: `length` characters from a 57-letter alphabet without
// look-alikes (0/O, 1/l/I), ~5.8 bits each.
std::string generate_password(std::size_t length = 24);

}  // namespace podium::api
