// Recordings over REST (docs/recording.md, docs/openapi.yaml):
//
//   POST   /api/v1/conferences/{name}/recording     start recording (organizer)
//   DELETE /api/v1/conferences/{name}/recording     stop recording (organizer)
//   GET    /api/v1/conferences/{name}/recordings    the files (organizer; press: published)
//   GET    /api/v1/recordings/{id}                  one file's metadata
//   GET    /api/v1/recordings/{id}/file             the WebM, with Range requests (RFC 9110 §14)
//   GET    /api/v1/recordings/{id}/file?expires=&sig=  the same by a signed link, no header
//   PATCH  /api/v1/recordings/{id}                  {"published": true|false} (organizer)
//   DELETE /api/v1/recordings/{id}                  the file and its entry (organizer)
//
// Who: the organizer who owns the conference (session token) or an access token of the
// conference with the organizer role; an access token with the press role reads only
// published recordings, and to the press an unpublished one does not exist (404).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_router.h"
#include "api/rest_accounts.h"
#include "store/store.h"
#include "util/result.h"

namespace podium::api {

// RFC 9110 §14.1.2 byte ranges against a representation of `size` bytes: the one
// satisfiable range [first, last] of a single-range "bytes=" header; nullopt in
// `range` when the header is absent, malformed or asks for several ranges (then the
// whole file is sent, §14.2 lets a server ignore Range); `unsatisfiable` for a
// well-formed range that starts past the end (416).
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
struct RangeRequest {
  std::optional<ByteRange> range;
  bool unsatisfiable = false;
};
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// Signed playback links: a recording's file by URL alone (a <video src>, a link in the
// record) for someone who could read it when the link was made. The query is
// expires=<unix seconds>&sig=<base64url HMAC-SHA256 over "podium-recording-file:<id>:<expires>"
// with the server key>: bound to the recording, and to nothing else.
inline constexpr std::int64_t kFileLinkSeconds = 4 * 3600;
std::string signed_file_url(std::int64_t recording_id, std::int64_t expires_unix, Bytes key);
// The reason a query does not open recording_id at now_unix ("" when it does).
std::string check_signed_file_query(std::string_view query, std::int64_t recording_id,
                                    std::int64_t now_unix, Bytes key);

class RecordingResource {
 public:
  using SessionCheck = std::function<Result<std::int64_t, HttpResponse>(std::string_view authorization)>;
  // Turns recording on or off in the running conference; the error is the reason it
  // refused (or that the conference is not running).
  using SetRecording = std::function<Result<bool>(std::string_view conference, bool on)>;

  RecordingResource(store::Store& store, std::vector<std::uint8_t> key,
                    std::filesystem::path data_dir, SessionCheck sessions, WallClock now_ms)
      : store_(store),
        key_(std::move(key)),
        data_dir_(std::move(data_dir)),
        sessions_(std::move(sessions)),
        now_ms_(std::move(now_ms)) {}

  void set_recording_control(SetRecording control) { set_recording_ = std::move(control); }

  // parts after /api/v1: {"conferences", name, "recording" | "recordings"}
  HttpResponse conference_routes(const HttpRequest& request, const std::vector<std::string>& parts);
  // parts after /api/v1: {"recordings", id [, "file"]}
  HttpResponse recording_routes(const HttpRequest& request, const std::vector<std::string>& parts);

  static nlohmann::json representation(const store::Recording& recording);
  // The same with "file_url", a signed link valid kFileLinkSeconds, and its expiry.
  nlohmann::json representation_with_link(const store::Recording& recording) const;

 private:
  struct Caller {
    bool press = false;  // reads published recordings only, changes nothing
  };
  Result<Caller, HttpResponse> authorize(const HttpRequest& request, std::string_view conference);

  HttpResponse download(const HttpRequest& request, const store::Recording& recording);

  store::Store& store_;
  std::vector<std::uint8_t> key_;
  std::filesystem::path data_dir_;
  SessionCheck sessions_;
  WallClock now_ms_;
  SetRecording set_recording_;
};

}  // namespace podium::api
