// The conference record for the press (docs/record.md):
//
//   GET /api/v1/conferences/{name}/record       JSON (docs/record.schema.json)
//   GET /api/v1/conferences/{name}/record.html  one self-contained page
//   GET /api/v1/conferences/{name}/record.zip   record.json + index.html + program recordings
//
// Built on every request from the stored conference and its timeline, so it is there
// during the conference as well as after. Who may read it: the organizer who owns the
// conference (session token), an access token of the conference with the organizer role,
// or one with the press role once the organizer set settings.record_published.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_router.h"
#include "api/rest_accounts.h"
#include "store/store.h"
#include "util/result.h"

namespace podium::api {

class RecordResource {
 public:
  // The organizer id behind a session token, or the 401 to answer (OrganizerSessions).
  using SessionCheck = std::function<Result<std::int64_t, HttpResponse>(std::string_view authorization)>;

  // key: verifies access tokens. data_dir: where recording paths are relative to (empty:
  // recordings are linked, not packed).
  RecordResource(store::Store& store, std::vector<std::uint8_t> key,
                 std::filesystem::path data_dir, SessionCheck sessions, WallClock now_ms)
      : store_(store),
        key_(std::move(key)),
        data_dir_(std::move(data_dir)),
        sessions_(std::move(sessions)),
        now_ms_(std::move(now_ms)) {}

  // format: "record", "record.html" or "record.zip" (the last path segment).
  HttpResponse get(const HttpRequest& request, std::string_view conference, std::string_view format);

  static bool is_record_segment(std::string_view segment) {
    return segment == "record" || segment == "record.html" || segment == "record.zip";
  }

 private:
  struct Reader {
    bool press = false;  // sees published recordings only
  };
  Result<Reader, HttpResponse> authorize(const HttpRequest& request, const store::ConferenceRecord& conference);

  store::Store& store_;
  std::vector<std::uint8_t> key_;
  std::filesystem::path data_dir_;
  SessionCheck sessions_;
  WallClock now_ms_;
};

}  // namespace podium::api
