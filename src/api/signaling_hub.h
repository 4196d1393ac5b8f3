// The conference side of the control plane: joins, offers and leaves from WebSocket peers,
// WHIP/WHEP sessions from HTTP, and media sessions that end on their own. No sockets here:
// server.cc feeds it text and requests; it answers through SignalingPeer and callbacks.
// Everything runs on the control thread; media completions come back through `post`.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/conference_registry.h"
#include "api/conference_service.h"
#include "api/signaling.h"
#include "sfu/media_server.h"

namespace podium::api {

// One /rtc WebSocket connection as the hub sees it.
class SignalingPeer {
 public:
  virtual ~SignalingPeer() = default;
  virtual void send(std::string text) = 0;
  // Closes the connection once the queued messages are written.
  virtual void close() = 0;

  std::string query_token;     // ws://host/rtc?token=..., if given
  std::string participant_id;  // set by the hub on join
  bool offer_pending = false;  // the client offers again only after the answer
  bool accepts_batch = false;  // joined with "batch": true
  // News of others arriving and leaving, held for the next batch (SignalingHub::defer);
  // shared, since everyone present holds the same news.
  std::vector<std::shared_ptr<const std::string>> deferred;
  // What the client was last told it may do (welcome or permissions).
  std::optional<Permissions> permissions_sent;
  std::string role_sent;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string location;  // Location header when not empty
};

HttpReply json_error_reply(int status, std::string_view message);

// What others are told of a participant and of a track.
ParticipantView view_of(const Participant& p);
TrackView view_of(const Track& t);

enum class HttpIngest { kWhip, kWhep };

class SignalingHub {
 public:
  // Runs a function on the control thread later (never inline).
  using Post = std::function<void(std::function<void()>)>;

  // store: where conferences persist and invitations can be revoked; may be null.
  SignalingHub(sfu::MediaServer& media, std::vector<std::uint8_t> key, Post post,
               store::Store* store = nullptr);
  ~SignalingHub();
  SignalingHub(const SignalingHub&) = delete;
  SignalingHub& operator=(const SignalingHub&) = delete;

  void on_message(const std::shared_ptr<SignalingPeer>& peer, std::string_view text);
  void on_closed(SignalingPeer& peer);

  // POST /whip/{conference} and /whep/{conference}. WHEP `language` (?lang=): the
  // audio is that language's interpretation program; empty or "floor": the floor.
  void create_http_session(HttpIngest ingest, std::string_view conference,
                           std::string_view authorization, std::string_view content_type,
                           std::string sdp, std::function<void(HttpReply)> done,
                           std::string language = {});
  // DELETE /whip/{conference}/{resource}.
  HttpReply delete_http_session(HttpIngest ingest, std::string_view conference,
                                std::string_view resource);

  // From the media plane (already posted to the control thread).
  void on_media_session_closed(sfu::SessionId session, std::vector<std::string> removed);
  // Tells the whole conference, the speaker included, who holds the floor now.
  void on_active_speaker(std::string_view conference, std::string_view participant_id);

  // Every 250 ms: the conferences' due timer events (one minute left, time up), the
  // presence news held for batching clients, and every 2 s the audience's head count.
  void tick();

  // Closes every media session (server shutdown).
  void close_all();

  // Recording (docs/recording.md): the recorders conferences use, and recording on or
  // off on the organizer's behalf (REST), told to everyone in the conference.
  void set_recordings(Recordings* recordings) { service_.set_recordings(recordings); }
  Result<conference::Events> set_recording(std::string_view conference, bool on);

  // The people of a conference on the organizer's behalf (REST, docs/api.md
  // "Participants"): the list, a role change told to everyone, and removal, which
  // disconnects the participant (false: known, but not connected now).
  Result<nlohmann::json> participants(std::string_view conference) {
    return service_.participants_json(conference);
  }
  Result<nlohmann::json> talk(std::string_view conference) { return service_.talk_json(conference); }
  Result<conference::Events> change_role(std::string_view conference, const std::string& participant,
                                         Role role);
  bool remove(std::string_view conference, const std::string& participant);

  std::size_t conference_count() const { return registry_.conference_count(); }
  std::size_t participant_count() const { return registry_.participant_count(); }
  std::uint64_t messages_ok() const { return messages_ok_; }
  std::uint64_t messages_error() const { return messages_error_; }

 private:
  struct HttpSession {
    HttpIngest ingest;
    std::string conference;
    std::string participant_id;
  };

