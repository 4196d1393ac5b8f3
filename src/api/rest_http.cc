#include "api/rest_http.h"

#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "util/log.h"

namespace podium::api {
namespace {

std::string_view status_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Counted outside strings, so a 64 KiB "[[[[..." is refused before the parser sees it.
bool nesting_within(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

bool is_json_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower;
  for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "application/json") return true;
  return lower.rfind("application/", 0) == 0 && lower.size() > 5 &&
         lower.compare(lower.size() - 5, 5, "+json") == 0;
}

int digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

HttpResponse problem(int status, std::string_view detail) {
  nlohmann::json body = {{"type", "about:blank"},
                         {"title", std::string(status_phrase(status))},
                         {"status", status},
                         {"detail", std::string(detail)}};
  return {status, "application/problem+json",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}, std::nullopt};
}

HttpResponse store_problem(const store::StoreError& error) {
  switch (error.code) {
    case store::StoreErrc::kNotFound: return problem(404, error.message);
    case store::StoreErrc::kAlreadyExists: return problem(409, error.message);
    case store::StoreErrc::kVersionConflict: return problem(412, error.message);
    case store::StoreErrc::kInvalidArgument: return problem(422, error.message);
    case store::StoreErrc::kStorage: break;
  }
  log::error("rest", "store failed: {}", error.message);
  return problem(500, "the store failed; see the server log");
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  return {status, "application/json",
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}, std::nullopt};
}

Result<nlohmann::json, HttpResponse> parse_json_body(const HttpRequest& request) {
  if (request.body.size() > kMaxRestBody) {
    return problem(413, fmt::format("request body larger than {} bytes", kMaxRestBody));
  }
  if (!is_json_media_type(request.content_type)) {
    return problem(415, "Content-Type must be application/json");
  }
  if (!nesting_within(request.body, kMaxJsonDepth)) {
    return problem(400, fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
  }
  auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return problem(400, "malformed JSON");
  if (!body.is_object()) return problem(400, "the body must be a JSON object");
  return body;
}

std::string etag_of(std::int64_t version) { return fmt::format("\"{}\"", version); }

std::optional<IfMatch> parse_if_match(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value == "*") return IfMatch{true, 0};
  // RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
  if (value.size() < 3 || value.size() > 20 || value.front() != '"' || value.back() != '"') {
    return std::nullopt;
  }
  std::int64_t version = 0;
  for (char c : value.substr(1, value.size() - 2)) {
    if (c < '0' || c > '9') return std::nullopt;
    version = version * 10 + (c - '0');
  }
  return IfMatch{false, version};
}

std::string_view bearer_credentials(std::string_view authorization) {
  if (authorization.size() < 7) return {};
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != "bearer"[i]) return {};
  }
  if (authorization[6] != ' ') return {};
  auto token = authorization.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  // RFC 3339 §5.6: full-date "T" full-time; time-offset is "Z" or ±hh:mm.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60 || hour < 0 || minute < 0 || second < 0) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (text[at] == '.') {
    ++at;
    std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start || at - start > 9) return std::nullopt;
  }
  int offset = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh = digits(text, at + 1, 2), om = digits(text, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59 || at + 3 >= text.size() || text[at + 3] != ':') {
      return std::nullopt;
    }
    offset = (text[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second == 60 ? 59 : second;  // a leap second counts as the one before it
  auto seconds = static_cast<std::int64_t>(::timegm(&tm));
  if (tm.tm_mday != day) return std::nullopt;  // timegm normalised 31 April into 1 May
  return seconds - offset;
}

std::string format_rfc3339(std::int64_t unix_seconds) {
  auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace podium::api
