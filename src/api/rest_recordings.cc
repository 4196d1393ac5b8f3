#include "api/rest_recordings.h"

#include <fmt/format.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <system_error>

#include "api/auth.h"
#include "api/jwt.h"
#include "api/rest_http.h"
#include "util/log.h"

namespace podium::api {
namespace {

using nlohmann::json;

constexpr std::string_view kLog = "rest";

HttpResponse method_not_allowed(std::string_view allowed) {
  auto response = problem(405, fmt::format("use {}", allowed));
  response.headers.emplace_back("Allow", std::string(allowed));  // RFC 9110 §15.5.6
  return response;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::array<std::uint8_t, 32> file_link_mac(std::int64_t id, std::int64_t expires, Bytes key) {
  std::string data = fmt::format("podium-recording-file:{}:{}", id, expires);
  std::array<std::uint8_t, 32> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &length);
  return mac;
}

// The value of `name` in an application/x-www-form-urlencoded query (no decoding needed:
// both parameters are digits or base64url).
std::optional<std::string_view> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

std::string signed_file_url(std::int64_t recording_id, std::int64_t expires_unix, Bytes key) {
  auto mac = file_link_mac(recording_id, expires_unix, key);
  return fmt::format("/api/v1/recordings/{}/file?expires={}&sig={}", recording_id, expires_unix,
                     base64url_encode(Bytes(mac.data(), mac.size())));
}

std::string check_signed_file_query(std::string_view query, std::int64_t recording_id,
                                    std::int64_t now_unix, Bytes key) {
  auto expires_text = query_value(query, "expires");
  auto sig_text = query_value(query, "sig");
  if (!expires_text || !sig_text) return "a signed link needs expires and sig";
  auto expires = parse_u64(*expires_text);
  auto sig = base64url_decode(*sig_text);
  if (!expires || *expires > static_cast<std::uint64_t>(INT64_MAX) || !sig || sig->size() != 32)
    return "the link's signature is not valid";
  auto expected = file_link_mac(recording_id, static_cast<std::int64_t>(*expires), key);
  if (CRYPTO_memcmp(expected.data(), sig->data(), expected.size()) != 0)
    return "the link's signature is not valid";
  if (static_cast<std::int64_t>(*expires) <= now_unix)
    return "the link has expired; ask for the recording again for a new one";
  return "";
}

// RFC 9110 §14.1.1: ranges-specifier = range-unit "=" range-set; §14.1.2 int-range
// "first-last" / "first-", suffix-range "-length".
RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  RangeRequest out;
  header = trim(header);
  if (header.empty()) return out;
  auto equals = header.find('=');
  if (equals == std::string_view::npos) return out;
  std::string_view unit = trim(header.substr(0, equals));
  if (unit.size() != 5) return out;
  for (std::size_t i = 0; i < 5; ++i) {
    if ((unit[i] | 0x20) != "bytes"[i]) return out;  // range units are case-insensitive
  }
  std::string_view set = trim(header.substr(equals + 1));
  if (set.find(',') != std::string_view::npos) return out;  // several ranges: send it all
  auto dash = set.find('-');
  if (dash == std::string_view::npos) return out;
  auto first_text = trim(set.substr(0, dash));
  auto last_text = trim(set.substr(dash + 1));
  if (first_text.empty()) {
    auto suffix = parse_u64(last_text);
    if (!suffix) return out;
    if (*suffix == 0 || size == 0) {
      out.unsatisfiable = true;  // §14.1.3: a zero-length suffix cannot be satisfied
      return out;
    }
    std::uint64_t length = std::min(*suffix, size);
    out.range = ByteRange{size - length, size - 1};
    return out;
  }
  auto first = parse_u64(first_text);
  if (!first) return out;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    auto parsed = parse_u64(last_text);
    if (!parsed || *parsed < *first) return out;  // §14.1.1: invalid, ignore the header
    last = std::min(*parsed, last);
  }
  if (*first >= size) {
    out.unsatisfiable = true;
    return out;
  }
  out.range = ByteRange{*first, last};
  return out;
}