  bool dispatch(const std::shared_ptr<SignalingPeer>& peer, std::string_view text);
  bool handle_join(const std::shared_ptr<SignalingPeer>& peer, const JoinMessage& join);
  bool handle_offer(const std::shared_ptr<SignalingPeer>& peer, OfferMessage offer);
  bool handle_command(SignalingPeer& peer, const CommandMessage& command);
  bool handle_video_size(SignalingPeer& peer, const VideoSizeMessage& size);
  // verify_access_token, then refuse a token whose invitation was revoked.
  Result<AccessToken> check_token(std::string_view jwt);
  // Sends each event to the participants of the conference who may see it.
  void deliver(std::string_view conference, const conference::Events& events);
  void finish_offer(std::weak_ptr<SignalingPeer> weak_peer, const std::string& participant_id,
                    sfu::SessionId session, sfu::NegotiateResult result);
  void finish_http_session(const std::string& resource, sfu::SessionId session,
                           sfu::NegotiateResult result, const std::function<void(HttpReply)>& done);
  void send_error(SignalingPeer& peer, ErrorCode code, std::string_view message);
  // Every message to a peer goes through send: what the peer holds for its next batch
  // goes out first, so it hears everything in the order it happened. close: close the
  // peer after its messages.
  void send(SignalingPeer& peer, std::string text);
  void close(SignalingPeer& peer);
  // Group commit (store/live_writer.h): while inputs wait for their commit, what follows
  // them waits too, in order, so nobody hears of an input that a crash could still lose.
  void transmit(SignalingPeer& peer, std::string text);
  // News that someone else arrived or left, for a peer that takes batches: held until
  // the next tick (or the next other message to it, or kMaxDeferred), then sent as one
  // batch. A join storm would otherwise cost one message per person present per join,
  // N² for N joins; a tick's joins now cost one message per person present.
  void defer(const std::shared_ptr<SignalingPeer>& peer, const std::shared_ptr<const std::string>& text);
  void flush_deferred(SignalingPeer& peer);
  static constexpr std::size_t kMaxDeferred = 128;
  void release(std::uint64_t durable);

  void apply_negotiation(const Participant& participant, const sfu::NegotiateResult& result);
  // The role the conference gives the participant now, and what it may do with media.
  Role current_role(const Participant& participant);
  // Whether the participant is an attendee or press (for the conference, else the registry).
  bool audience_member(std::string_view conference, std::string_view participant_id);
  // The event as clients get it: chat, questions and role changes name their person.
  nlohmann::json named(std::string_view conference, const conference::Event& event);
  // Whether others are told about the track: interpreters' microphones are heard only
  // through their booth's language channel.
  bool announced(const Track& track);
  Permissions permissions_of(const Participant& participant);
  // After a role change, an admission or a rejection: the registry follows the
  // conference, an admitted participant is told who and what is there, and the
  // participant gets a permissions message when what it may do changed.
  void refresh_participant(std::string_view conference, const std::string& participant_id);
  void send_permissions(SignalingPeer& peer, const Participant& participant);
  void remove_participant(const std::string& participant_id, std::string_view why);
  // presence: news of someone arriving or leaving, which may wait for a batch.
  // about_audience: news of a member of the audience, which only the panel hears.
  void broadcast(std::string_view conference, std::string_view except_participant,
                 const std::string& text, bool presence = false, bool about_audience = false);
  // Every kAudienceTicks ticks: the audience's head count to everyone in each conference
  // where it changed.
  void announce_audience();
  static constexpr unsigned kAudienceTicks = 8;  // 2 s

  sfu::MediaServer& media_;
  std::vector<std::uint8_t> key_;
  Post post_;
  ConferenceRegistry registry_;
  store::Store* store_;
  ConferenceService service_;
  std::map<std::string, std::weak_ptr<SignalingPeer>, std::less<>> peers_;  // by participant id
  std::map<std::string, HttpSession, std::less<>> http_sessions_;         // by resource id
  // Every connection that has spoken to the hub, to hold messages to it in the outbox.
  std::map<const SignalingPeer*, std::weak_ptr<SignalingPeer>> connections_;
  struct Held {
    std::uint64_t ticket;  // sent once the inputs through this ticket are stored
    std::weak_ptr<SignalingPeer> peer;
    std::string text;
    bool close = false;
  };
  std::deque<Held> outbox_;
  std::vector<std::weak_ptr<SignalingPeer>> deferring_;  // peers with deferred news
  // The last batch built and what it holds: the peers of a conference flushed at one tick
  // usually hold the same news, and then share one build.
  std::vector<std::shared_ptr<const std::string>> last_batch_;
  std::string last_batch_text_;
  // The head count last sent to everyone in each conference (a welcome gives the count then).
  std::map<std::string, std::size_t, std::less<>> audience_told_;
  unsigned ticks_ = 0;
  std::uint64_t messages_ok_ = 0;
  std::uint64_t messages_error_ = 0;
};

}  // namespace podium::api
