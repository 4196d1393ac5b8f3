#include "api/rest_participants.h"

#include <string>

#include <fmt/format.h>

#include "api/rest_http.h"
#include "util/log.h"

namespace podium::api {
namespace {

using nlohmann::json;

HttpResponse not_running() { return problem(503, "this server runs no signaling; nobody can be in the conference"); }

// The participant in the list, or null.
const json* find(const json& list, std::string_view id) {
  for (const auto& p : list) {
    if (p.value("id", "") == id) return &p;
  }
  return nullptr;
}

bool is_participant_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
             std::string_view::npos;
}

}  // namespace

HttpResponse ParticipantResource::list(const HttpRequest& request, std::string_view conference) {
  if (!control_.list) return not_running();
  int limit = kDefaultLimit;
  if (auto text = query_parameter(request.target, "limit")) {
    if (text->empty() || text->size() > 4 || text->find_first_not_of("0123456789") != std::string_view::npos ||
        (limit = std::stoi(std::string(*text))) < 1 || limit > kMaxLimit) {
      return problem(400, fmt::format("limit must be an integer from 1 to {}", kMaxLimit));
    }
  }
  std::string cursor;
  if (auto text = query_parameter(request.target, "cursor")) {
    if (!is_participant_id(*text)) return problem(400, "invalid cursor");
    cursor = std::string(*text);
  }
  auto all = control_.list(conference);
  if (!all) {
    log::error("rest", "participants of {}: {}", conference, all.error());
    return problem(500, "the conference could not be loaded; see the server log");
  }
  // The list is in id order; the cursor is the last id of the page before.
  json page = json::array();
  std::optional<std::string> next;
  for (const auto& p : *all) {
    std::string id = p.value("id", "");
    if (!cursor.empty() && id <= cursor) continue;
    if (static_cast<int>(page.size()) == limit) {
      next = page.back().value("id", "");
      break;
    }
    page.push_back(p);
  }
  json body = {{"participants", std::move(page)}};
  if (next) body["next_cursor"] = *next;
  auto response = json_response(200, body);
  if (next) {
    response.headers.emplace_back(
        "Link", fmt::format("</api/v1/conferences/{}/participants?limit={}&cursor={}>; rel=\"next\"",
                            conference, limit, *next));
  }
  return response;
}

HttpResponse ParticipantResource::patch(const HttpRequest& request, std::string_view conference,
                                        const std::string& id) {
  if (!control_.list || !control_.change_role) return not_running();
  auto body = parse_json_body(request);
  if (!body) return body.failure();
  for (const auto& [key, value] : body->items()) {
    (void)value;
    if (key != "role") return problem(422, fmt::format("unknown field \"{}\"; only \"role\" can change", key));
  }
  auto role_field = body->find("role");
  if (role_field == body->end() || !role_field->is_string()) {
    return problem(422, "\"role\" must be one of organizer, moderator, speaker, interpreter, attendee, press");
  }
  auto role = parse_role(role_field->get<std::string>());
  if (!role) {
    return problem(422, "\"role\" must be one of organizer, moderator, speaker, interpreter, attendee, press");
  }
  if (!is_participant_id(id)) return problem(404, "no such participant");
  auto all = control_.list(conference);
  if (!all) return problem(500, "the conference could not be loaded; see the server log");
  if (!find(*all, id)) return problem(404, "no such participant");
  auto changed = control_.change_role(conference, id, *role);
  if (!changed) return problem(409, changed.error());
  auto after = control_.list(conference);
  const json* p = after ? find(*after, id) : nullptr;
  if (!p) return problem(500, "the conference could not be loaded; see the server log");
  return json_response(200, *p);
}

HttpResponse ParticipantResource::remove(std::string_view conference, const std::string& id) {
  if (!control_.list || !control_.remove) return not_running();
  if (!is_participant_id(id)) return problem(404, "no such participant");
  auto all = control_.list(conference);
  if (!all) return problem(500, "the conference could not be loaded; see the server log");
  if (!find(*all, id)) return problem(404, "no such participant");
  if (!control_.remove(conference, id)) {
    return problem(409, fmt::format("{} is not in the conference now", id));
  }
  return {204, "", "", {}};
}

HttpResponse ParticipantResource::talk(std::string_view conference) {
  if (!control_.talk) return not_running();
  auto talk = control_.talk(conference);
  if (!talk) {
    log::error("rest", "export of {}: {}", conference, talk.error());
    return problem(500, "the conference could not be loaded; see the server log");
  }
  return json_response(200, *talk);
}

}  // namespace podium::api
