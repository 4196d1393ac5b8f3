#include "api/rest_timeline.h"

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/rest_http.h"
#include "store/store.h"

namespace podium::api {
namespace {

// A positive decimal of at most 18 digits, or nullopt.
std::optional<std::int64_t> positive(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  auto value = std::stoll(std::string(text));
  if (value < 1) return std::nullopt;
  return value;
}

}  // namespace

HttpResponse TimelineResource::get(const HttpRequest& request, std::string_view name) {
  auto bearer = bearer_credentials(request.authorization);
  if (bearer.empty()) {
    auto response = problem(401, "send an organizer session or an access token as Bearer");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (!store::is_valid_conference_name(name)) return problem(404, "no such conference");
  auto conference = store_.get_conference(name);
  if (!conference) {
    if (conference.code() == store::StoreErrc::kNotFound) return problem(404, "no such conference");
    return store_problem(conference.failure());
  }
  bool press = false;
  // Access tokens are JWTs (three dot-separated parts); session tokens have no dot.
  if (bearer.find('.') != std::string_view::npos) {
    auto token = verify_access_token(bearer, key_, now_ms_() / 1000);
    if (!token) return problem(401, fmt::format("the access token is not valid: {}", token.error()));
    if (token->conference != conference->name) {
      return problem(403, "this access token is for another conference");
    }
    auto invitation = store_.find_invitation(token->subject);
    if (invitation && invitation->revoked) return problem(401, "the invitation of this token was revoked");
    if (token->role != Role::kOrganizer && token->role != Role::kModerator && token->role != Role::kPress) {
      return problem(403, "only the press, moderators and organizers may read the timeline");
    }
    press = token->role == Role::kPress;
  } else {
    auto organizer = sessions_(request.authorization);
    if (!organizer) return organizer.failure();
    auto owner = conference->document.find("owner");
    if (owner == conference->document.end() || *owner != *organizer) {
      return problem(404, "no such conference");
    }
  }

  std::int64_t before = 0;
  if (auto text = query_parameter(request.target, "before")) {
    auto value = positive(*text);
    if (!value) return problem(400, "before must be a positive integer (a next_before)");
    before = *value;
  }
  int limit = kDefaultLimit;
  if (auto text = query_parameter(request.target, "limit")) {
    auto value = positive(*text);
    if (!value || *value > store::kMaxPageSize) {
      return problem(400, fmt::format("limit must be an integer from 1 to {}", store::kMaxPageSize));
    }
    limit = static_cast<int>(*value);
  }
  auto events = store_.read_events_before(name, before, limit);
  if (!events) return store_problem(events.failure());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *events) {
    // What only the hosts (and the participant concerned) saw live stays theirs.
    if (press && e.payload.value("audience", std::string("everyone")) != "everyone") continue;
    if (!e.payload.is_object()) continue;
    out.push_back(e.payload);
  }
  nlohmann::json body = {{"events", std::move(out)}};
  if (!events->empty() && static_cast<int>(events->size()) == limit && events->front().seq > 1) {
    body["next_before"] = events->front().seq;
  }
  return json_response(200, body);
}

}  // namespace podium::api
