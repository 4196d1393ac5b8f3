// The HTTP conventions every /api/v1 endpoint shares: RFC 9457 problem details for
// errors, JSON bodies with a size and depth limit, strong ETags from document versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/http_router.h"
#include "store/store_result.h"
#include "util/result.h"

namespace podium::api {

inline constexpr std::size_t kMaxRestBody = 64 * 1024;
inline constexpr int kMaxJsonDepth = 16;

// RFC 9457 §3: application/problem+json with type "about:blank", title the status
// phrase (§4.2.1) and detail the reason, meant for a person.
HttpResponse problem(int status, std::string_view detail);

// kNotFound → 404, kAlreadyExists → 409, kVersionConflict → 412, kInvalidArgument → 422,
// kStorage → 500 (the detail then hides SQLite's text, which the log keeps).
HttpResponse store_problem(const store::StoreError& error);

HttpResponse json_response(int status, const nlohmann::json& body);

// The request body as a JSON object: 413 over kMaxRestBody, 415 unless the Content-Type
// is application/json or another +json type, 400 for malformed JSON, nesting deeper than
// kMaxJsonDepth or anything but an object.
Result<nlohmann::json, HttpResponse> parse_json_body(const HttpRequest& request);

// RFC 9110 §8.8.3: a strong entity tag, the quoted document version.
std::string etag_of(std::int64_t version);
// The version an If-Match value names: "N" → N; "*" → nullopt with any_version set.
struct IfMatch {
  bool any = false;
  std::int64_t version = 0;
};
std::optional<IfMatch> parse_if_match(std::string_view value);

// "Bearer X" → X; empty when the scheme is missing (RFC 6750 §2.1, scheme is
// case-insensitive).
std::string_view bearer_credentials(std::string_view authorization);

// RFC 3339 "2025-05-01T09:00:00Z" (fractions and offsets accepted) → unix seconds.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);
std::string format_rfc3339(std::int64_t unix_seconds);

}  // namespace podium::api
