// Input rules every Store implementation applies before touching storage, so a bad
// request gets the same clear kInvalidArgument from SQLite and PostgreSQL alike.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "store/store_result.h"

namespace podium::store {

StoreResult<Done> check_conference_name(std::string_view name);
// Event types follow the conference name rule: [A-Za-z0-9._-], 1-64 characters.
StoreResult<Done> check_event_type(std::string_view type);
// Non-empty, at most max_bytes, no control characters (they would break log lines
// and CSV exports). what names the field in the message.
StoreResult<Done> check_text(std::string_view what, std::string_view value, std::size_t max_bytes);
// A plausible address: local@domain, at most 254 bytes (RFC 5321 §4.5.3.1.3), no spaces.
// Deliverability is the mailer's business.
StoreResult<Done> check_email(std::string_view email);
StoreResult<Done> check_page_limit(int limit);

// JSON to the text stored; kInvalidArgument for strings that are not UTF-8.
StoreResult<std::string> to_json_text(const nlohmann::json& value);
// Stored text back to JSON; kStorage if it no longer parses (the file was tampered with).
StoreResult<nlohmann::json> from_json_text(std::string_view text, std::string_view what);

}  // namespace podium::store
