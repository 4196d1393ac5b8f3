// Live interpretation, the plain data: booths (one per target language) with their
// interpreters and who is live, the floor language, and what each participant listens to.
// Behaviour lives in Conference (conference_interpretation.cc); docs/interpretation.md
// explains the model.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conference/model.h"

namespace podium::conference {

// "floor": the original sound of the floor, in whatever language it is spoken.
inline constexpr const char* kFloorChannel = "floor";
inline constexpr double kDefaultFloorLevel = 0.2;
// A requested handover completes by itself after this long unless someone cancels it.
inline constexpr std::int64_t kHandoverCountdownMs = 5'000;

struct BoothInterpreter {
  ParticipantId participant{};
  std::vector<std::string> sources{};  // languages they interpret from; empty: any
};

struct Handover {
  ParticipantId from{};  // live now ("" when nobody is)
  ParticipantId to{};    // goes live
  ParticipantId requested_by{};
  UnixMillis requested_at = 0;
  UnixMillis due_at = 0;  // completes by itself then
};

struct Booth {
  std::string language{};  // the target language, one of ConferenceInfo::languages
  std::vector<BoothInterpreter> interpreters{};
  ParticipantId live{};  // "" none
  UnixMillis live_since = 0;
  bool muted = false;
  std::optional<Handover> handover{};
};

// What a participant hears: the floor, or a language channel with the floor under it.
struct Listening {
  std::string channel = kFloorChannel;  // "floor" or a booth language
  double floor_level = kDefaultFloorLevel;
};

struct Interpretation {
  std::vector<Booth> booths{};  // in the order they were first staffed
  // The language a speaker speaks on the floor; without one, the running item's.
  std::map<ParticipantId, std::string> speaker_languages{};
  // What an interpreter listens to while working: "floor" (absent) or a booth (relay).
  std::map<ParticipantId, std::string> interpreter_sources{};
  std::map<ParticipantId, Listening> listening{};
  std::string floor_language{};  // last announced; "" unknown
};

// What the media plane needs to know, derived from the state (see Conference::media_plan).
struct InterpretationMedia {
  std::string floor_language{};
  std::map<std::string, std::string> live{};  // booth language → live interpreter ("" none/muted)
  std::set<std::string> interpreters{};       // everyone with the interpreter role
  bool operator==(const InterpretationMedia&) const = default;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BoothInterpreter, participant, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Handover, from, to, requested_by, requested_at,
                                                due_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Booth, language, interpreters, live, live_since,
                                                muted, handover)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Listening, channel, floor_level)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Interpretation, booths, speaker_languages,
                                                interpreter_sources, listening, floor_language)

}  // namespace podium::conference
