// Signaling protocol v1: the JSON messages on the /rtc WebSocket. The messages are defined
// once in docs/protocol/signaling.schema.json; this parser and the builders follow it, and
// tests/api/signaling_schema_test.cc checks the examples there against them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace podium::api {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxSignalingMessage = 256 * 1024;

struct JoinMessage {
  int version = kProtocolVersion;
  std::optional<std::string> token;
  bool batch = false;  // the client takes `batch` messages (docs/protocol.md)
};
struct OfferMessage {
  std::string sdp;
  std::map<std::string, std::string> subscriptions;  // mid → track id
};
struct LeaveMessage {};
struct PingMessage {};
// The height at which the client shows the video of one of its m-sections (0: hidden).
struct VideoSizeMessage {
  std::string mid;
  int height = 0;
};
// A conference command (grant-floor, raise-hand, ...). The arguments are checked by the
// command itself (ConferenceService); here only the envelope.
struct CommandMessage {
  nlohmann::json id;       // the client's string or integer, echoed in the result
  nlohmann::json message;  // the whole object: "command" and its arguments
};

using ClientMessage =
    std::variant<JoinMessage, OfferMessage, LeaveMessage, PingMessage, CommandMessage,
                 VideoSizeMessage>;

// Rejects anything the schema rejects; the error names the offending field.
Result<ClientMessage> parse_client_message(std::string_view text);

// "code" values of the error message.
enum class ErrorCode { kBadRequest, kUnauthorized, kForbidden, kNotFound, kInternal };
std::string_view error_code_name(ErrorCode code);
// Media plane status → error code (400 bad-request, 403 forbidden, 404 not-found).
ErrorCode error_code_for_status(int status);

struct ParticipantView {
  std::string id;
  std::string name;
  std::string role;
};
struct TrackView {
  std::string id;
  std::string participant;
  std::string kind;
};
// What a participant may do with media now. Follows the conference: the role it holds
// now (not the one in its token) and whether it is in (not waiting in the lobby).
struct Permissions {
  bool publish = false;
  bool subscribe = true;
  bool operator==(const Permissions&) const = default;
};
struct PublishedTrack {
  std::string id;
  std::string mid;
  std::string kind;
};

// Builders of server → client messages; each returns the serialized JSON text.
// state: the conference as this participant may see it, a JSON object's text
// (ConferenceService::state_for); omitted when empty.
// audience: how many attendees and press are present (docs/protocol.md "The audience").
std::string welcome_message(const ParticipantView& self, std::string_view conference,
                            Permissions permissions, const std::vector<ParticipantView>& others,
                            const std::vector<TrackView>& tracks, std::string_view state = {},
                            std::size_t audience = 0);
std::string audience_message(std::size_t count);
// The answer to a command: ok, or a refusal with the reason.
std::string result_message(const nlohmann::json& id, bool ok, std::string_view reason = {});
// A conference event (conference::to_json of it).
std::string event_message(nlohmann::json event);
std::string answer_message(std::string_view sdp, const std::vector<PublishedTrack>& published);
std::string participant_joined_message(const ParticipantView& participant);
std::string participant_left_message(std::string_view participant_id);
std::string track_published_message(const TrackView& track);
std::string track_removed_message(std::string_view track_id);
std::string active_speaker_message(std::string_view participant_id);
// To one participant when its role or its admission changes what it may do with media.
std::string permissions_message(std::string_view role, Permissions permissions);
std::string error_message(ErrorCode code, std::string_view message);
std::string pong_message();
// Several server messages, each already serialized, as one (to clients that joined with
// "batch": true): {"type":"batch","messages":[...]}, in order.
std::string batch_message(const std::vector<std::string_view>& messages);

}  // namespace podium::api
