#include "api/rest_router.h"

#include <fmt/format.h>

#include "api/rest_http.h"
#include "util/log.h"

namespace podium::api {
namespace {

constexpr std::string_view kPrefix = "/api/v1";

// "/api/v1/conferences/x/invitations" → {"conferences", "x", "invitations"}; nullopt for
// an empty segment or a malformed escape, so "/a//b" and "%00" are not found anywhere.
std::optional<std::vector<std::string>> segments(std::string_view path) {
  std::vector<std::string> out;
  path.remove_prefix(kPrefix.size());
  if (path.empty()) return out;
  if (path.front() != '/') return std::nullopt;
  path.remove_prefix(1);
  while (true) {
    auto end = path.find('/');
    auto decoded = percent_decode(path.substr(0, end));
    if (!decoded || decoded->empty()) return std::nullopt;
    out.push_back(std::move(*decoded));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end + 1);
  }
  return out;
}

HttpResponse method_not_allowed(std::string_view allowed) {
  auto response = problem(405, fmt::format("use {}", allowed));
  response.headers.emplace_back("Allow", std::string(allowed));  // RFC 9110 §15.5.6
  return response;
}

}  // namespace

RestRouter::RestRouter(store::Store& store, RestConfig config, WallClock now_ms)
    : store_(store),
      sessions_(store, now_ms, config.password_cost),
      conferences_(store),
      invitations_(store, JoinLinks{config.key, std::move(config.public_url)}, now_ms),
      records_(store, config.key, config.data_dir,
               [this](std::string_view authorization) { return sessions_.authenticate(authorization); },
               now_ms),
      recordings_(store, config.key, config.data_dir,
                  [this](std::string_view authorization) { return sessions_.authenticate(authorization); },
                  now_ms),
      timeline_(store, config.key,
                [this](std::string_view authorization) { return sessions_.authenticate(authorization); },
                now_ms) {}

HttpResponse RestRouter::handle(const HttpRequest& request) {
  try {
    auto response = route(request);
    // Answers name organizers' conferences and invitation tokens: no shared caches.
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  } catch (const std::exception& e) {
    log::error("rest", "{} {} failed: {}", request.method, request.target.substr(0, 200), e.what());
    return problem(500, "internal error; see the server log");
  }
}

HttpResponse RestRouter::route(const HttpRequest& request) {
  std::string_view target = request.target;
  auto parts = segments(target.substr(0, target.find('?')));
  if (!parts || parts->empty()) return problem(404, "no such resource");
  const auto& method = request.method;
  const auto& head = (*parts)[0];

  if (head == "login" && parts->size() == 1) {
    if (method != "POST") return method_not_allowed("POST");
    return sessions_.login(request);
  }
  if (head == "logout" && parts->size() == 1) {
    if (method != "POST") return method_not_allowed("POST");
    return sessions_.logout(request);
  }
  // Recordings: the organizer's session, or an access token (press: published ones).
  if (head == "recordings") return recordings_.recording_routes(request, *parts);
  if (head != "conferences") return problem(404, "no such resource");
  if (parts->size() == 3 && ((*parts)[2] == "recording" || (*parts)[2] == "recordings")) {
    return recordings_.conference_routes(request, *parts);
  }

  // The one unauthenticated write: attendees sign themselves up.
  if (parts->size() == 3 && (*parts)[2] == "registrations" && method == "POST") {
    return invitations_.register_attendee(request, (*parts)[1]);
  }
  // The record: the organizer's session, or an access token (press once published).
  if (parts->size() == 3 && RecordResource::is_record_segment((*parts)[2])) {
    if (method != "GET") return method_not_allowed("GET");
    return records_.get(request, (*parts)[1], (*parts)[2]);
  }
  // The timeline from the start: the organizer's session, or a host's or the press's token.
  if (parts->size() == 3 && (*parts)[2] == "timeline") {
    if (method != "GET") return method_not_allowed("GET");
    return timeline_.get(request, (*parts)[1]);
  }
  auto organizer = sessions_.authenticate(request.authorization);
  if (!organizer) return organizer.failure();
  return conference_routes(request, *parts, *organizer);
}

HttpResponse RestRouter::conference_routes(const HttpRequest& request,
                                           const std::vector<std::string>& parts,
                                           std::int64_t organizer) {
  const auto& method = request.method;
  if (parts.size() == 1) {
    if (method == "POST") return conferences_.create(request, organizer);
    if (method == "GET") return conferences_.list(request, organizer);
    return method_not_allowed("GET, POST");
  }
  const auto& name = parts[1];
  if (parts.size() == 2) {
    if (method == "GET") return conferences_.get(name, organizer);
    if (method == "PATCH") return conferences_.patch(request, name, organizer);
    if (method == "DELETE") return conferences_.remove(name, organizer);
    return method_not_allowed("GET, PATCH, DELETE");
  }
  // Everything below a conference is its owner's only.
  auto conference = owned_conference(store_, name, organizer);
  if (!conference) return conference.failure();
  const auto& collection = parts[2];
  if (collection == "invitations" && parts.size() == 3) {
    if (method == "POST") return invitations_.invite(request, *conference);
    if (method == "GET") return invitations_.list_invitations(request, name);
    return method_not_allowed("GET, POST");
  }
  if (collection == "invitations" && parts.size() == 4) {
    if (method == "DELETE") return invitations_.revoke(name, parts[3]);
    return method_not_allowed("DELETE");
  }
  if (collection == "registrations" && parts.size() == 3) {
    if (method == "GET") return invitations_.list_registrations(request, name);
    return method_not_allowed("GET, POST");
  }
  if (collection == "participants" && parts.size() == 3) {
    if (method == "GET") return participants_.list(request, name);
    return method_not_allowed("GET");
  }
  if (collection == "participants" && parts.size() == 4) {
    if (method == "PATCH") return participants_.patch(request, name, parts[3]);
    if (method == "DELETE") return participants_.remove(name, parts[3]);
    return method_not_allowed("PATCH, DELETE");
  }
  if (collection == "export" && parts.size() == 3) {
    if (method == "GET") return participants_.talk(name);
    return method_not_allowed("GET");
  }
  return problem(404, "no such resource");
}

}  // namespace podium::api
