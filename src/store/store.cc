#include "store/store.h"

#include <fmt/format.h>

#include "store/validation.h"

namespace podium::store {
namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool is_valid_token(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

StoreError invalid(std::string message) {
  return StoreError{StoreErrc::kInvalidArgument, std::move(message)};
}

}  // namespace

const char* errc_name(StoreErrc code) {
  switch (code) {
    case StoreErrc::kInvalidArgument:
      return "invalid argument";
    case StoreErrc::kNotFound:
      return "not found";
    case StoreErrc::kAlreadyExists:
      return "already exists";
    case StoreErrc::kVersionConflict:
      return "version conflict";
    case StoreErrc::kStorage:
      return "storage error";
  }
  return "unknown";
}

bool is_valid_conference_name(std::string_view name) { return is_valid_token(name); }

StoreResult<Done> check_conference_name(std::string_view name) {
  if (is_valid_conference_name(name)) return Done{};
  return invalid(fmt::format(
      "conference name must be 1-64 characters of A-Z a-z 0-9 . _ - (got {} bytes)", name.size()));
}

StoreResult<Done> check_event_type(std::string_view type) {
  if (is_valid_token(type)) return Done{};
  return invalid("event type must be 1-64 characters of A-Z a-z 0-9 . _ -");
}

StoreResult<Done> check_text(std::string_view what, std::string_view value, std::size_t max_bytes) {
  if (value.empty()) return invalid(fmt::format("{} must not be empty", what));
  if (value.size() > max_bytes) {
    return invalid(
        fmt::format("{} is {} bytes, at most {} are allowed", what, value.size(), max_bytes));
  }
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return invalid(fmt::format("{} must not contain control characters", what));
    }
  }
  return Done{};
}

StoreResult<Done> check_email(std::string_view email) {
  if (auto text = check_text("email", email, 254); !text) return text;
  auto at = email.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos ||
      email.find(' ') != std::string_view::npos) {
    return invalid("email must look like name@example.org");
  }
  return Done{};
}

StoreResult<Done> check_page_limit(int limit) {
  if (limit >= 1 && limit <= kMaxPageSize) return Done{};
  return invalid(fmt::format("limit must be 1-{}, got {}", kMaxPageSize, limit));
}

StoreResult<std::string> to_json_text(const nlohmann::json& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    // type_error 316: a string that is not UTF-8.
    return invalid(fmt::format("cannot store JSON: {}", e.what()));
  }
}

StoreResult<nlohmann::json> from_json_text(std::string_view text, std::string_view what) {
  auto value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return StoreError{StoreErrc::kStorage, fmt::format("stored {} is not valid JSON", what)};
  }
  return value;
}

}  // namespace podium::store
