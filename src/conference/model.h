// The plain data of a conference: what it is, who is in it, its agenda, hands, chat and
// questions. Behaviour lives in Conference; these are values it owns and snapshots.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conference/role.h"

// std::optional as null-or-value, for the model and the events.
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v = std::nullopt;
    } else {
      v = j.get<T>();
    }
  }
};
}  // namespace nlohmann

// Like NLOHMANN_JSON_SERIALIZE_ENUM, but an unknown name is an error instead of quietly
// becoming the first value: a damaged snapshot must not restore as a different state.
#define PODIUM_JSON_STRICT_ENUM(Type, ...)                                                \
  inline void to_json(nlohmann::json& j, Type v) {                                        \
    static const std::pair<Type, const char*> kNames[] = __VA_ARGS__;                     \
    for (const auto& [e, n] : kNames) {                                                   \
      if (e == v) {                                                                       \
        j = n;                                                                            \
        return;                                                                           \
      }                                                                                   \
    }                                                                                     \
    j = nullptr;                                                                          \
  }                                                                                       \
  inline void from_json(const nlohmann::json& j, Type& v) {                               \
    static const std::pair<Type, const char*> kNames[] = __VA_ARGS__;                     \
    if (j.is_string()) {                                                                  \
      for (const auto& [e, n] : kNames) {                                                 \
        if (j.get_ref<const std::string&>() == n) {                                       \
          v = e;                                                                          \
          return;                                                                         \
        }                                                                                 \
      }                                                                                   \
    }                                                                                     \
    throw nlohmann::json::other_error::create(501, "unknown " #Type ": " + j.dump(), &j); \
  }

namespace podium::conference {

using ParticipantId = std::string;
// Wall-clock time, milliseconds since the Unix epoch. Everything the record keeps and
// everything a snapshot carries is in this unit, so it survives a restart.
using UnixMillis = std::int64_t;

enum class ConferenceState { scheduled, open, live, ended };
enum class ChatMode { everyone, panel_only, off };
enum class MediaKind { audio, video };
enum class Presence { waiting, present, left, rejected };
enum class QuestionStatus { open, picked, answered, dismissed };
enum class ItemStatus { pending, running, done };

struct Settings {
  bool lobby = false;
  // Roles that go straight in when the lobby is on.
  std::vector<Role> lobby_skip = {Role::organizer, Role::moderator, Role::speaker,
                                  Role::interpreter};
  ChatMode chat = ChatMode::everyone;
  bool qa = true;
  bool mute_at_time_up = true;
  bool recording = false;
};

struct ConferenceInfo {
  std::string id{};
  std::string title{};
  std::string description{};
  std::vector<std::string> languages{};  // e.g. "az", "he", "en", "ru"
  UnixMillis scheduled_start = 0;
  UnixMillis scheduled_end = 0;
};

struct Participant {
  ParticipantId id{};
  std::string name{};
  Role role = Role::attendee;
  std::optional<std::string> organization{};
  Presence presence = Presence::waiting;
  std::optional<UnixMillis> joined_at{};
  std::optional<UnixMillis> left_at{};
  bool audio_muted = false;
  bool video_muted = false;
  bool audio_unmute_asked = false;
  bool video_unmute_asked = false;
  bool chat_muted = false;
  bool name_private = false;  // the organizer asked that the record never names them
};

struct AgendaItem {
  std::string id{};
  std::string title{};
  // Participant ids, or names of invited people who have no participant yet.
  std::vector<std::string> speakers{};
  std::int64_t planned_ms = 0;
  std::string language{};  // the floor language of the item
  ItemStatus status = ItemStatus::pending;
};

struct Hand {
  ParticipantId participant{};
  std::string topic{};
  UnixMillis raised_at = 0;
};

struct ChatMessage {
  std::uint64_t id = 0;
  ParticipantId from{};
  std::string text{};
  UnixMillis at = 0;
  bool deleted = false;
};

struct Question {
  std::uint64_t id = 0;
  ParticipantId author{};
  std::string text{};
  UnixMillis at = 0;
  std::vector<ParticipantId> upvoters{};
  QuestionStatus status = QuestionStatus::open;
};

// What one viewer may see of the speaker queue (position is 1-based).
struct QueueEntry {
  ParticipantId participant{};
  std::string topic{};
  std::size_t position = 0;
  bool operator==(const QueueEntry&) const = default;
};

std::string_view to_string(ConferenceState s);
std::string_view to_string(MediaKind k);

void to_json(nlohmann::json& j, Role r);
void from_json(const nlohmann::json& j, Role& r);

PODIUM_JSON_STRICT_ENUM(ConferenceState, {{ConferenceState::scheduled, "scheduled"},
                                          {ConferenceState::open, "open"},
                                          {ConferenceState::live, "live"},
                                          {ConferenceState::ended, "ended"}})
PODIUM_JSON_STRICT_ENUM(ChatMode, {{ChatMode::everyone, "everyone"},
                                   {ChatMode::panel_only, "panel_only"},
                                   {ChatMode::off, "off"}})
PODIUM_JSON_STRICT_ENUM(MediaKind, {{MediaKind::audio, "audio"}, {MediaKind::video, "video"}})
PODIUM_JSON_STRICT_ENUM(Presence, {{Presence::waiting, "waiting"},
                                   {Presence::present, "present"},
                                   {Presence::left, "left"},
                                   {Presence::rejected, "rejected"}})
PODIUM_JSON_STRICT_ENUM(QuestionStatus, {{QuestionStatus::open, "open"},
                                         {QuestionStatus::picked, "picked"},
                                         {QuestionStatus::answered, "answered"},
                                         {QuestionStatus::dismissed, "dismissed"}})
PODIUM_JSON_STRICT_ENUM(ItemStatus, {{ItemStatus::pending, "pending"},
                                     {ItemStatus::running, "running"},
                                     {ItemStatus::done, "done"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Settings, lobby, lobby_skip, chat, qa,
                                                mute_at_time_up, recording)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConferenceInfo, id, title, description, languages,
                                                scheduled_start, scheduled_end)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Participant, id, name, role, organization, presence,
                                                joined_at, left_at, audio_muted, video_muted,
                                                audio_unmute_asked, video_unmute_asked, chat_muted,
                                                name_private)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgendaItem, id, title, speakers, planned_ms,
                                                language, status)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Hand, participant, topic, raised_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatMessage, id, from, text, at, deleted)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Question, id, author, text, at, upvoters, status)

}  // namespace podium::conference
