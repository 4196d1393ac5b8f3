#include "api/signaling_hub.h"

#include "sfu/layer_selection.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/log.h"

namespace podium::api {
namespace {

constexpr std::string_view kLog = "api";
// A recvonly m-section subscribed to "lang:<code>" receives that booth's live interpreter,
// one subscribed to "program:<code>" the language's mixed program (docs/interpretation.md).
constexpr std::string_view kLanguageChannelPrefix = "lang:";
constexpr std::string_view kProgramPrefix = "program:";

std::string_view attachment_name(Attachment attachment) {
  switch (attachment) {
    case Attachment::kWebSocket: return "websocket";
    case Attachment::kWhip: return "whip";
    case Attachment::kWhep: return "whep";
  }
  return "?";
}

}  // namespace

ParticipantView view_of(const Participant& p) {
  return {p.id, p.name, std::string(role_name(p.role))};
}

TrackView view_of(const Track& t) { return {t.id, t.participant, t.kind}; }

HttpReply json_error_reply(int status, std::string_view message) {
  HttpReply reply;
  reply.status = status;
  reply.body = nlohmann::json{{"error", std::string(message)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

SignalingHub::SignalingHub(sfu::MediaServer& media, std::vector<std::uint8_t> key, Post post,
                           store::Store* store)
    : media_(media),
      key_(std::move(key)),
      post_(std::move(post)),
      store_(store),
      service_(media, store, post_) {
  service_.on_durable = [this](std::uint64_t durable) { release(durable); };
  service_.on_publish_right = [this](std::string_view, const std::string& participant_id,
                                     bool may_publish) {
    // A WHIP session negotiates once, so it keeps its tracks; whether they reach anyone
    // is the router's send permission (paused in the lobby, without the floor, demoted).
    if (auto* participant = registry_.find_participant(participant_id);
        participant && participant->session != 0 && participant->attachment != Attachment::kWhip)
      media_.set_may_publish(participant->session, may_publish);
  };
}

Result<AccessToken> SignalingHub::check_token(std::string_view jwt) {
  auto token = verify_access_token(jwt, key_, unix_now());
  if (!token || !store_) return token;
  // Tokens signed from the command line have no invitation; only a revoked one is refused.
  auto invitation = store_->find_invitation(token->subject);
  if (invitation && invitation->revoked) return Error{"the invitation of this token was revoked"};
  if (invitation && invitation->conference != token->conference) {
    return Error{"token does not match its invitation"};
  }
  return token;
}

void SignalingHub::deliver(std::string_view conference, const conference::Events& events) {
  if (events.empty()) return;
  auto members = registry_.participants(conference);
  std::vector<std::string> changed;  // whose role or admission the events changed
  for (const auto& event : events) {
    auto text = std::make_shared<const std::string>(event_message(named(conference, event)));
    // Someone arriving or leaving: others may hear of it in the next batch, and a member
    // of the audience only if that someone is on the panel.
    std::string_view arrived_or_left;
    if (const auto* joined = std::get_if<conference::ParticipantJoined>(&event.body))
      arrived_or_left = joined->participant;
    else if (const auto* left = std::get_if<conference::ParticipantLeft>(&event.body))
      arrived_or_left = left->participant;
    std::string_view subject = arrived_or_left;
    if (const auto* admitted = std::get_if<conference::ParticipantAdmitted>(&event.body))
      subject = admitted->participant;
    const bool about_audience = !subject.empty() && audience_member(conference, subject);
    for (const auto* p : members) {
      if (about_audience && p->id != subject && in_audience(p->role)) continue;
      if (!service_.may_see(conference, p->id, event)) continue;
      auto it = peers_.find(p->id);
      if (it == peers_.end()) continue;
      auto peer = it->second.lock();
      if (!peer) continue;
      if (!arrived_or_left.empty() && p->id != arrived_or_left) {
        defer(peer, text);
      } else {
        send(*peer, *text);
      }
    }
    if (const auto* role = std::get_if<conference::RoleChanged>(&event.body)) {
      changed.push_back(role->participant);
    } else if (const auto* admitted = std::get_if<conference::ParticipantAdmitted>(&event.body)) {
      changed.push_back(admitted->participant);
    } else if (const auto* rejected = std::get_if<conference::ParticipantRejected>(&event.body)) {
      changed.push_back(rejected->participant);
    }
  }
  for (const auto& id : changed) refresh_participant(conference, id);
}

bool SignalingHub::audience_member(std::string_view conference, std::string_view participant_id) {
  const auto* domain = service_.find(conference);
  if (const auto* p = domain ? domain->participant(std::string(participant_id)) : nullptr)
    return in_audience(api_role(p->role));
  const auto* participant = registry_.find_participant(participant_id);  // a WHEP viewer
  return participant && in_audience(participant->role);
}

nlohmann::json SignalingHub::named(std::string_view conference, const conference::Event& event) {
  auto json = conference::to_json(event);
  // Who wrote, asked or changed role, by name: the audience does not know one another.
  std::string_view who;
  if (const auto* chat = std::get_if<conference::ChatMessageSent>(&event.body)) who = chat->from;
  else if (const auto* question = std::get_if<conference::QuestionAsked>(&event.body)) who = question->author;
  else if (const auto* role = std::get_if<conference::RoleChanged>(&event.body)) who = role->participant;
  if (who.empty()) return json;
  const auto* domain = service_.find(conference);
  if (const auto* p = domain ? domain->participant(std::string(who)) : nullptr) json["name"] = p->name;
  return json;
}

bool SignalingHub::announced(const Track& track) {
  const auto* participant = registry_.find_participant(track.participant);
  // A WHIP publisher waiting in the lobby has tracks nobody may hear of yet.
  return !participant || (participant->admitted && current_role(*participant) != Role::kInterpreter);
}

Role SignalingHub::current_role(const Participant& participant) {
  const auto* domain = service_.find(participant.conference);
  const auto* p = domain ? domain->participant(participant.id) : nullptr;
  return p ? api_role(p->role) : participant.role;  // WHEP viewers are not in the domain
}

Permissions SignalingHub::permissions_of(const Participant& participant) {
  const auto* domain = service_.find(participant.conference);
  const auto* p = domain ? domain->participant(participant.id) : nullptr;
  bool in = p ? p->presence == conference::Presence::present : participant.admitted;
  return {.publish = in && may_publish(current_role(participant)), .subscribe = in};
}

void SignalingHub::send_permissions(SignalingPeer& peer, const Participant& participant) {
  auto permissions = permissions_of(participant);
  std::string role(role_name(current_role(participant)));
  if (peer.permissions_sent == permissions && peer.role_sent == role) return;
  peer.permissions_sent = permissions;
  peer.role_sent = role;
  send(peer, permissions_message(role, permissions));
}

void SignalingHub::refresh_participant(std::string_view conference, const std::string& participant_id) {
  auto* participant = registry_.find_participant(participant_id);
  const auto* domain = service_.find(conference);
  const auto* p = domain ? domain->participant(participant_id) : nullptr;
  if (!participant || participant->conference != conference || !p) return;
  const Role before = participant->role;
  participant->role = api_role(p->role);
  if (participant->admitted && participant->listed() && in_audience(before) != in_audience(participant->role)) {
    // Onto the panel: it and the audience meet. Back into the audience: it leaves the
    // audience's view (and forgets the audience itself, docs/protocol.md "The audience").
    const bool joins_panel = in_audience(before);
    auto it = peers_.find(participant_id);
    auto self_peer = it == peers_.end() ? nullptr : it->second.lock();
    for (const auto* other : registry_.participants(conference)) {
      if (other->id == participant_id || !other->admitted || !in_audience(other->role)) continue;
      if (joins_panel && self_peer) defer(self_peer, std::make_shared<const std::string>(
                                                         participant_joined_message(view_of(*other))));
      auto other_it = peers_.find(other->id);
      auto peer = other_it == peers_.end() ? nullptr : other_it->second.lock();
      if (!peer) continue;
      send(*peer, joins_panel ? participant_joined_message(view_of(*participant))
                              : participant_left_message(participant_id));
    }
  }
  auto it = peers_.find(participant_id);
  auto peer = it == peers_.end() ? nullptr : it->second.lock();
  if (p->presence == conference::Presence::rejected) {
    // It was told (participant_rejected); there is nothing left for it here.
    if (peer) {
      peer->participant_id.clear();
      close(*peer);
    }
    remove_participant(participant_id, "rejected");
    return;
  }
  if (p->presence == conference::Presence::present && !participant->admitted) {
    // Out of the lobby: from now on it is one of the others, and it learns who and what
    // is there, as a welcome would have told it.
    participant->admitted = true;
    Participant self = *participant;
    const bool audience = in_audience(self.role);
    broadcast(conference, self.id, participant_joined_message(view_of(self)), false, audience);
    if (peer) {
      for (const auto* other : registry_.participants(conference)) {
        if (other->id != self.id && other->admitted && !(audience && in_audience(other->role))) {
          send(*peer, participant_joined_message(view_of(*other)));
        }
      }
      for (const auto& t : registry_.tracks(conference)) {
        if (announced(t) && t.participant != self.id) send(*peer, track_published_message(view_of(t)));
      }
    }
    // Its own tracks (a WHIP publisher sends from the start): now the room hears of them.
    for (const auto& t : registry_.tracks(conference)) {
      if (t.participant == self.id && announced(t)) {
        broadcast(conference, self.id, track_published_message(view_of(t)));
      }
    }
  }
  if (peer) send_permissions(*peer, *participant);
}

void SignalingHub::tick() {
  for (const auto& [conference, events] : service_.tick()) deliver(conference, events);
  auto deferring = std::move(deferring_);
  deferring_.clear();
  for (const auto& weak : deferring)
    if (auto peer = weak.lock()) flush_deferred(*peer);
  last_batch_.clear();  // the news it holds need not outlive the tick
  if (++ticks_ % kAudienceTicks == 0) announce_audience();
}

void SignalingHub::announce_audience() {
  for (auto it = audience_told_.begin(); it != audience_told_.end();) {
    const auto& [conference, told] = *it;
    if (!registry_.contains(conference)) {
      it = audience_told_.erase(it);
      continue;
    }
    auto count = registry_.audience_count(conference);
    if (count != told) {
      it->second = count;
      broadcast(conference, {}, audience_message(count));
    }
    ++it;
  }
}

bool SignalingHub::handle_command(SignalingPeer& peer, const CommandMessage& command) {
  auto* participant = registry_.find_participant(peer.participant_id);
  if (!participant) {
    send(peer, result_message(command.id, false, "join first"));
    return false;
  }
  auto conference = participant->conference;
  auto outcome = service_.command(conference, participant->id, command.message);
  if (!outcome) {
    log::debug(kLog, "{}: {} refused: {}", participant->id,
               command.message.value("command", std::string()), outcome.error());
    send(peer, result_message(command.id, false, outcome.error()));
    return false;
  }
  send(peer, result_message(command.id, true));
  deliver(conference, *outcome);
  return true;
}

SignalingHub::~SignalingHub() = default;

void SignalingHub::on_message(const std::shared_ptr<SignalingPeer>& peer, std::string_view text) {
  connections_[peer.get()] = peer;  // a new connection may reuse a closed one's address
  bool ok = false;
  try {
    ok = dispatch(peer, text);
  } catch (const std::exception& e) {
    log::error(kLog, "signaling message failed: {}", e.what());
    send_error(*peer, ErrorCode::kInternal, e.what());
  }
  if (ok) ++messages_ok_;
}

bool SignalingHub::dispatch(const std::shared_ptr<SignalingPeer>& peer, std::string_view text) {
  auto message = parse_client_message(text);
  if (!message) {
    log::info(kLog, "bad signaling message from {}: {}",
              peer->participant_id.empty() ? "unjoined peer" : peer->participant_id,
              message.error());
    send_error(*peer, ErrorCode::kBadRequest, message.error());
    return false;
  }
  if (auto* join = std::get_if<JoinMessage>(&*message)) return handle_join(peer, *join);
  if (auto* offer = std::get_if<OfferMessage>(&*message)) {
    return handle_offer(peer, std::move(*offer));
  }
  if (auto* command = std::get_if<CommandMessage>(&*message)) return handle_command(*peer, *command);
  if (std::holds_alternative<PingMessage>(*message)) {
    send(*peer, pong_message());
    return true;
  }
  if (auto* size = std::get_if<VideoSizeMessage>(&*message)) return handle_video_size(*peer, *size);
  // leave
  if (!peer->participant_id.empty()) remove_participant(peer->participant_id, "left");
  peer->participant_id.clear();
  close(*peer);
  return true;
}

// A thumbnail gets the low simulcast stream, the stage the high one (RFC 8853 leaves the
// choice to the SFU; the client says what it shows).
bool SignalingHub::handle_video_size(SignalingPeer& peer, const VideoSizeMessage& size) {
  const auto* participant = registry_.find_participant(peer.participant_id);
  if (!participant) {
    send_error(peer, ErrorCode::kBadRequest, "join first");
    return false;
  }
  if (participant->session != 0) media_.set_rendered_height(participant->session, size.mid, size.height);
  return true;
}

bool SignalingHub::handle_join(const std::shared_ptr<SignalingPeer>& peer,
                               const JoinMessage& join) {
  if (!peer->participant_id.empty()) {
    send_error(*peer, ErrorCode::kBadRequest, "already joined");
    return false;
  }
  std::string_view jwt = join.token ? std::string_view(*join.token) : peer->query_token;
  if (jwt.empty()) {
    send_error(*peer, ErrorCode::kUnauthorized, "no token: pass ?token= or join.token");
    close(*peer);
    return false;
  }
  auto token = check_token(jwt);
  if (!token) {
    log::info(kLog, "join refused: {}", token.error());
    send_error(*peer, ErrorCode::kUnauthorized, token.error());
    close(*peer);
    return false;
  }
  if (auto domain = service_.live(token->conference); !domain) {
    send_error(*peer, ErrorCode::kInternal, domain.error());
    close(*peer);
    return false;
  }
  registry_.reserve_ids_through(service_.highest_participant_number(token->conference));

  Participant candidate;
  // The same invitation is the same participant to the conference, across reconnects
  // and restarts, unless that participant is connected right now (a second tab).
  if (auto known = service_.known_participant(token->conference, token->subject);
      known && !registry_.find_participant(*known)) {
    candidate.id = *known;
  }
  candidate.conference = token->conference;
  candidate.name = token->name;
  candidate.role = token->role;
  candidate.attachment = Attachment::kWebSocket;
  // Copy: later additions to the conference may move the registry's element.
  Participant self = registry_.add_participant(std::move(candidate));
  auto joined = service_.join(self.conference, self.id, token->subject, self.name, self.role,
                              token->organization, token->name_private);
  if (!joined) {
    registry_.remove_participant(self.id);
    log::info(kLog, "join of {} refused by {}: {}", self.name, self.conference, joined.error());
    send_error(*peer, ErrorCode::kForbidden, joined.error());
    close(*peer);
    return false;
  }
  // The conference decides: a returning participant keeps the role it was last given,
  // and one waiting in the lobby gets no media (no session, no tracks, not announced).
  auto* registered = registry_.find_participant(self.id);
  registered->role = current_role(*registered);
  auto permissions = permissions_of(*registered);
  registered->admitted = permissions.subscribe;
  if (registered->admitted) {
    registered->session = media_.open_session(
        {registered->conference, registered->id, registered->name, permissions.publish});
  }
  self = *registered;
  service_.reapply_media(self.conference, self.id);
  peer->participant_id = self.id;
  peer->accepts_batch = join.batch;
  peers_[self.id] = peer;

  std::vector<ParticipantView> others;
  std::vector<TrackView> tracks;
  const bool audience = in_audience(self.role);
  if (self.admitted) {
    for (const auto* p : registry_.participants(self.conference)) {
      if (p->id != self.id && p->admitted && !(audience && in_audience(p->role)))
        others.push_back(view_of(*p));
    }
    for (const auto& t : registry_.tracks(self.conference)) {
      if (announced(t)) tracks.push_back(view_of(t));
    }
  }
  audience_told_.try_emplace(self.conference, 0);
  send(*peer, welcome_message(view_of(self), self.conference, permissions, others, tracks,
                             service_.state_for(self.conference, self.id),
                             self.admitted ? registry_.audience_count(self.conference) : 0));
  peer->permissions_sent = permissions;
  peer->role_sent = role_name(self.role);
  if (self.admitted)
    broadcast(self.conference, self.id, participant_joined_message(view_of(self)), /*presence=*/true,
              audience);
  deliver(self.conference, *joined);
  log::info(kLog, "participant {} ({}, {}) joined {} via websocket", self.id, self.name,
            role_name(self.role), self.conference);
  return true;
}

bool SignalingHub::handle_offer(const std::shared_ptr<SignalingPeer>& peer, OfferMessage offer) {
  auto* participant = registry_.find_participant(peer->participant_id);
  if (!participant) {
    send_error(*peer, ErrorCode::kBadRequest, "join first");
    return false;
  }
  if (peer->offer_pending) {
    send_error(*peer, ErrorCode::kBadRequest, "previous offer not answered yet");
    return false;
  }
  if (!participant->admitted) {
    send_error(*peer, ErrorCode::kForbidden,
               "waiting in the lobby: no media until a moderator admits you");
    return false;
  }
  // Only tracks of the participant's own conference may be received. A track that is
  // not (or no longer) there is dropped from the request, so its m-section is answered
  // inactive: a subscription racing a track-removed event must not fail the offer.
  std::erase_if(offer.subscriptions, [&](const auto& entry) {
    // A language channel "lang:<code>" or program "program:<code>": the conference's languages.
    const bool channel = entry.second.starts_with(kLanguageChannelPrefix);
    if (channel || entry.second.starts_with(kProgramPrefix)) {
      const auto* domain = service_.find(participant->conference);
      const auto language =
          entry.second.substr((channel ? kLanguageChannelPrefix : kProgramPrefix).size());
      if (domain && std::find(domain->info().languages.begin(), domain->info().languages.end(),
                              language) != domain->info().languages.end()) {
        return false;
      }
    } else if (const auto* track = registry_.find_track(participant->conference, entry.second)) {
      // Interpreters are heard through their booth's channel only, never directly.
      if (announced(*track)) return false;
    }
    log::debug(kLog, "{}: subscription '{}' names no track '{}' here; answered inactive",
               participant->id, entry.first, entry.second);
    return true;
  });
  if (participant->session == 0) {
    // The previous media session ended on its own; this offer starts a new one.
    participant->session = media_.open_session({participant->conference, participant->id,
                                                participant->name, permissions_of(*participant).publish});
    service_.reapply_media(participant->conference, participant->id);
  }
  sfu::NegotiateRequest request;
  request.sdp_offer = std::move(offer.sdp);
  request.subscriptions = std::move(offer.subscriptions);
  peer->offer_pending = true;
  auto session = participant->session;
  media_.negotiate(session, std::move(request),
                   [this, post = post_, weak_peer = std::weak_ptr<SignalingPeer>(peer),
                    id = participant->id, session](sfu::NegotiateResult result) mutable {
                     post([this, weak_peer = std::move(weak_peer), id = std::move(id), session,
                           result = std::move(result)]() mutable {
                       finish_offer(std::move(weak_peer), id, session, std::move(result));
                     });
                   });
  return true;
}

void SignalingHub::finish_offer(std::weak_ptr<SignalingPeer> weak_peer,
                                const std::string& participant_id, sfu::SessionId session,
                                sfu::NegotiateResult result) {
  auto peer = weak_peer.lock();
  auto* participant = registry_.find_participant(participant_id);
  if (!peer || !participant || participant->session != session) return;  // left meanwhile
  peer->offer_pending = false;
  if (!result.ok) {
    log::info(kLog, "offer from {} failed ({}): {}", participant_id, result.status, result.error);
    send_error(*peer, error_code_for_status(result.status),
               result.error.empty() ? "negotiation failed" : result.error);
    return;
  }
  std::vector<PublishedTrack> published;
  for (const auto& t : result.published) published.push_back({t.id, t.mid, t.kind});
  send(*peer, answer_message(result.sdp_answer, published));
  apply_negotiation(*participant, result);
}

void SignalingHub::apply_negotiation(const Participant& participant,
                                     const sfu::NegotiateResult& result) {
  for (const auto& id : result.removed_track_ids) {
    if (auto removed = registry_.remove_track(participant.id, id)) {
      broadcast(participant.conference, participant.id, track_removed_message(removed->id));
    }
  }
  for (const auto& info : result.published) {
    Track track{info.id, participant.id, info.kind};
    registry_.add_track(participant.conference, track);
    if (announced(track)) {
      broadcast(participant.conference, participant.id, track_published_message(view_of(track)));
    }
  }
}

void SignalingHub::on_closed(SignalingPeer& peer) {
  connections_.erase(&peer);
  if (peer.participant_id.empty()) return;
  remove_participant(peer.participant_id, "disconnected");
  peer.participant_id.clear();
}

void SignalingHub::on_media_session_closed(sfu::SessionId session,
                                           std::vector<std::string> removed) {
  auto id = registry_.participant_for_session(session);
  if (!id) return;  // already gone: we closed it ourselves
  auto* participant = registry_.find_participant(*id);
  log::info(kLog, "media session of {} closed", *id);
  if (participant->attachment != Attachment::kWebSocket) {
    std::erase_if(http_sessions_, [&](const auto& entry) { return entry.second.participant_id == *id; });
    participant->session = 0;  // nothing left to close
    remove_participant(*id, "media closed");
    return;
  }
  // The WebSocket stays; its next offer opens a new media session.
  participant->session = 0;
  auto conference = participant->conference;
  for (const auto& track : registry_.remove_tracks_of(*id)) {
    broadcast(conference, *id, track_removed_message(track.id));
  }
  (void)removed;  // the registry knows the participant's tracks; removed is the same set
}

void SignalingHub::on_active_speaker(std::string_view conference, std::string_view participant_id) {
  // The event was posted from the media thread: the participant may have left meanwhile.
  auto* participant = registry_.find_participant(participant_id);
  if (!participant || participant->conference != conference) return;
  broadcast(conference, {}, active_speaker_message(participant_id));
}

void SignalingHub::remove_participant(const std::string& participant_id, std::string_view why) {
  auto* participant = registry_.find_participant(participant_id);
  if (!participant) return;
  Participant gone = *participant;
  if (gone.session != 0) media_.close_session(gone.session);
  // A WHIP/WHEP resource of a participant that is gone (rejected, say) answers 404.
  std::erase_if(http_sessions_, [&](const auto& entry) { return entry.second.participant_id == participant_id; });
  auto tracks = registry_.remove_participant(participant_id);
  peers_.erase(participant_id);
  for (const auto& track : tracks) {
    broadcast(gone.conference, gone.id, track_removed_message(track.id));
  }
  if (gone.listed() && gone.admitted) {
    broadcast(gone.conference, gone.id, participant_left_message(gone.id), /*presence=*/true,
              in_audience(gone.role));
  }
  if (gone.attachment != Attachment::kWhep) deliver(gone.conference, service_.leave(gone.conference, gone.id));
  log::info(kLog, "participant {} ({}) left {} via {}: {}", gone.id, gone.name, gone.conference,
            attachment_name(gone.attachment), why);
}

void SignalingHub::broadcast(std::string_view conference, std::string_view except_participant,
                             const std::string& text, bool presence, bool about_audience) {
  std::shared_ptr<const std::string> shared;  // made once, held by everyone it waits for
  for (const auto* p : registry_.participants(conference)) {
    // Nobody in the lobby hears about the others or their media.
    if (p->id == except_participant || !p->admitted) continue;
    if (about_audience && in_audience(p->role)) continue;
    auto it = peers_.find(p->id);
    if (it == peers_.end()) continue;
    auto peer = it->second.lock();
    if (!peer) continue;
    if (presence) {
      if (!shared) shared = std::make_shared<const std::string>(text);
      defer(peer, shared);
    } else {
      send(*peer, text);
    }
  }
}

void SignalingHub::defer(const std::shared_ptr<SignalingPeer>& peer,
                         const std::shared_ptr<const std::string>& text) {
  if (!peer->accepts_batch) return send(*peer, *text);
  if (peer->deferred.empty()) deferring_.push_back(peer);
  peer->deferred.push_back(text);
  if (peer->deferred.size() >= kMaxDeferred) flush_deferred(*peer);
}

void SignalingHub::flush_deferred(SignalingPeer& peer) {
  if (peer.deferred.empty()) return;
  auto held = std::move(peer.deferred);
  peer.deferred.clear();
  if (held.size() == 1) return transmit(peer, *held.front());
  if (held != last_batch_) {  // compares the pointers: the same news, or not
    std::vector<std::string_view> messages;
    messages.reserve(held.size());
    for (const auto& m : held) messages.emplace_back(*m);
    last_batch_text_ = batch_message(messages);
    last_batch_ = std::move(held);
  }
  transmit(peer, last_batch_text_);
}

void SignalingHub::send(SignalingPeer& peer, std::string text) {
  flush_deferred(peer);
  transmit(peer, std::move(text));
}

void SignalingHub::transmit(SignalingPeer& peer, std::string text) {
  auto it = connections_.find(&peer);
  if (service_.settled() || it == connections_.end()) {
    peer.send(std::move(text));
    return;
  }
  outbox_.push_back({service_.last_ticket(), it->second, std::move(text)});
}

void SignalingHub::close(SignalingPeer& peer) {
  flush_deferred(peer);
  auto it = connections_.find(&peer);
  if (service_.settled() || it == connections_.end()) {
    peer.close();
    return;
  }
  outbox_.push_back({service_.last_ticket(), it->second, {}, true});
}

void SignalingHub::release(std::uint64_t durable) {
  while (!outbox_.empty() && outbox_.front().ticket <= durable) {
    auto held = std::move(outbox_.front());
    outbox_.pop_front();
    auto peer = held.peer.lock();
    if (!peer) continue;
    if (held.close) {
      peer->close();
    } else {
      peer->send(std::move(held.text));
    }
  }
}

void SignalingHub::send_error(SignalingPeer& peer, ErrorCode code, std::string_view message) {
  ++messages_error_;
  send(peer, error_message(code, message));
}

void SignalingHub::close_all() {
  service_.snapshot_all();
  for (const auto& [resource, session] : http_sessions_) {
    (void)resource;
    if (auto* p = registry_.find_participant(session.participant_id); p && p->session != 0) {
      media_.close_session(p->session);
      p->session = 0;
    }
  }
  for (const auto& [id, weak_peer] : peers_) {
    if (auto* p = registry_.find_participant(id); p && p->session != 0) {
      media_.close_session(p->session);
      p->session = 0;
    }
  }
}

Result<conference::Events> SignalingHub::change_role(std::string_view conference,
                                                     const std::string& participant, Role role) {
  auto events = service_.change_role_as_organizer(conference, participant, domain_role(role));
  if (events) deliver(conference, *events);
  return events;
}

bool SignalingHub::remove(std::string_view conference, const std::string& participant_id) {
  auto* participant = registry_.find_participant(participant_id);
  if (!participant || participant->conference != conference) return false;
  auto it = peers_.find(participant_id);
  if (auto peer = it == peers_.end() ? nullptr : it->second.lock()) {
    send(*peer, error_message(ErrorCode::kForbidden, "the organizer removed you from the conference"));
    peer->participant_id.clear();
    close(*peer);
  }
  remove_participant(participant_id, "removed by the organizer");
  return true;
}

Result<conference::Events> SignalingHub::set_recording(std::string_view conference, bool on) {
  auto events = service_.set_recording(conference, on);
  if (events) deliver(conference, *events);
  return events;
}

}  // namespace podium::api
