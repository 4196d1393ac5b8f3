// WHIP (RFC 9725) and WHEP sessions: a participant that publishes or plays over plain
// HTTP, one offer and one answer, and a resource URL to delete it. The rest of the hub
// is in signaling_hub.cc.
#include "api/signaling_hub.h"

#include <openssl/rand.h>

#include <fmt/format.h>

#include "util/log.h"

namespace podium::api {
namespace {

constexpr std::string_view kLog = "api";

std::string_view ingest_path(HttpIngest ingest) {
  return ingest == HttpIngest::kWhip ? "whip" : "whep";
}

// 128 random bits: a WHIP/WHEP resource URL is the capability to delete the session.
std::string new_resource_id() {
  std::uint8_t bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return to_hex(bytes);
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size()) return {};
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    // RFC 9110 §11.1: the auth scheme is case-insensitive.
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i]))) {
      return {};
    }
  }
  auto token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace

void SignalingHub::create_http_session(HttpIngest ingest, std::string_view conference,
                                       std::string_view authorization,
                                       std::string_view content_type, std::string sdp,
                                       std::function<void(HttpReply)> done, std::string language) {
  auto jwt = bearer_token(authorization);
  if (jwt.empty()) return done(json_error_reply(401, "missing bearer token"));
  auto token = check_token(jwt);
  if (!token) {
    log::info(kLog, "{} refused: {}", ingest_path(ingest), token.error());
    return done(json_error_reply(401, token.error()));
  }
  if (token->conference != conference) {
    return done(json_error_reply(403, fmt::format("token is for conference '{}'", token->conference)));
  }
  if (ingest == HttpIngest::kWhip && !may_publish(token->role)) {
    return done(json_error_reply(
        403, fmt::format("role '{}' may not publish", role_name(token->role))));
  }
  // RFC 9725 §4.2: the offer is carried as application/sdp.
  auto media_type = content_type.substr(0, content_type.find(';'));
  while (!media_type.empty() && media_type.back() == ' ') media_type.remove_suffix(1);
  if (media_type != "application/sdp") {
    return done(json_error_reply(415, "Content-Type must be application/sdp"));
  }
  if (sdp.empty()) return done(json_error_reply(400, "empty SDP offer"));

  Participant candidate;
  candidate.conference = token->conference;
  candidate.name = token->name;
  candidate.role = token->role;
  candidate.attachment = ingest == HttpIngest::kWhip ? Attachment::kWhip : Attachment::kWhep;
  if (auto domain = service_.live(token->conference); !domain) {
    return done(json_error_reply(500, domain.error()));
  }
  registry_.reserve_ids_through(service_.highest_participant_number(token->conference));
  std::string id = registry_.add_participant(std::move(candidate)).id;
  if (ingest == HttpIngest::kWhip) {
    // A WHIP publisher is a participant of the conference like any other.
    auto joined = service_.join(token->conference, id, {}, token->name, token->role,
                                token->organization, token->name_private);
    if (!joined) {
      registry_.remove_participant(id);
      return done(json_error_reply(403, joined.error()));
    }
    // The conference decides, as for any joiner: with the lobby on it waits (not
    // announced, its media forwarded to nobody) until a moderator admits it.
    auto* registered = registry_.find_participant(id);
    registered->role = current_role(*registered);
    registered->admitted = permissions_of(*registered).subscribe;
    deliver(token->conference, *joined);
  }
  auto* participant = registry_.find_participant(id);
  participant->session = media_.open_session({participant->conference, id, participant->name,
                                              ingest == HttpIngest::kWhip});
  service_.reapply_media(participant->conference, id);
  auto resource = new_resource_id();
  http_sessions_[resource] = {ingest, participant->conference, id};

  sfu::NegotiateRequest request;
  request.sdp_offer = std::move(sdp);
  request.stage = ingest == HttpIngest::kWhep;
  if (request.stage) request.language = std::move(language);
  auto session = participant->session;
  media_.negotiate(session, std::move(request),
                   [this, post = post_, resource, session,
                    done = std::move(done)](sfu::NegotiateResult result) mutable {
                     post([this, resource = std::move(resource), session, done = std::move(done),
                           result = std::move(result)]() mutable {
                       finish_http_session(resource, session, std::move(result), done);
                     });
                   });
}

void SignalingHub::finish_http_session(const std::string& resource, sfu::SessionId session,
                                       sfu::NegotiateResult result,
                                       const std::function<void(HttpReply)>& done) {
  auto it = http_sessions_.find(resource);
  auto* participant = it == http_sessions_.end() ? nullptr
                                                 : registry_.find_participant(it->second.participant_id);
  if (!participant || participant->session != session) {
    return done(json_error_reply(404, "session closed during negotiation"));
  }
  auto ingest = it->second.ingest;
  if (!result.ok) {
    log::info(kLog, "{} offer failed ({}): {}", ingest_path(ingest), result.status, result.error);
    // Never announced, so nobody needs to hear that it is gone.
    media_.close_session(session);
    auto conference = participant->conference;
    auto gone = participant->id;
    registry_.remove_participant(gone);
    http_sessions_.erase(it);
    deliver(conference, service_.leave(conference, gone));
    int status = result.status >= 400 && result.status <= 599 ? result.status : 500;
    return done(json_error_reply(status, result.error.empty() ? "negotiation failed" : result.error));
  }
  Participant self = *participant;
  if (self.listed() && self.admitted) {
    broadcast(self.conference, self.id, participant_joined_message(view_of(self)), false,
              in_audience(self.role));
  }
  apply_negotiation(self, result);
  log::info(kLog, "{} session {} created for {} ({}, {}) in {}", ingest_path(ingest), resource,
            self.id, self.name, role_name(self.role), self.conference);
  HttpReply reply;
  reply.status = 201;
  reply.content_type = "application/sdp";
  reply.body = std::move(result.sdp_answer);
  reply.location = fmt::format("/{}/{}/{}", ingest_path(ingest), self.conference, resource);
  done(std::move(reply));
}

HttpReply SignalingHub::delete_http_session(HttpIngest ingest, std::string_view conference,
                                            std::string_view resource) {
  auto it = http_sessions_.find(resource);
  if (it == http_sessions_.end() || it->second.ingest != ingest ||
      it->second.conference != conference) {
    return json_error_reply(404, "no such session");
  }
  auto participant_id = it->second.participant_id;
  http_sessions_.erase(it);
  remove_participant(participant_id, "deleted");
  log::info(kLog, "{} session {} deleted", ingest_path(ingest), resource);
  HttpReply reply;
  reply.status = 200;
  reply.body = R"({"ok":true})";
  return reply;
}

}  // namespace podium::api
