// What the conference tells the world after a command: one struct per kind of event,
// held in a std::variant. The signaling layer broadcasts them (honouring `audience`),
// the store persists them, and those marked recorded form the timeline — the source
// of the press record.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "conference/model.h"
#include "util/result.h"

namespace podium::conference {

struct ConferenceStateChanged {
  static constexpr const char* kType = "conference_state_changed";
  static constexpr bool kRecorded = true;
  ConferenceState from = ConferenceState::scheduled;
  ConferenceState to = ConferenceState::scheduled;
  ParticipantId by{};
};
struct SettingsChanged {
  static constexpr const char* kType = "settings_changed";
  static constexpr bool kRecorded = true;
  Settings settings;
  ParticipantId by{};
};
struct ParticipantWaiting {  // in the lobby
  static constexpr const char* kType = "participant_waiting";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string name{};
  Role role = Role::attendee;
};
struct ParticipantAdmitted {
  static constexpr const char* kType = "participant_admitted";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  ParticipantId by{};
};
struct ParticipantRejected {
  static constexpr const char* kType = "participant_rejected";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  ParticipantId by{};
};
struct ParticipantJoined {
  static constexpr const char* kType = "participant_joined";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  std::string name{};
  Role role = Role::attendee;
  std::optional<std::string> organization{};
};
struct ParticipantLeft {
  static constexpr const char* kType = "participant_left";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
};
struct RoleChanged {
  static constexpr const char* kType = "role_changed";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  Role from = Role::attendee;
  Role to = Role::attendee;
  ParticipantId by{};
  std::string reason{};  // "", "queue", "question"
};
struct AgendaChanged {  // added, edited, removed or reordered: the whole agenda
  static constexpr const char* kType = "agenda_changed";
  static constexpr bool kRecorded = false;
  std::vector<AgendaItem> agenda{};
  ParticipantId by{};
};
struct AgendaItemStarted {
  static constexpr const char* kType = "agenda_item_started";
  static constexpr bool kRecorded = true;
  std::string item{};
  std::string title{};
  std::string language{};
  ParticipantId by{};
};
struct AgendaItemEnded {
  static constexpr const char* kType = "agenda_item_ended";
  static constexpr bool kRecorded = true;
  std::string item{};
  ParticipantId by{};
};
struct FloorGranted {
  static constexpr const char* kType = "floor_granted";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  std::int64_t allotted_ms = 0;  // 0: untimed
  std::optional<std::string> item{};
  ParticipantId by{};
};
struct FloorReleased {
  static constexpr const char* kType = "floor_released";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  std::string reason{};      // revoked, yielded, replaced, item_ended, left, role_changed, ended
  std::int64_t held_ms = 0;  // speaking time, pauses excluded
  UnixMillis granted_at = 0;
};
struct FloorTimerChanged {  // extended, paused or resumed
  static constexpr const char* kType = "floor_timer_changed";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::int64_t allotted_ms = 0;
  std::int64_t remaining_ms = 0;
  bool paused = false;
};
struct FloorOneMinuteLeft {
  static constexpr const char* kType = "floor_one_minute_left";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
};
struct FloorTimeUp {
  static constexpr const char* kType = "floor_time_up";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
};
struct HandRaised {
  static constexpr const char* kType = "hand_raised";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string topic{};
  std::size_t position = 0;
};
struct HandLowered {
  static constexpr const char* kType = "hand_lowered";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string reason{};  // lowered, dismissed, granted, left
  ParticipantId by{};
};
struct QueueReordered {
  static constexpr const char* kType = "queue_reordered";
  static constexpr bool kRecorded = false;
  std::vector<ParticipantId> order{};
  ParticipantId by{};
};
struct ChatMessageSent {
  static constexpr const char* kType = "chat_message_sent";
  static constexpr bool kRecorded = false;
  std::uint64_t id = 0;
  ParticipantId from{};
  std::string text{};
};
struct ChatMessageDeleted {
  static constexpr const char* kType = "chat_message_deleted";
  static constexpr bool kRecorded = false;
  std::uint64_t id = 0;
  ParticipantId by{};
};
struct ChatMuteChanged {
  static constexpr const char* kType = "chat_mute_changed";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  bool muted = false;
  ParticipantId by{};
};
struct QuestionAsked {
  static constexpr const char* kType = "question_asked";
  static constexpr bool kRecorded = true;
  std::uint64_t id = 0;
  ParticipantId author{};
  std::string text{};
};
struct QuestionUpvoted {
  static constexpr const char* kType = "question_upvoted";
  static constexpr bool kRecorded = false;
  std::uint64_t id = 0;
  ParticipantId by{};
  std::size_t votes = 0;
};
struct QuestionStatusChanged {  // picked, answered or dismissed
  static constexpr const char* kType = "question_status_changed";
  static constexpr bool kRecorded = true;
  std::uint64_t id = 0;
  QuestionStatus status = QuestionStatus::open;
  ParticipantId by{};
};
struct ParticipantMuted {
  static constexpr const char* kType = "participant_muted";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  MediaKind kind = MediaKind::audio;
  ParticipantId by{};  // empty when the floor timer muted them
};
struct UnmuteRequested {
  static constexpr const char* kType = "unmute_requested";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  MediaKind kind = MediaKind::audio;
  ParticipantId by{};
};
struct ParticipantUnmuted {
  static constexpr const char* kType = "participant_unmuted";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  MediaKind kind = MediaKind::audio;
};

// ---- interpretation (docs/interpretation.md)
struct FloorLanguageChanged {  // derived from the floor holder and the running item
  static constexpr const char* kType = "floor_language_changed";
  static constexpr bool kRecorded = true;
  std::string language{};  // "" unknown
  ParticipantId speaker{};  // the floor holder, "" none
  std::optional<std::string> item{};
};
struct SpeakerLanguageSet {
  static constexpr const char* kType = "speaker_language_set";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string language{};  // "": the running item's
  ParticipantId by{};
};
struct InterpreterAssigned {
  static constexpr const char* kType = "interpreter_assigned";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  std::string language{};  // the booth
  std::vector<std::string> sources{};
  ParticipantId by{};
};
struct InterpreterUnassigned {
  static constexpr const char* kType = "interpreter_unassigned";
  static constexpr bool kRecorded = true;
  ParticipantId participant{};
  std::string language{};
  ParticipantId by{};
  std::string reason{};  // unassigned, moved, role_changed
};
struct BoothLiveChanged {  // who interprets into the booth's channel now
  static constexpr const char* kType = "booth_live_changed";
  static constexpr bool kRecorded = true;
  std::string language{};
  ParticipantId from{};  // "" nobody was live
  ParticipantId to{};    // "" nobody is live now
  UnixMillis from_since = 0;  // when `from` went live: their stint is [from_since, at]
  std::string reason{};  // assigned, joined, handover, countdown, took_over, left, unassigned, ended
  ParticipantId by{};
};
struct HandoverRequested {
  static constexpr const char* kType = "handover_requested";
  static constexpr bool kRecorded = false;
  std::string language{};
  ParticipantId from{};
  ParticipantId to{};
  ParticipantId by{};
  UnixMillis due_at = 0;  // the incoming interpreter goes live then, unless confirmed earlier
};
struct HandoverCancelled {
  static constexpr const char* kType = "handover_cancelled";
  static constexpr bool kRecorded = false;
  std::string language{};
  ParticipantId from{};
  ParticipantId to{};
  ParticipantId by{};
  std::string reason{};  // cancelled, left, unassigned, ended
};
struct BoothMuteChanged {
  static constexpr const char* kType = "booth_mute_changed";
  static constexpr bool kRecorded = true;
  std::string language{};
  bool muted = false;
  ParticipantId by{};
};
struct InterpreterSourceChanged {  // floor, or relay from another booth
  static constexpr const char* kType = "interpreter_source_changed";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string source{};
};
struct ListeningChanged {
  static constexpr const char* kType = "listening_changed";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string channel{};  // "floor" or a language
  double floor_level = 0.2;
};
struct SlowerPleaseAsked {  // an interpreter asks the moderator to slow the speaker down
  static constexpr const char* kType = "slower_please_asked";
  static constexpr bool kRecorded = false;
  ParticipantId participant{};
  std::string language{};
  ParticipantId speaker{};
};

// ---- recording (docs/recording.md)
struct RecordingStarted {
  static constexpr const char* kType = "recording_started";
  static constexpr bool kRecorded = true;
  ParticipantId by{};  // "" when the conference started it on going live
};
struct RecordingStopped {
  static constexpr const char* kType = "recording_stopped";
  static constexpr bool kRecorded = true;
  ParticipantId by{};  // "" when the server stopped it
  std::string reason{};  // stopped, ended, failed
  std::string detail{};  // for failed: what went wrong (disk full, ...)
};

using EventBody =
    std::variant<ConferenceStateChanged, SettingsChanged, ParticipantWaiting, ParticipantAdmitted,
                 ParticipantRejected, ParticipantJoined, ParticipantLeft, RoleChanged,
                 AgendaChanged, AgendaItemStarted, AgendaItemEnded, FloorGranted, FloorReleased,
                 FloorTimerChanged, FloorOneMinuteLeft, FloorTimeUp, HandRaised, HandLowered,
                 QueueReordered, ChatMessageSent, ChatMessageDeleted, ChatMuteChanged,
                 QuestionAsked, QuestionUpvoted, QuestionStatusChanged, ParticipantMuted,
                 UnmuteRequested, ParticipantUnmuted, FloorLanguageChanged, SpeakerLanguageSet,
                 InterpreterAssigned, InterpreterUnassigned, BoothLiveChanged, HandoverRequested,
                 HandoverCancelled, BoothMuteChanged, InterpreterSourceChanged, ListeningChanged,
                 SlowerPleaseAsked,
                 RecordingStarted, RecordingStopped>;

// Who may receive an event. The speaker queue and the lobby are private: the hosts
// (roles with see_full_queue / manage_lobby) see them, the others only what is theirs.
enum class Audience { everyone, hosts_and_subject };

struct Event {
  std::uint64_t seq = 0;  // one sequence for every event of a conference, from 1
  UnixMillis at = 0;
  Audience audience = Audience::everyone;
  ParticipantId subject{};  // for hosts_and_subject
  EventBody body;
};

using Events = std::vector<Event>;

std::string_view type_name(const EventBody& body);
bool is_recorded(const EventBody& body);

template <typename T>
const T* get_if(const Event& e) {
  return std::get_if<T>(&e.body);
}

// {"seq":..,"at":..,"type":"floor_granted", ...fields}
nlohmann::json to_json(const Event& e);
// The inverse; a Result so a damaged record is reported, not thrown.
Result<Event> event_from_json(const nlohmann::json& j);

}  // namespace podium::conference
