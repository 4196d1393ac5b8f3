// /api/v1: the organizer REST API (docs/api.md, docs/openapi.yaml). Runs on the control
// thread, which is also the only thread that uses the store.
//
//   RestRouter rest(store, {.key = key});
//   HttpResponse response = rest.handle(request);   // request.target starts with /api/v1
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "api/http_router.h"
#include "api/password.h"
#include "api/rest_accounts.h"
#include "api/rest_conferences.h"
#include "api/rest_invitations.h"
#include "api/rest_participants.h"
#include "api/rest_record.h"
#include "api/rest_recordings.h"
#include "api/rest_timeline.h"
#include "store/store.h"

namespace podium::api {

struct RestConfig {
  std::vector<std::uint8_t> key;  // signs the access tokens in join links
  std::string public_url;         // base of join links; empty: from the Host header
  PasswordCost password_cost;
  std::filesystem::path data_dir;  // recordings are relative to it (the record's ZIP)
};

class RestRouter {
 public:
  RestRouter(store::Store& store, RestConfig config, WallClock now_ms = system_wall_clock());

  // Never throws for anything a client sends; errors are RFC 9457 problem details.
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse route(const HttpRequest& request);
  HttpResponse conference_routes(const HttpRequest& request, const std::vector<std::string>& parts,
                                 std::int64_t organizer);

  store::Store& store_;
  OrganizerSessions sessions_;
  ConferenceResource conferences_;
  InvitationResource invitations_;
  RecordResource records_;
  RecordingResource recordings_;
  TimelineResource timeline_;
  ParticipantResource participants_;

 public:
  // Recording start/stop needs the running conference (set by the server).
  RecordingResource& recordings() { return recordings_; }
  // The people of running conferences live in the signaling hub (set by the server).
  ParticipantResource& participants() { return participants_; }
};

}  // namespace podium::api
