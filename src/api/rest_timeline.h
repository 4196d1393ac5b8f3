// The timeline of a conference from its start, page by page, for the press and the hosts
// who join late (docs/api.md):
//
//   GET /api/v1/conferences/{name}/timeline?before=SEQ&limit=N
//
// The newest `limit` events (default 100, at most 1000) with a stored sequence number
// below `before` (absent: the newest of all), oldest first, each as the live `event`
// message carried it; `next_before` pages further back and is absent on the first event.
// Who may read it: the organizer who owns the conference (session token), or an access
// token of the conference with the organizer, moderator or press role. The press sees
// only what everyone in the conference saw.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "api/http_router.h"
#include "api/rest_accounts.h"
#include "store/store.h"
#include "util/result.h"

namespace podium::api {

class TimelineResource {
 public:
  using SessionCheck = std::function<Result<std::int64_t, HttpResponse>(std::string_view authorization)>;
  static constexpr int kDefaultLimit = 100;

  TimelineResource(store::Store& store, std::vector<std::uint8_t> key, SessionCheck sessions,
                   WallClock now_ms)
      : store_(store), key_(std::move(key)), sessions_(std::move(sessions)), now_ms_(std::move(now_ms)) {}

  HttpResponse get(const HttpRequest& request, std::string_view conference);

 private:
  store::Store& store_;
  std::vector<std::uint8_t> key_;
  SessionCheck sessions_;
  WallClock now_ms_;
};

}  // namespace podium::api
