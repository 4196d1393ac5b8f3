#include "api/rest_invitations.h"

#include <algorithm>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/jwt.h"
#include "api/rest_http.h"

namespace podium::api {
namespace {

constexpr std::size_t kMaxDisplayName = 128;  // as auth.cc accepts in a token
constexpr std::size_t kMaxEmail = 254;        // RFC 5321 §4.5.3.1.3

bool is_display_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDisplayName) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Deliberately loose (RFC 5322 addresses are not worth parsing here): one "@" with
// something on both sides, no spaces or control characters.
bool is_email(std::string_view email) {
  auto at = email.find('@');
  if (email.size() > kMaxEmail || at == 0 || at == std::string_view::npos ||
      at + 1 == email.size() || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::none_of(email.begin(), email.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// A Host header may be anything a client typed; only a plain host[:port] goes into a link.
bool is_plain_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

nlohmann::json invitation_json(const store::Invitation& invitation) {
  nlohmann::json out = {{"id", invitation.token_id},
                        {"name", invitation.name},
                        {"role", invitation.role},
                        {"revoked", invitation.revoked}};
  if (invitation.email) out["email"] = *invitation.email;
  return out;
}

// One page of a list in the store's order: `limit` items after the one whose id is the
// cursor. key: the member the list goes under; path: the list's URL for the Link header.
HttpResponse page_of(const HttpRequest& request, const nlohmann::json& items, std::string_view key,
                     const std::string& path, int default_limit) {
  int limit = default_limit;
  if (auto text = query_parameter(request.target, "limit")) {
    if (text->empty() || text->size() > 4 || text->find_first_not_of("0123456789") != std::string::npos ||
        (limit = std::stoi(*text)) < 1 || limit > 1000) {
      return problem(400, "limit must be an integer from 1 to 1000");
    }
  }
  std::size_t first = 0;
  if (auto cursor = query_parameter(request.target, "cursor")) {
    auto it = std::find_if(items.begin(), items.end(), [&](const nlohmann::json& item) {
      const auto& id = item["id"];
      return (id.is_string() ? id.get<std::string>() : id.dump()) == *cursor;
    });
    if (it == items.end()) return problem(400, "invalid cursor");
    first = static_cast<std::size_t>(it - items.begin()) + 1;
  }
  nlohmann::json page = nlohmann::json::array();
  for (std::size_t i = first; i < items.size() && page.size() < static_cast<std::size_t>(limit); ++i) {
    page.push_back(items[i]);
  }
  nlohmann::json body = {{std::string(key), page}};
  std::optional<std::string> next;
  if (first + page.size() < items.size() && !page.empty()) {
    const auto& id = page.back()["id"];
    next = id.is_string() ? id.get<std::string>() : id.dump();
    body["next_cursor"] = *next;
  }
  auto response = json_response(200, body);
  if (next) {
    response.headers.emplace_back("Link", fmt::format("<{}?limit={}&cursor={}>; rel=\"next\"", path, limit, *next));
  }
  return response;
}

}  // namespace

InvitationResource::Issued InvitationResource::issue(const store::ConferenceRecord& conference,
                                                     std::string_view name, Role role,
                                                     std::string_view organization,
                                                     bool name_private) {
  auto now_s = now_ms_() / 1000;
  std::int64_t lifetime = std::chrono::seconds(kDefaultTokenLifetime).count();
  if (auto end = conference.document.find("end"); end != conference.document.end() && end->is_string()) {
    if (auto end_s = parse_rfc3339(end->get_ref<const std::string&>())) {
      lifetime = std::max<std::int64_t>(*end_s + 86400 - now_s, 86400);
    }
  }
  auto token = issue_access_token(links_.key, conference.name, name, role,
                                  std::chrono::seconds(lifetime), organization, name_private);
  // issue_access_token picks the random "sub"; read it back to key the invitation.
  auto claims = jwt_verify_hs256(token, links_.key, unix_now());
  if (!claims) throw std::runtime_error("a token just issued does not verify: " + claims.error());
  return {token, (*claims)["sub"].get<std::string>()};
}

std::string InvitationResource::link_for(const HttpRequest& request, std::string_view token) const {
  std::string base = links_.public_url;
  if (base.empty()) base = "http://" + (is_plain_host(request.host) ? request.host : "localhost");
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/app/?token={}", base, token);
}

HttpResponse InvitationResource::invite(const HttpRequest& request,
                                        const store::ConferenceRecord& conference) {
  auto body = parse_json_body(request);
  if (!body) return body.failure();
  auto name = body->value("name", nlohmann::json());
  auto role_text = body->value("role", nlohmann::json());
  auto email = body->value("email", nlohmann::json());
  auto organization = body->value("organization", nlohmann::json());
  auto name_private = body->value("private", nlohmann::json(false));
  for (const auto& [key, value] : body->items()) {
    if (key != "name" && key != "role" && key != "email" && key != "organization" &&
        key != "private") {
      return problem(422, fmt::format("unknown field '{}'", key.substr(0, 64)));
    }
  }
  if (!name.is_string() || !is_display_name(name.get_ref<const std::string&>())) {
    return problem(422, "\"name\": 1-128 characters, no control characters");
  }
  auto role = role_text.is_string() ? parse_role(role_text.get<std::string>()) : std::nullopt;
  if (!role || *role == Role::kOrganizer) {
    return problem(422, "\"role\" must be moderator, speaker, interpreter, attendee or press");
  }
  if (!email.is_null() && (!email.is_string() || !is_email(email.get_ref<const std::string&>()))) {
    return problem(422, "\"email\" is not an email address");
  }
  if (!organization.is_null() &&
      (!organization.is_string() || !is_display_name(organization.get_ref<const std::string&>()))) {
    return problem(422, "\"organization\": 1-128 characters, no control characters");
  }
  if (!name_private.is_boolean()) return problem(422, "\"private\" must be true or false");

  auto issued = issue(conference, name.get<std::string>(), *role,
                      organization.is_string() ? organization.get<std::string>() : std::string(),
                      name_private.get<bool>());
  store::InvitationDraft draft{conference.name, std::string(role_name(*role)), name.get<std::string>(),
                               email.is_string() ? std::optional(email.get<std::string>()) : std::nullopt,
                               issued.id};
  auto invitation = store_.create_invitation(draft);
  if (!invitation) return store_problem(invitation.failure());
  auto out = invitation_json(*invitation);
  out["token"] = issued.token;
  out["link"] = link_for(request, issued.token);
  // Carried by the token only (the list does not show them).
  if (organization.is_string()) out["organization"] = organization;
  if (name_private.get<bool>()) out["private"] = true;
  auto response = json_response(201, out);
  response.headers.emplace_back(
      "Location", fmt::format("/api/v1/conferences/{}/invitations/{}", conference.name, issued.id));
  return response;
}

HttpResponse InvitationResource::list_invitations(const HttpRequest& request, std::string_view conference) {
  auto invitations = store_.list_invitations(conference);
  if (!invitations) return store_problem(invitations.failure());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& invitation : *invitations) items.push_back(invitation_json(invitation));
  return page_of(request, items, "invitations",
                 fmt::format("/api/v1/conferences/{}/invitations", conference), kDefaultListLimit);
}

HttpResponse InvitationResource::revoke(std::string_view conference, std::string_view id) {
  auto revoked = store_.revoke_invitation(conference, id);
  if (!revoked) {
    if (revoked.code() == store::StoreErrc::kNotFound) return problem(404, "no such invitation");
    return store_problem(revoked.failure());
  }
  return {204, "", "", {}};
}

HttpResponse InvitationResource::register_attendee(const HttpRequest& request,
                                                   std::string_view name) {
  // Checked before the body so that a closed or unknown conference costs nothing more.
  auto conference = is_valid_conference_name(name) ? store_.get_conference(name)
                                                   : store::StoreResult<store::ConferenceRecord>(
                                                         store::StoreError{store::StoreErrc::kNotFound, ""});
  if (!conference) {
    if (conference.code() == store::StoreErrc::kNotFound) return problem(404, "no such conference");
    return store_problem(conference.failure());
  }
  const auto& settings = conference->document.value("settings", nlohmann::json::object());
  if (settings.value("registration", "closed") != "open") {
    return problem(403, "registration for this conference is closed");
  }
  auto body = parse_json_body(request);
  if (!body) return body.failure();
  for (const auto& [key, value] : body->items()) {
    if (key != "name" && key != "email") {
      return problem(422, fmt::format("unknown field '{}'", key.substr(0, 64)));
    }
  }
  auto person = body->value("name", nlohmann::json());
  auto email = body->value("email", nlohmann::json());
  if (!person.is_string() || !is_display_name(person.get_ref<const std::string&>())) {
    return problem(422, "\"name\": 1-128 characters, no control characters");
  }
  if (!email.is_string() || !is_email(email.get_ref<const std::string&>())) {
    return problem(422, "\"email\" is required and must be an email address");
  }
  auto registration =
      store_.create_registration(name, person.get<std::string>(), email.get<std::string>());
  if (!registration) {
    if (registration.code() == store::StoreErrc::kAlreadyExists) {
      return problem(409, "this email is already registered for the conference");
    }
    return store_problem(registration.failure());
  }
  auto issued = issue(*conference, person.get<std::string>(), Role::kAttendee);
  auto response = json_response(201, {{"id", registration->id},
                                      {"name", registration->name},
                                      {"email", registration->email},
                                      {"token", issued.token},
                                      {"link", link_for(request, issued.token)}});
  return response;
}

HttpResponse InvitationResource::list_registrations(const HttpRequest& request, std::string_view conference) {
  auto registrations = store_.list_registrations(conference);
  if (!registrations) return store_problem(registrations.failure());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : *registrations) {
    items.push_back({{"id", r.id}, {"name", r.name}, {"email", r.email}});
  }
  return page_of(request, items, "registrations",
                 fmt::format("/api/v1/conferences/{}/registrations", conference), kDefaultListLimit);
}

}  // namespace podium::api
