#include "api/rest_record.h"

#include <fstream>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/rest_http.h"
#include "api/rest_recordings.h"
#include "conference/conference.h"
#include "record/conference_record.h"
#include "record/record_html.h"
#include "record/zip_writer.h"
#include "util/clock.h"
#include "util/log.h"

namespace podium::api {
namespace {

using nlohmann::json;
namespace c = podium::conference;

constexpr std::string_view kLog = "record";

bool setting(const json& document, const char* key) {
  auto settings = document.find("settings");
  if (settings == document.end() || !settings->is_object()) return false;
  auto it = settings->find(key);
  return it != settings->end() && it->is_boolean() && it->get<bool>();
}

// The conference as the signaling layer last stored it ("live.snapshot"); before anyone
// joined, the planned conference from the REST document.
Result<c::Conference> load_conference(const store::ConferenceRecord& record, const Clock& clock) {
  const json& document = record.document;
  c::WallClock wall{clock, 0};
  json snapshot;
  if (auto live = document.find("live"); live != document.end() && live->contains("snapshot")) {
    snapshot = (*live)["snapshot"];
  } else {
    c::ConferenceInfo info;
    info.id = record.name;
    info.title = document.value("title", record.name);
    info.description = document.value("description", std::string());
    if (auto l = document.find("languages"); l != document.end() && l->is_array()) {
      for (const auto& tag : *l) {
        if (tag.is_string()) info.languages.push_back(tag.get<std::string>());
      }
    }
    snapshot = c::Conference(info, c::Settings{}, wall).to_json(false);
    if (auto agenda = document.find("agenda"); agenda != document.end() && agenda->is_array()) {
      snapshot["agenda"] = *agenda;
    }
  }
  if (!snapshot.is_object()) return Error{"the stored conference has no state"};
  snapshot["timeline"] = json::array();
  // The schedule lives in the REST document (RFC 3339); the domain keeps unix ms.
  if (snapshot.contains("info") && snapshot["info"].is_object()) {
    for (auto [field, key] : {std::pair{"start", "scheduled_start"}, std::pair{"end", "scheduled_end"}}) {
      auto it = document.find(field);
      if (it == document.end() || !it->is_string()) continue;
      if (snapshot["info"].value(key, std::int64_t{0}) != 0) continue;
      if (auto seconds = parse_rfc3339(it->get_ref<const std::string&>())) {
        snapshot["info"][key] = *seconds * 1000;
      }
    }
  }
  return c::Conference::from_json(snapshot, wall);
}

Result<std::vector<json>, store::StoreError> read_timeline(store::Store& store, std::string_view name) {
  std::vector<json> out;
  std::int64_t after = 0;
  while (true) {
    auto page = store.read_events(name, after, store::kMaxPageSize);
    if (!page) return page.failure();
    for (auto& e : *page) {
      after = e.seq;
      out.push_back(std::move(e.payload));
    }
    if (page->size() < static_cast<std::size_t>(store::kMaxPageSize)) return out;
  }
}

std::string file_extension(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  // Only what a recording may be; anything else is packed as .bin.
  if (ext == ".webm" || ext == ".mkv" || ext == ".mka" || ext == ".mp4") return ext;
  return ".bin";
}

}  // namespace

Result<RecordResource::Reader, HttpResponse> RecordResource::authorize(
    const HttpRequest& request, const store::ConferenceRecord& conference) {
  auto bearer = bearer_credentials(request.authorization);
  // Access tokens are JWTs (three dot-separated parts); session tokens have no dot.
  if (bearer.find('.') != std::string_view::npos) {
    auto token = verify_access_token(bearer, key_, now_ms_() / 1000);
    if (!token) return problem(401, fmt::format("the access token is not valid: {}", token.error()));
    if (token->conference != conference.name) {
      return problem(403, "this access token is for another conference");
    }
    auto invitation = store_.find_invitation(token->subject);
    if (invitation && invitation->revoked) return problem(401, "the invitation of this token was revoked");
    if (token->role == Role::kOrganizer) return Reader{.press = false};
    if (token->role == Role::kPress) {
      if (!setting(conference.document, "record_published")) {
        return problem(403, "the organizer has not published the record yet");
      }
      return Reader{.press = true};
    }
    return problem(403, "only the organizer and, once it is published, the press may read the record");
  }
  auto organizer = sessions_(request.authorization);
  if (!organizer) return organizer.failure();
  auto owner = conference.document.find("owner");
  if (owner == conference.document.end() || *owner != *organizer) {
    return problem(404, "no such conference");
  }
  return Reader{.press = false};
}

HttpResponse RecordResource::get(const HttpRequest& request, std::string_view name,
                                 std::string_view format) {
  if (bearer_credentials(request.authorization).empty()) {
    auto response = problem(401, "send an organizer session or an access token as Bearer");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (!is_valid_conference_name(name)) return problem(404, "no such conference");
  auto conference = store_.get_conference(name);
  if (!conference) {
    if (conference.code() == store::StoreErrc::kNotFound) return problem(404, "no such conference");
    return store_problem(conference.failure());
  }
  auto reader = authorize(request, *conference);
  if (!reader) return reader.failure();

  FakeClock frozen;  // the record only reads the conference; no command runs on it
  auto domain = load_conference(*conference, frozen);
  if (!domain) {
    log::error(kLog, "{}: stored conference unreadable: {}", name, domain.error());
    return problem(500, "the stored conference cannot be read; see the server log");
  }
  auto timeline = read_timeline(store_, name);
  if (!timeline) return store_problem(timeline.failure());

  std::vector<record::ProgramRecording> programs;
  std::map<std::int64_t, std::string> files;  // program recording id → path in the data dir
  auto recordings = store_.list_recordings(name);
  if (!recordings) return store_problem(recordings.failure());
  for (const auto& r : *recordings) {
    if (r.kind != "program") continue;
    if (reader->press && !r.published) continue;  // the press sees what was published
    // Links play by URL alone (a browser sends no header for them), for a while.
    programs.push_back({r.id, r.started_ms, r.ended_ms, r.languages,
                        signed_file_url(r.id, now_ms_() / 1000 + kFileLinkSeconds, key_)});
    files[r.id] = r.path;
  }

  const auto now = now_ms_();
  record::RecordSource source{.conference = *domain,
                              .timeline = *timeline,
                              .now = now,
                              .program_recordings = programs,
                              .recordings_known = true,
                              .options = {.include_chat = setting(conference->document, "record_includes_chat"),
                                          .private_participants = {},
                                          .link_base = ""}};
  auto built = record::build_record(source);

  if (format == "record") {
    auto response = json_response(200, record::to_json(built));
    response.content_type = "application/json";
    return response;
  }
  if (format == "record.html") {
    HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = record::render_record_html(built);
    return response;
  }

  // record.zip. With a data directory the archive is written to
  // data_dir/press-kits/<name>.zip (replaced by the next request; a download in progress
  // keeps reading the old one) and sent from there, so a long recording never sits in
  // memory; without one it is built in memory and holds no recording.
  std::string body;
  std::ofstream out;
  std::filesystem::path kit, partial;
  if (!data_dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir_ / "press-kits", ec);
    kit = data_dir_ / "press-kits" / (std::string(name) + ".zip");
    partial = kit;
    partial += ".partial";
    out.open(partial, std::ios::binary | std::ios::trunc);
    if (!out) {
      log::error(kLog, "{}: cannot write {}", name, partial.string());
      return problem(500, "the archive could not be written; see the server log");
    }
  }
  record::ZipWriter zip(
      [&](std::string_view bytes) {
        if (out.is_open()) {
          out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        } else {
          body.append(bytes);
        }
      },
      now);
  // The recordings first (one that does not fit is linked instead), then the page that
  // points at the ones inside.
  record::HtmlOptions html;
  for (const auto& [id, path] : files) {
    if (data_dir_.empty() || path.empty()) continue;
    auto file_name = fmt::format("program-{}{}", id, file_extension(path));
    auto added = zip.add_file(file_name, data_dir_ / path);
    if (!added) {
      log::warn(kLog, "{}: recording {} left out of the ZIP: {}", name, id, added.error());
      built.notes.push_back(fmt::format("Recording {} is not in this archive: {}", id, added.error()));
      continue;
    }
    html.local_recordings[id] = file_name;
  }
  auto json_added = zip.add("record.json", record::to_json(built).dump(2));
  auto html_added = zip.add("index.html", record::render_record_html(built, html));
  auto finished = zip.finish();
  if (out.is_open()) out.close();
  if (!json_added || !html_added || !finished || out.fail()) {
    log::error(kLog, "{}: press kit not written: {}", name,
               !finished ? finished.error() : "write failed");
    if (!partial.empty()) {
      std::error_code ec;
      std::filesystem::remove(partial, ec);
    }
    return problem(500, "the archive could not be written; see the server log");
  }
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/zip";
  response.headers.emplace_back("Content-Disposition",
                                fmt::format("attachment; filename=\"{}-record.zip\"", name));
  if (!kit.empty()) {
    std::error_code ec;
    std::filesystem::rename(partial, kit, ec);
    if (ec) {
      log::error(kLog, "{}: cannot move the press kit into place: {}", name, ec.message());
      return problem(500, "the archive could not be written; see the server log");
    }
    response.file = FileSlice{kit.string(), 0, *finished};
  } else {
    response.body = std::move(body);
  }
  log::info(kLog, "{}: press kit of {} bytes ({} recordings)", name, *finished,
            html.local_recordings.size());
  return response;
}

}  // namespace podium::api
