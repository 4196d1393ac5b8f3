// The whole state as JSON, so a conference survives a restart. Times are wall-clock
// milliseconds, so a floor timer keeps running across the restart.
#include <set>

#include "conference/conference.h"

namespace podium::conference {

namespace {
constexpr int kSnapshotVersion = 1;

bool in_booth(const Booth& b, const ParticipantId& id) {
  for (const BoothInterpreter& i : b.interpreters) {
    if (i.participant == id) return true;
  }
  return false;
}
}

nlohmann::json Conference::to_json(bool with_timeline) const {
  nlohmann::json j;
  j["version"] = kSnapshotVersion;
  j["info"] = info_;
  j["settings"] = settings_;
  j["state"] = state_;
  j["recording"] = recording_;
  j["participants"] = nlohmann::json::array();
  for (const auto& [id, p] : participants_) j["participants"].push_back(p);
  j["agenda"] = agenda_;
  j["running_item"] = running_item_;
  j["floor"] = floor_.grant();
  j["queue"] = queue_;
  j["chat"] = chat_;
  j["questions"] = questions_;
  j["next_seq"] = next_seq_;
  j["next_chat_id"] = next_chat_id_;
  j["next_question_id"] = next_question_id_;
  j["interpretation"] = interp_;
  if (with_timeline) {
    j["timeline"] = nlohmann::json::array();
    for (const Event& e : timeline_) j["timeline"].push_back(podium::conference::to_json(e));
  }
  return j;
}

Result<Conference> Conference::from_json(const nlohmann::json& j, WallClock clock) {
  try {
    if (!j.is_object()) return Error{"snapshot is not an object"};
    if (j.value("version", 0) != kSnapshotVersion) return Error{"unknown snapshot version"};
    Conference c(j.at("info").get<ConferenceInfo>(), j.at("settings").get<Settings>(), clock);
    c.state_ = j.at("state").get<ConferenceState>();
    c.recording_ = j.value("recording", false);
    for (const auto& pj : j.at("participants")) {
      Participant p = pj.get<Participant>();
      if (p.id.empty()) return Error{"participant without an id"};
      const ParticipantId id = p.id;
      c.participants_[id] = std::move(p);
    }
    c.agenda_ = j.at("agenda").get<std::vector<AgendaItem>>();
    c.running_item_ = j.at("running_item").get<std::optional<std::string>>();
    c.floor_.restore(j.at("floor").get<std::optional<FloorGrant>>());
    c.queue_ = j.at("queue").get<std::vector<Hand>>();
    c.chat_ = j.at("chat").get<std::vector<ChatMessage>>();
    c.questions_ = j.at("questions").get<std::vector<Question>>();
    c.next_seq_ = j.at("next_seq").get<std::uint64_t>();
    c.next_chat_id_ = j.at("next_chat_id").get<std::uint64_t>();
    c.next_question_id_ = j.at("next_question_id").get<std::uint64_t>();
    // References must point at what exists, or later commands would act on ghosts.
    if (c.floor_.grant() && !c.participants_.count(c.floor_.grant()->holder)) {
      return Error{"floor holder is not a participant"};
    }
    for (const Hand& h : c.queue_) {
      if (!c.participants_.count(h.participant)) return Error{"queued hand of a stranger"};
    }
    if (c.running_item_ && c.find_item(*c.running_item_) == c.agenda_.end()) {
      return Error{"running item is not on the agenda"};
    }
    // Absent in snapshots from before interpretation: no booths.
    if (j.contains("interpretation")) {
      c.interp_ = j.at("interpretation").get<Interpretation>();
      std::set<std::string> staffed;
      for (const Booth& b : c.interp_.booths) {
        if (!staffed.insert(b.language).second) return Error{"two booths for one language"};
        for (const BoothInterpreter& i : b.interpreters) {
          if (!c.participants_.count(i.participant)) return Error{"booth interpreter is a stranger"};
          if (!staffed.insert("@" + i.participant).second) return Error{"interpreter in two booths"};
        }
        if (!b.live.empty() && !in_booth(b, b.live)) return Error{"live interpreter not in the booth"};
        if (b.handover && (!in_booth(b, b.handover->to))) return Error{"handover to a stranger"};
      }
    }
    if (j.contains("timeline")) {
      for (const auto& ej : j.at("timeline")) {
        auto e = event_from_json(ej);
        if (!e) return Error{e.error()};
        c.timeline_.push_back(std::move(*e));
      }
    }
    return c;
  } catch (const nlohmann::json::exception& ex) {
    return Error{std::string("malformed snapshot: ") + ex.what()};
  }
}

}  // namespace podium::conference
