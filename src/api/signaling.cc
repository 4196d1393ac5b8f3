#include "api/signaling.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/json_text.h"

namespace podium::api {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSdp = 128 * 1024;
constexpr std::size_t kMaxToken = 8 * 1024;
constexpr std::size_t kMaxSubscriptions = 512;
constexpr std::size_t kMaxMid = 32;
constexpr std::size_t kMaxTrackId = 64;

// The schema says additionalProperties: false for every client message.
std::optional<Error> reject_unknown_fields(const json& object,
                                          std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto name : allowed) known = known || key == name;
    if (!known) return Error{fmt::format("unknown field '{}'", key)};
  }
  return std::nullopt;
}

Result<ClientMessage> parse_join(const json& object) {
  if (auto error = reject_unknown_fields(object, {"type", "version", "token", "batch"})) return *error;
  JoinMessage join;
  auto version = object.find("version");
  if (version == object.end()) return Error{"join: missing 'version'"};
  if (!version->is_number_integer()) return Error{"join: 'version' must be an integer"};
  if (version->get<std::int64_t>() != kProtocolVersion) {
    return Error{fmt::format("join: unsupported version {} (server speaks {})",
                             version->dump(), kProtocolVersion)};
  }
  auto token = object.find("token");
  if (token != object.end()) {
    if (!token->is_string()) return Error{"join: 'token' must be a string"};
    const auto& text = token->get_ref<const std::string&>();
    if (text.empty() || text.size() > kMaxToken) return Error{"join: 'token' length out of range"};
    join.token = text;
  }
  if (auto batch = object.find("batch"); batch != object.end()) {
    if (!batch->is_boolean()) return Error{"join: 'batch' must be a boolean"};
    join.batch = batch->get<bool>();
  }
  return ClientMessage{std::move(join)};
}

Result<ClientMessage> parse_offer(const json& object) {
  if (auto error = reject_unknown_fields(object, {"type", "sdp", "subscriptions"})) return *error;
  OfferMessage offer;
  auto sdp = object.find("sdp");
  if (sdp == object.end()) return Error{"offer: missing 'sdp'"};
  if (!sdp->is_string()) return Error{"offer: 'sdp' must be a string"};
  const auto& text = sdp->get_ref<const std::string&>();
  if (text.empty() || text.size() > kMaxSdp) return Error{"offer: 'sdp' length out of range"};
  offer.sdp = text;
  auto subscriptions = object.find("subscriptions");
  if (subscriptions != object.end()) {
    if (!subscriptions->is_object()) return Error{"offer: 'subscriptions' must be an object"};
    if (subscriptions->size() > kMaxSubscriptions) return Error{"offer: too many subscriptions"};
    for (const auto& [mid, track] : subscriptions->items()) {
      if (mid.empty() || mid.size() > kMaxMid) {
        return Error{"offer: subscription mid length out of range"};
      }
      if (!track.is_string()) {
        return Error{fmt::format("offer: subscription '{}' must name a track id string", mid)};
      }
      const auto& id = track.get_ref<const std::string&>();
      if (id.empty() || id.size() > kMaxTrackId) {
        return Error{fmt::format("offer: subscription '{}' track id length out of range", mid)};
      }
      offer.subscriptions.emplace(mid, id);
    }
  }
  return ClientMessage{std::move(offer)};
}

constexpr std::size_t kMaxCommandId = 64;

Result<ClientMessage> parse_command(json object) {
  auto id = object.find("id");
  if (id == object.end()) return Error{"command: missing 'id'"};
  if (!(id->is_number_integer() ||
        (id->is_string() && !id->get_ref<const std::string&>().empty() &&
         id->get_ref<const std::string&>().size() <= kMaxCommandId))) {
    return Error{"command: 'id' must be an integer or a string of 1-64 characters"};
  }
  auto command = object.find("command");
  if (command == object.end()) return Error{"command: missing 'command'"};
  if (!command->is_string()) return Error{"command: 'command' must be a string"};
  CommandMessage message{*id, std::move(object)};
  return ClientMessage{std::move(message)};
}

Result<ClientMessage> parse_video_size(const json& object) {
  if (auto error = reject_unknown_fields(object, {"type", "mid", "height"})) return *error;
  auto mid = object.find("mid");
  if (mid == object.end() || !mid->is_string()) return Error{"video-size: 'mid' must be a string"};
  const auto& mid_text = mid->get_ref<const std::string&>();
  if (mid_text.empty() || mid_text.size() > kMaxMid) return Error{"video-size: mid length out of range"};
  auto height = object.find("height");
  if (height == object.end() || !height->is_number_integer() || height->get<std::int64_t>() < 0 ||
      height->get<std::int64_t>() > 4320) {
    return Error{"video-size: 'height' must be an integer from 0 to 4320"};
  }
  return ClientMessage{VideoSizeMessage{mid_text, static_cast<int>(height->get<std::int64_t>())}};
}

json participant_json(const ParticipantView& p) {
  return {{"id", p.id}, {"name", p.name}, {"role", p.role}};
}
json track_json(const TrackView& t) {
  return {{"id", t.id}, {"participant", t.participant}, {"kind", t.kind}};
}
json permissions_json(Permissions p) { return {{"publish", p.publish}, {"subscribe", p.subscribe}}; }

}  // namespace

