// JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (RFC 7515 §3, JWS compact serialization).
// Only HS256 is accepted: a token naming any other algorithm, "none" included, is rejected
// (RFC 8725 §3.1: the verifier, not the token, picks the algorithm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/bytes.h"
#include "util/result.h"

namespace podium::api {

// RFC 4648 §5 base64url without padding (RFC 7515 §2).
std::string base64url_encode(Bytes data);
// Rejects padding, whitespace and characters outside the url-safe alphabet.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

std::string jwt_sign_hs256(const nlohmann::json& claims, Bytes key);

// Checks the header, the signature (constant time) and, if present, "exp" and "nbf"
// against now_unix (seconds since 1970). Returns the claims.
Result<nlohmann::json> jwt_verify_hs256(std::string_view token, Bytes key, std::int64_t now_unix);

}  // namespace podium::api
