// Personal join links: invitations an organizer hands out (one person, one role) and the
// public registration of attendees when a conference opens it.
//
// A link is BASE/?token=<access token>. The token's "sub" is the invitation id the store
// keeps, so the invitation can be listed and revoked; a revoked id must be refused when
// the token is used to join (signaling and WHIP/WHEP check the store).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/http_router.h"
#include "api/rest_accounts.h"
#include "store/store.h"

namespace podium::api {

struct JoinLinks {
  std::vector<std::uint8_t> key;  // the server key that signs access tokens
  // "https://podium.example.org": the base of join links. Empty: http:// and the
  // request's Host header.
  std::string public_url;
};

class InvitationResource {
 public:
  // Without an end time a token lasts this long; with one, until a day after the end.
  static constexpr std::chrono::hours kDefaultTokenLifetime{30 * 24};

  InvitationResource(store::Store& store, JoinLinks links, WallClock now_ms)
      : store_(store), links_(std::move(links)), now_ms_(std::move(now_ms)) {}

  // POST /api/v1/conferences/{name}/invitations {name, role, email?}
  HttpResponse invite(const HttpRequest& request, const store::ConferenceRecord& conference);
  // Lists page with ?limit=N (1-1000, default 1000) and ?cursor= the last id of the page
  // before; more to come: next_cursor and a Link rel="next" (docs/api.md).
  static constexpr int kDefaultListLimit = 1000;
  HttpResponse list_invitations(const HttpRequest& request, std::string_view conference);
  HttpResponse revoke(std::string_view conference, std::string_view id);

  // POST /api/v1/conferences/{name}/registrations {name, email}: no login needed.
  HttpResponse register_attendee(const HttpRequest& request, std::string_view conference);
  HttpResponse list_registrations(const HttpRequest& request, std::string_view conference);

 private:
  struct Issued {
    std::string token;
    std::string id;
  };
  // organization / name_private: carried in the token (docs/record.md "Personal data").
  Issued issue(const store::ConferenceRecord& conference, std::string_view name, Role role,
               std::string_view organization = {}, bool name_private = false);
  std::string link_for(const HttpRequest& request, std::string_view token) const;

  store::Store& store_;
  JoinLinks links_;
  WallClock now_ms_;
};

}  // namespace podium::api
