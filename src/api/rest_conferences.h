// /api/v1/conferences: create, list, read, edit (JSON merge patch under If-Match) and
// delete the conferences an organizer owns.
//
// The stored document is the public representation plus "owner" (the organizer id); the
// name is the store's key, the version its ETag. Another organizer's conference answers
// 404, as if it did not exist.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/http_router.h"
#include "store/store.h"
#include "util/result.h"

namespace podium::api {

// The one place that decides what a conference document may hold: title (1-200
// characters), description (up to 5000), languages (BCP 47 tags), start/end (RFC 3339,
// end after start), settings {lobby, chat, recording, registration}. Returns the document
// with defaults filled in, or the reason it is refused. Unknown fields are refused so a
// typo is not silently dropped.
// TODO(conference domain): delegate to podium::conference once it validates documents.
Result<nlohmann::json> validate_conference_document(const nlohmann::json& fields);

// The conference as the API shows it: the document without "owner", plus name and version.
nlohmann::json conference_representation(const store::ConferenceRecord& record);

// The conference if organizer owns it; 404 otherwise (missing or someone else's).
Result<store::ConferenceRecord, HttpResponse> owned_conference(store::Store& store,
                                                               std::string_view name,
                                                               std::int64_t organizer);

class ConferenceResource {
 public:
  static constexpr int kDefaultPageSize = 20;
  static constexpr int kMaxPageSize = 100;

  explicit ConferenceResource(store::Store& store) : store_(store) {}

  HttpResponse create(const HttpRequest& request, std::int64_t organizer);
  HttpResponse list(const HttpRequest& request, std::int64_t organizer);
  HttpResponse get(std::string_view name, std::int64_t organizer);
  HttpResponse patch(const HttpRequest& request, std::string_view name, std::int64_t organizer);
  HttpResponse remove(std::string_view name, std::int64_t organizer);

 private:
  store::Store& store_;
};

}  // namespace podium::api
