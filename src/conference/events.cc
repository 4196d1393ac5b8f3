#include "conference/events.h"

#include <array>
#include <utility>

namespace podium::conference {

std::string_view to_string(ConferenceState s) {
  switch (s) {
    case ConferenceState::scheduled:
      return "scheduled";
    case ConferenceState::open:
      return "open";
    case ConferenceState::live:
      return "live";
    case ConferenceState::ended:
      return "ended";
  }
  return "?";
}

std::string_view to_string(MediaKind k) { return k == MediaKind::audio ? "audio" : "video"; }

void to_json(nlohmann::json& j, Role r) { j = std::string(to_string(r)); }
void from_json(const nlohmann::json& j, Role& r) {
  auto parsed = parse_role(j.get<std::string>());
  if (!parsed) throw nlohmann::json::other_error::create(501, "unknown role", &j);
  r = *parsed;
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConferenceStateChanged, from, to, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SettingsChanged, settings, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantWaiting, participant, name, role)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantAdmitted, participant, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantRejected, participant, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantJoined, participant, name, role,
                                                organization)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantLeft, participant)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoleChanged, participant, from, to, by, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgendaChanged, agenda, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgendaItemStarted, item, title, language, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgendaItemEnded, item, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorGranted, participant, allotted_ms, item, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorReleased, participant, reason, held_ms,
                                                granted_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorTimerChanged, participant, allotted_ms,
                                                remaining_ms, paused)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorOneMinuteLeft, participant)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorTimeUp, participant)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HandRaised, participant, topic, position)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HandLowered, participant, reason, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QueueReordered, order, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatMessageSent, id, from, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatMessageDeleted, id, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChatMuteChanged, participant, muted, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuestionAsked, id, author, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuestionUpvoted, id, by, votes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuestionStatusChanged, id, status, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantMuted, participant, kind, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UnmuteRequested, participant, kind, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParticipantUnmuted, participant, kind)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FloorLanguageChanged, language, speaker, item)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpeakerLanguageSet, participant, language, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterpreterAssigned, participant, language, sources,
                                                by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterpreterUnassigned, participant, language, by,
                                                reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BoothLiveChanged, language, from, to, from_since,
                                                reason, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HandoverRequested, language, from, to, by, due_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HandoverCancelled, language, from, to, by, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BoothMuteChanged, language, muted, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterpreterSourceChanged, participant, source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ListeningChanged, participant, channel, floor_level)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SlowerPleaseAsked, participant, language, speaker)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RecordingStarted, by)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RecordingStopped, by, reason, detail)

PODIUM_JSON_STRICT_ENUM(Audience, {{Audience::everyone, "everyone"},
                                   {Audience::hosts_and_subject, "hosts_and_subject"}})

namespace {

using Parser = EventBody (*)(const nlohmann::json&);

template <std::size_t... I>
constexpr auto make_parsers(std::index_sequence<I...>) {
  return std::array<std::pair<std::string_view, Parser>, sizeof...(I)>{
      std::pair<std::string_view, Parser>{
          std::variant_alternative_t<I, EventBody>::kType,
          [](const nlohmann::json& j) -> EventBody {
            return j.get<std::variant_alternative_t<I, EventBody>>();
          }}...};
}
const auto kParsers = make_parsers(std::make_index_sequence<std::variant_size_v<EventBody>>{});

}  // namespace

std::string_view type_name(const EventBody& body) {
  return std::visit([](const auto& e) -> std::string_view { return e.kType; }, body);
}

bool is_recorded(const EventBody& body) {
  return std::visit([](const auto& e) { return e.kRecorded; }, body);
}

nlohmann::json to_json(const Event& e) {
  nlohmann::json j = std::visit([](const auto& b) { return nlohmann::json(b); }, e.body);
  j["type"] = std::string(type_name(e.body));
  j["seq"] = e.seq;
  j["at"] = e.at;
  j["audience"] = e.audience;
  if (!e.subject.empty()) j["subject"] = e.subject;
  return j;
}

Result<Event> event_from_json(const nlohmann::json& j) {
  try {
    if (!j.is_object() || !j.contains("type")) return Error{"event without a type"};
    const std::string type = j.at("type").get<std::string>();
    for (const auto& [name, parse] : kParsers) {
      if (name != type) continue;
      Event e{.seq = j.at("seq").get<std::uint64_t>(),
              .at = j.at("at").get<UnixMillis>(),
              .audience = j.value("audience", Audience::everyone),
              .subject = j.value("subject", std::string{}),
              .body = parse(j)};
      return e;
    }
    return Error{"unknown event type: " + type};
  } catch (const nlohmann::json::exception& ex) {
    return Error{std::string("malformed event: ") + ex.what()};
  }
}

}  // namespace podium::conference