Result<ClientMessage> parse_client_message(std::string_view text) {
  if (text.size() > kMaxSignalingMessage) return Error{"message too large"};
  auto object = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return Error{"message is not valid JSON"};
  if (!object.is_object()) return Error{"message must be a JSON object"};
  auto type = object.find("type");
  if (type == object.end()) return Error{"missing 'type'"};
  if (!type->is_string()) return Error{"'type' must be a string"};
  const auto& name = type->get_ref<const std::string&>();
  if (name == "join") return parse_join(object);
  if (name == "offer") return parse_offer(object);
  if (name == "command") return parse_command(std::move(object));
  if (name == "video-size") return parse_video_size(object);
  if (name == "leave" || name == "ping") {
    if (auto error = reject_unknown_fields(object, {"type"})) return *error;
    if (name == "leave") return ClientMessage{LeaveMessage{}};
    return ClientMessage{PingMessage{}};
  }
  // Quote through JSON so a hostile type cannot break the error line.
  return Error{fmt::format("unknown message type {}", type->dump(-1, ' ', true))};
}

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "bad-request";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

ErrorCode error_code_for_status(int status) {
  switch (status) {
    case 400: return ErrorCode::kBadRequest;
    case 401: return ErrorCode::kUnauthorized;
    case 403: return ErrorCode::kForbidden;
    case 404: return ErrorCode::kNotFound;
    default: return ErrorCode::kInternal;
  }
}

std::string welcome_message(const ParticipantView& self, std::string_view conference,
                            Permissions permissions, const std::vector<ParticipantView>& others,
                            const std::vector<TrackView>& tracks, std::string_view state,
                            std::size_t audience) {
  json head = {{"type", "welcome"},
               {"version", kProtocolVersion},
               {"participant", participant_json(self)},
               {"conference", std::string(conference)},
               {"permissions", permissions_json(permissions)},
               {"audience", audience}};
  std::string text = head.dump(-1, ' ', false, json::error_handler_t::replace);
  // The lists grow with the audience, so they are written as text, not built as trees.
  text.pop_back();  // the object's closing brace
  text += R"(,"participants":[)";
  for (const auto& p : others) {
    if (&p != others.data()) text += ',';
    json_text::append_object(text, {{"id", p.id}, {"name", p.name}, {"role", p.role}});
  }
  text += R"(],"tracks":[)";
  for (const auto& t : tracks) {
    if (&t != tracks.data()) text += ',';
    json_text::append_object(text, {{"id", t.id}, {"participant", t.participant}, {"kind", t.kind}});
  }
  text += ']';
  if (!state.empty()) {
    text += R"(,"state":)";
    text += state;
  }
  text += '}';
  return text;
}

std::string answer_message(std::string_view sdp, const std::vector<PublishedTrack>& published) {
  json list = json::array();
  for (const auto& t : published) list.push_back({{"id", t.id}, {"mid", t.mid}, {"kind", t.kind}});
  return json{{"type", "answer"}, {"sdp", std::string(sdp)}, {"published", std::move(list)}}.dump();
}

std::string audience_message(std::size_t count) {
  return json{{"type", "audience"}, {"count", count}}.dump();
}

std::string participant_joined_message(const ParticipantView& participant) {
  return json{{"type", "participant-joined"}, {"participant", participant_json(participant)}}.dump();
}

std::string participant_left_message(std::string_view participant_id) {
  return json{{"type", "participant-left"}, {"participant", std::string(participant_id)}}.dump();
}

std::string track_published_message(const TrackView& track) {
  return json{{"type", "track-published"}, {"track", track_json(track)}}.dump();
}

std::string track_removed_message(std::string_view track_id) {
  return json{{"type", "track-removed"}, {"track", std::string(track_id)}}.dump();
}

std::string active_speaker_message(std::string_view participant_id) {
  return json{{"type", "active-speaker"}, {"participant", std::string(participant_id)}}.dump();
}

std::string permissions_message(std::string_view role, Permissions permissions) {
  return json{{"type", "permissions"},
              {"role", std::string(role)},
              {"permissions", permissions_json(permissions)}}
      .dump();
}

std::string error_message(ErrorCode code, std::string_view message) {
  // dump() with the replace handler: an error text quoting client bytes stays valid UTF-8.
  return json{{"type", "error"},
              {"code", std::string(error_code_name(code))},
              {"message", std::string(message)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string result_message(const json& id, bool ok, std::string_view reason) {
  json message = {{"type", "result"}, {"id", id}, {"ok", ok}};
  if (!ok) message["reason"] = std::string(reason);
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string event_message(json event) {
  return json{{"type", "event"}, {"event", std::move(event)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string pong_message() { return R"({"type":"pong"})"; }

std::string batch_message(const std::vector<std::string_view>& messages) {
  std::size_t size = 32;
  for (const auto& m : messages) size += m.size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"type":"batch","messages":[)";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i) out += ',';
    out += messages[i];
  }
  out += "]}";
  return out;
}

}  // namespace podium::api
