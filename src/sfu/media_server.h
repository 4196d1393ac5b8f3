// The media plane as the control plane sees it. The api layer calls these from its own
// thread; every call is posted to the media worker that owns the conference, and every
// completion callback runs on that worker thread (post back before touching api state).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace podium::sfu {

struct MediaServerConfig {
  std::string udp_address = "127.0.0.1";  // bind address of the media sockets
  std::uint16_t udp_port = 40000;          // worker i binds udp_port + i
  std::string announce_address;            // address put in ICE candidates; empty: udp_address
  // ICE-TCP passive candidates (RFC 6544): worker i listens on tcp_port + i. Empty
  // address: udp_address; port 0: udp_port (TCP and UDP ports are separate spaces).
  bool tcp_enabled = true;
  std::string tcp_address;
  std::uint16_t tcp_port = 0;
  int workers = 1;
  // Placement with several workers: sessions that may publish go to the conference's
  // home worker (its first session's); a receive-only session (attendee, WHEP) also
  // goes there until the home holds this many receive-only sessions of the conference,
  // then to the worker with the fewest sessions, which receives the conference's media
  // through an in-process relay (sfu/relay.h). 0: spread from the first one.
  int worker_sessions_before_spread = 100;
  // Bursts to one peer as one UDP GSO send (net/udp_socket.h, sfu/fanout_batch.h).
  bool udp_gso = true;
};

using SessionId = std::uint64_t;

struct SessionOptions {
  std::string conference;
  std::string participant_id;
  std::string display_name;
  bool may_publish = false;
};

struct TrackInfo {
  std::string id;              // unique on this server, e.g. "t12"
  std::string participant_id;  // who publishes it
  std::string kind;            // "audio" or "video"
  std::string mid;             // the publisher's mid for it
};

struct NegotiateRequest {
  std::string sdp_offer;
  // mid of a recvonly m-section in the offer → id of the track it should receive.
  std::map<std::string, std::string> subscriptions;
  // WHEP: recvonly audio/video m-sections receive the conference's stage.
  bool stage = false;
  // WHEP ?lang=: with `stage`, the audio m-section receives this language's program
  // (the live interpreter over the ducked floor) instead of the floor. Empty or
  // "floor": the floor. A language the conference has no booth for is refused (404).
  std::string language;
};

struct NegotiateResult {
  bool ok = false;
  int status = 200;       // 400 malformed SDP, 403 publishing not allowed, 404 unknown session
  std::string error;      // human-readable reason when !ok
  std::string sdp_answer;
  std::vector<TrackInfo> published;          // tracks this offer started
  std::vector<std::string> removed_track_ids;  // tracks this offer stopped
};

struct MediaEvents {
  // A session ended on its own (ICE consent lost, DTLS failed or closed by the peer).
  // Its tracks are gone.
  std::function<void(SessionId, std::vector<std::string> removed_track_ids)> on_session_closed;
  // The dominant speaker of a conference changed (see ActiveSpeakerDetector). Not
  // reported when the speaker leaves: the floor then waits for the next one to talk.
  std::function<void(std::string conference, std::string participant_id)> on_active_speaker;
};

class MediaTap;

// A language code as interpretation uses it: 1-35 characters of A-Z a-z 0-9 and '-'
// (the shape of a BCP 47 tag, e.g. "ru", "pt-BR").
bool is_valid_language_code(std::string_view code);

// Interpretation (docs/interpretation.md), as the conference decides it.
struct InterpretationPlan {
  std::string floor_language;                       // language the floor speaks now ("" unknown)
  std::map<std::string, std::string> live;          // booth language -> live interpreter participant id ("" none)
  std::set<std::string> interpreters;               // participant ids of all interpreters (never on stage)
};

class MediaServer {
 public:
  MediaServer(MediaServerConfig config, MediaEvents events);
  ~MediaServer();
  MediaServer(const MediaServer&) = delete;
  MediaServer& operator=(const MediaServer&) = delete;

  // Binds the sockets and starts the worker threads. Throws with a reason on failure.
  void start();
  void stop();

  SessionId open_session(SessionOptions options);
  void negotiate(SessionId session, NegotiateRequest request,
                 std::function<void(NegotiateResult)> done);
  // Removes the session, its transport, its producers and its consumers.
  void close_session(SessionId session);

  // What the conference lets a participant send now (floor, moderator mute), enforced
  // by pausing its producers at the router. A participant never named here may send
  // whatever its role allowed at open_session. Applies to the sessions open now; the
  // control plane calls it after opening a session, and on every change.
  void set_send_permission(const std::string& conference, const std::string& participant_id,
                           bool audio, bool video);
  // Whether the session may publish (open sendonly m-sections): follows the participant's
  // role when the conference changes it (an attendee promoted to speak).
  void set_may_publish(SessionId session, bool may_publish);
  // The WHEP stage follows this participant (the floor holder); empty: the newest
  // publisher.
  void set_stage(const std::string& conference, std::string participant_id);
  // Gives a recorder a copy of the conference's media (see MediaTap); null detaches it.
  // Holds for the conference's sessions now and later, until changed.
  void set_tap(const std::string& conference, std::shared_ptr<MediaTap> tap);
  // Interpretation in the media path. Interpreters' producers never become the stage
  // or the active speaker. A recvonly audio m-section subscribed to "lang:<code>"
  // receives the live interpreter of that booth (switched without a sequence or
  // timestamp jump; nothing when none is live); one subscribed to "program:<code>" (and
  // WHEP with ?lang=<code>) receives the language's program: the live interpreter over
  // the floor ducked to about -14 dB, mixed and encoded once per language on the
  // worker, or the floor alone when no interpreter is live or the floor speaks <code>.
  // Holds for the conference's sessions now and later, until changed.
  void set_interpretation(const std::string& conference, InterpretationPlan plan);

  // Simulcast layer choice for what a session receives in its recvonly m-section `mid`:
  // the highest spatial layer (simulcast stream, 0 = lowest) and VP8 temporal layer the
  // subscriber wants, from the size it renders the video at (see
  // spatial_layer_for_rendered_height in sfu/layer_selection.h). The consumer switches
  // at the next keyframe of the new stream. Unknown session or mid: nothing happens.
  void set_preferred_layers(SessionId session, const std::string& mid, int spatial,
                            int temporal = 255);
  // The same from the height (CSS pixels, 0: not shown) at which the subscriber shows
  // that video: a thumbnail gets the low stream of whatever source it is sent, the stage
  // the high one ("video-size", docs/protocol.md).
  void set_rendered_height(SessionId session, const std::string& mid, int height);

  // Prometheus text exposition of the media counters (transports, producers, consumers,
  // packets and bytes in/out, packets dropped by reason, active speaker changes). Safe from
  // any thread.
  std::string metrics_text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace podium::sfu