json RecordingResource::representation(const store::Recording& r) {
  // "interrupted": the server stopped while writing it; closed at the next start.
  const char* status = !r.ended_ms                                  ? "recording"
                       : !r.error                                   ? "complete"
                       : r.error->rfind("interrupted", 0) == 0      ? "interrupted"
                                                                    : "failed";
  return {{"id", r.id},
          {"conference", r.conference},
          {"kind", r.kind},
          {"participant", r.participant ? json(*r.participant) : json(nullptr)},
          {"languages", r.languages},
          {"status", status},
          {"started_ms", r.started_ms},
          {"ended_ms", r.ended_ms ? json(*r.ended_ms) : json(nullptr)},
          {"duration_ms", r.duration_ms},
          {"bytes", r.bytes},
          {"published", r.published},
          {"error", r.error ? json(*r.error) : json(nullptr)},
          {"file", fmt::format("/api/v1/recordings/{}/file", r.id)}};
}

json RecordingResource::representation_with_link(const store::Recording& r) const {
  json out = representation(r);
  std::int64_t expires = now_ms_() / 1000 + kFileLinkSeconds;
  out["file_url"] = signed_file_url(r.id, expires, key_);
  out["file_url_expires"] = expires;
  return out;
}

Result<RecordingResource::Caller, HttpResponse> RecordingResource::authorize(
    const HttpRequest& request, std::string_view conference) {
  auto bearer = bearer_credentials(request.authorization);
  if (bearer.empty()) {
    auto response = problem(401, "send an organizer session or an access token as Bearer");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (!is_valid_conference_name(conference)) return problem(404, "no such conference");
  auto record = store_.get_conference(conference);
  if (!record) {
    if (record.code() == store::StoreErrc::kNotFound) return problem(404, "no such conference");
    return store_problem(record.failure());
  }
  // Access tokens are JWTs (three dot-separated parts); session tokens have no dot.
  if (bearer.find('.') != std::string_view::npos) {
    auto token = verify_access_token(bearer, key_, now_ms_() / 1000);
    if (!token) return problem(401, fmt::format("the access token is not valid: {}", token.error()));
    if (token->conference != conference) return problem(403, "this access token is for another conference");
    auto invitation = store_.find_invitation(token->subject);
    if (invitation && invitation->revoked) return problem(401, "the invitation of this token was revoked");
    if (token->role == Role::kOrganizer) return Caller{.press = false};
    if (token->role == Role::kPress) return Caller{.press = true};
    return problem(403, "only the organizer and the press may see recordings");
  }
  auto organizer = sessions_(request.authorization);
  if (!organizer) return organizer.failure();
  auto owner = record->document.find("owner");
  if (owner == record->document.end() || *owner != *organizer) return problem(404, "no such conference");
  return Caller{.press = false};
}

HttpResponse RecordingResource::conference_routes(const HttpRequest& request,
                                                  const std::vector<std::string>& parts) {
  const auto& name = parts[1];
  const auto& method = request.method;
  if (parts[2] == "recording") {
    if (method != "POST" && method != "DELETE") return method_not_allowed("POST, DELETE");
    auto caller = authorize(request, name);
    if (!caller) return caller.failure();
    if (caller->press) return problem(403, "the press cannot start or stop recording");
    bool on = method == "POST";
    if (!set_recording_) return problem(503, "recording is not available on this server");
    auto done = set_recording_(name, on);
    if (!done) return problem(409, done.error());
    return json_response(200, {{"conference", name}, {"recording", on}});
  }
  // "recordings"
  if (method != "GET") return method_not_allowed("GET");
  auto caller = authorize(request, name);
  if (!caller) return caller.failure();
  auto recordings = store_.list_recordings(name);
  if (!recordings) return store_problem(recordings.failure());
  json items = json::array();
  for (const auto& r : *recordings) {
    if (caller->press && !r.published) continue;
    items.push_back(representation_with_link(r));
  }
  return json_response(200, {{"recordings", std::move(items)}});
}

HttpResponse RecordingResource::recording_routes(const HttpRequest& request,
                                                 const std::vector<std::string>& parts) {
  auto id = parts.size() >= 2 ? parse_u64(parts[1]) : std::nullopt;
  if (!id || *id == 0 || *id > static_cast<std::uint64_t>(INT64_MAX) || parts.size() > 3 ||
      (parts.size() == 3 && parts[2] != "file")) {
    return problem(404, parts.size() <= 3 ? "no such recording" : "no such resource");
  }
  const auto& method = request.method;
  bool file = parts.size() == 3;
  if (file && method != "GET" && method != "HEAD") return method_not_allowed("GET, HEAD");
  if (!file && method != "GET" && method != "PATCH" && method != "DELETE")
    return method_not_allowed("GET, PATCH, DELETE");
  // A signed link opens the file without a header (and opens nothing else).
  auto question = request.target.find('?');
  std::string_view query = question == std::string::npos
                               ? std::string_view()
                               : std::string_view(request.target).substr(question + 1);
  if (file && (query_value(query, "sig") || query_value(query, "expires"))) {
    auto refused = check_signed_file_query(query, static_cast<std::int64_t>(*id),
                                           now_ms_() / 1000, key_);
    if (!refused.empty()) return problem(403, refused);
    auto recording = store_.get_recording(static_cast<std::int64_t>(*id));
    if (!recording) {
      if (recording.code() == store::StoreErrc::kNotFound) return problem(404, "no such recording");
      return store_problem(recording.failure());
    }
    return download(request, *recording);
  }
  if (bearer_credentials(request.authorization).empty()) {
    auto response = problem(401, "send an organizer session or an access token as Bearer");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  auto recording = store_.get_recording(static_cast<std::int64_t>(*id));
  if (!recording) {
    if (recording.code() == store::StoreErrc::kNotFound) return problem(404, "no such recording");
    return store_problem(recording.failure());
  }
  auto caller = authorize(request, recording->conference);
  if (!caller) return caller.failure();
  // To the press an unpublished recording does not exist.
  if (caller->press && !recording->published) return problem(404, "no such recording");
  if (file) return download(request, *recording);
  if (method == "GET") return json_response(200, representation_with_link(*recording));
  if (caller->press) return problem(403, "the press cannot change recordings");
  if (method == "PATCH") {
    auto body = parse_json_body(request);
    if (!body) return body.failure();
    if (!body->is_object() || body->size() != 1 || !body->contains("published") ||
        !(*body)["published"].is_boolean()) {
      return problem(400, "send {\"published\": true} or {\"published\": false}");
    }
    auto updated = store_.set_recording_published(recording->id, (*body)["published"].get<bool>());
    if (!updated) return store_problem(updated.failure());
    log::info(kLog, "recording {} of {} {}", updated->id, updated->conference,
              updated->published ? "published" : "unpublished");
    return json_response(200, representation_with_link(*updated));
  }
  // DELETE
  if (!recording->ended_ms) return problem(409, "the recording is still being written; stop it first");
  std::error_code ec;
  std::filesystem::remove(data_dir_ / recording->path, ec);
  if (ec) {
    log::error(kLog, "cannot delete {}: {}", recording->path, ec.message());
    return problem(500, "the file cannot be deleted; see the server log");
  }
  auto removed = store_.delete_recording(recording->id);
  if (!removed) return store_problem(removed.failure());
  log::info(kLog, "recording {} of {} deleted", recording->id, recording->conference);
  return HttpResponse{204, "", "", {}};
}

HttpResponse RecordingResource::download(const HttpRequest& request,
                                         const store::Recording& recording) {
  auto path = data_dir_ / recording.path;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return problem(404, "the recording's file is gone");
  auto range = parse_range(request.range, size);
  if (range.unsatisfiable) {
    auto response = problem(416, fmt::format("the file has {} bytes", size));
    response.headers.emplace_back("Content-Range", fmt::format("bytes */{}", size));  // §14.4
    return response;
  }
  HttpResponse response;
  response.content_type = "video/webm";
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.headers.emplace_back(
      "Content-Disposition",
      fmt::format("attachment; filename=\"{}-{}.webm\"", recording.conference, recording.id));
  if (range.range) {
    response.status = 206;
    response.headers.emplace_back(
        "Content-Range", fmt::format("bytes {}-{}/{}", range.range->first, range.range->last, size));
    response.file = FileSlice{path.string(), range.range->first,
                              range.range->last - range.range->first + 1};
  } else {
    response.file = FileSlice{path.string(), 0, size};
  }
  return response;
}

}  // namespace podium::api
