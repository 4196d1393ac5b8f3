#include "record/conference_record.h"

#include <algorithm>
#include <ctime>
#include <map>

#include <fmt/format.h>

namespace podium::record {
namespace {

namespace c = podium::conference;
using nlohmann::json;

// Roles whose members are on the panel: named in the record unless marked private.
bool panel_role(c::Role role) {
  return role == c::Role::organizer || role == c::Role::moderator || role == c::Role::speaker ||
         role == c::Role::interpreter;
}

std::string text_of(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t int_of(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}
std::optional<c::Role> role_of(const json& e, const char* key) {
  return c::parse_role(text_of(e, key));
}

// Interpreter shifts: who was live in which booth, from the interpretation's
// booth_live_changed events (language, from, to). A timeline without them has no shifts.
struct Shift {
  std::string language;
  ParticipantId interpreter;
  UnixMillis from = 0;
  std::optional<UnixMillis> to;
};

bool is_booth_event(std::string_view type) { return type == "booth_live_changed"; }

// Who is live after a booth event ("" nobody); nullopt when the event does not say.
std::optional<ParticipantId> live_after(const json& e) {
  auto it = e.find("to");
  if (it == e.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

class Builder {
 public:
  explicit Builder(const RecordSource& source) : source_(source), conf_(source.conference) {}

  Record build() {
    scan();
    Record r;
    const auto& info = conf_.info();
    r.conference = info.id;
    r.title = info.title;
    r.description = info.description;
    r.languages = info.languages;
    r.state = std::string(c::to_string(conf_.state()));
    if (info.scheduled_start > 0) r.scheduled_start = info.scheduled_start;
    if (info.scheduled_end > 0) r.scheduled_end = info.scheduled_end;
    r.live_at = live_at_;
    r.ended_at = ended_at_;
    r.generated_at = source_.now;
    r.agenda = agenda();
    r.speeches = finished_speeches();
    for (auto& s : r.speeches) {
      s.interpreters = interpreters_during(s.started_at, s.ended_at.value_or(source_.now));
      s.playback = playback_for(s.started_at);
    }
    r.questions = questions(r.speeches);
    r.chat_included = source_.options.include_chat;
    if (r.chat_included) r.chat = chat();
    r.participants = participants();
    r.recordings = source_.program_recordings;
    if (!source_.recordings_known) {
      r.notes.push_back("Speech links are left out: recordings could not be listed.");
    } else if (source_.program_recordings.empty()) {
      r.notes.push_back("No program recording exists, so the speeches have no playback link.");
    }
    if (!r.chat_included) r.notes.push_back("The chat is not part of the record.");
    return r;
  }

 private:
  // Pass one: who held which role, who spoke, and the speeches, items and booths in time.
  void scan() {
    for (const auto& e : source_.timeline) {
      if (!e.is_object()) continue;
      const std::string type = text_of(e, "type");
      const UnixMillis at = int_of(e, "at");
      if (type == "participant_joined") {
        auto id = text_of(e, "participant");
        if (auto role = role_of(e, "role")) {
          role_now_[id] = *role;
          roles_ever_[id].insert(*role);
        }
        if (!joined_name_.count(id)) joined_name_[id] = text_of(e, "name");
      } else if (type == "role_changed") {
        auto id = text_of(e, "participant");
        if (auto role = role_of(e, "to")) {
          role_now_[id] = *role;
          roles_ever_[id].insert(*role);
        }
      } else if (type == "conference_state_changed") {
        auto to = text_of(e, "to");
        if (to == "live" && !live_at_) live_at_ = at;
        if (to == "ended") ended_at_ = at;
      } else if (type == "agenda_item_started") {
        auto id = text_of(e, "item");
        running_item_ = id;
        item_language_[id] = text_of(e, "language");
        if (!item_started_.count(id)) item_started_[id] = at;
        item_ended_.erase(id);
        if (!item_titles_.count(id)) item_titles_[id] = text_of(e, "title");
      } else if (type == "agenda_item_ended") {
        auto id = text_of(e, "item");
        item_ended_[id] = at;
        if (running_item_ == id) running_item_.reset();
      } else if (type == "floor_granted") {
        on_grant(e, at);
      } else if (type == "floor_released") {
        on_release(e, at);
      } else if (type == "floor_language_changed") {
        // The interpretation announces the floor language after a grant, and again when it
        // is corrected mid-speech; the last word about a speech is its language.
        auto language = text_of(e, "language");
        auto speaker = text_of(e, "speaker");
        if (open_speech_ && !language.empty() &&
            (speaker.empty() || speaker == speeches_[*open_speech_].speech.speaker.id)) {
          speeches_[*open_speech_].speech.language = language;
        }
      } else if (type == "question_asked") {
        question_asked_[static_cast<std::uint64_t>(int_of(e, "id"))] = at;
      } else if (type == "question_status_changed") {
        auto id = static_cast<std::uint64_t>(int_of(e, "id"));
        auto status = text_of(e, "status");
        if (status == "picked") {
          question_picked_[id] = at;
        } else if (status == "answered" || status == "dismissed") {
          question_closed_[id] = {at, text_of(e, "by")};
        }
      } else if (is_booth_event(type)) {
        on_booth(e, at);
      }
    }
    for (auto& open : speeches_) {
      if (!open.speech.ended_at) {
        open.speech.duration_ms = std::max<std::int64_t>(0, source_.now - open.speech.started_at);
        open.speech.speaking_ms = open.speech.duration_ms;
      }
    }
  }

  // The speeches with their speakers as the record may show them (known after the scan).
  std::vector<Speech> finished_speeches() const {
    std::vector<Speech> out;
    for (const auto& w : speeches_) {
      out.push_back(w.speech);
      out.back().number = out.size();
      out.back().speaker = person(w.speech.speaker.id, w.speech.speaker.role);
    }
    return out;
  }

  void on_grant(const json& e, UnixMillis at) {
    auto id = text_of(e, "participant");
    if (open_speech_) close_speech(*open_speech_, at, 0, "replaced");
    held_floor_.insert(id);
    Working w;
    w.speech.speaker.id = id;
    auto role = role_now_.find(id);
    w.speech.speaker.role = role != role_now_.end() ? role->second : c::Role::speaker;
    w.speech.started_at = at;
    w.speech.allotted_ms = int_of(e, "allotted_ms");
    auto item = text_of(e, "item");
    if (!item.empty()) {
      w.speech.item = item;
    } else if (running_item_) {
      w.speech.item = *running_item_;
    }
    if (w.speech.item) {
      auto it = item_language_.find(*w.speech.item);
      if (it != item_language_.end()) w.speech.language = it->second;
    }
    speeches_.push_back(std::move(w));
    open_speech_ = speeches_.size() - 1;
  }

  void on_release(const json& e, UnixMillis at) {
    auto id = text_of(e, "participant");
    if (!open_speech_ || speeches_[*open_speech_].speech.speaker.id != id) return;
    auto held = e.find("held_ms");
    close_speech(*open_speech_, at, held != e.end() && held->is_number_integer() ? held->get<std::int64_t>() : -1,
                 text_of(e, "reason"));
  }

  void close_speech(std::size_t index, UnixMillis at, std::int64_t held_ms, std::string reason) {
    auto& s = speeches_[index].speech;
    s.ended_at = at;
    s.duration_ms = std::max<std::int64_t>(0, at - s.started_at);
    s.speaking_ms = held_ms >= 0 ? held_ms : s.duration_ms;
    s.end_reason = std::move(reason);
    open_speech_.reset();
  }

  void on_booth(const json& e, UnixMillis at) {
    auto language = text_of(e, "language");
    if (language.empty()) return;
    auto live = live_after(e);
    if (!live) return;
    auto& current = booth_live_[language];
    if (current && shifts_[*current].interpreter == *live) return;
    if (current) shifts_[*current].to = at;
    current.reset();
    if (!live->empty()) {
      shifts_.push_back({language, *live, at, std::nullopt});
      current = shifts_.size() - 1;
    }
  }

  std::vector<InterpreterOnAir> interpreters_during(UnixMillis from, UnixMillis to) const {
    std::vector<InterpreterOnAir> out;
    for (const auto& shift : shifts_) {
      UnixMillis shift_end = shift.to.value_or(std::max(source_.now, to));
      // Overlap of [from, to] and [shift.from, shift_end); an instant speech counts too.
      if (shift.from > to || shift_end <= from) continue;
      if (shift_end == shift.from) continue;
      out.push_back({shift.language, person(shift.interpreter, c::Role::interpreter), shift.from,
                     shift.to});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.language < b.language; });
    return out;
  }

  std::optional<Playback> playback_for(UnixMillis start) const {
    if (!source_.recordings_known) return std::nullopt;
    const ProgramRecording* best = nullptr;
    for (const auto& r : source_.program_recordings) {
      if (r.started_at > start) continue;
      if (r.ended_at && *r.ended_at <= start) continue;
      if (!best || r.started_at > best->started_at) best = &r;  // the latest that covers it
    }
    if (!best) return std::nullopt;
    Playback p;
    p.recording = best->id;
    p.offset_s = static_cast<double>(start - best->started_at) / 1000.0;
    p.url = (best->url.empty() ? recording_file_url(source_.options.link_base, best->id)
                               : source_.options.link_base + best->url) +
            seek_fragment(start - best->started_at);
    p.languages = best->languages;
    return p;
  }

  bool named(const ParticipantId& id) const {
    if (source_.options.private_participants.count(id)) return false;
    const auto* marked = conf_.participant(id);
    if (marked && marked->name_private) return false;  // the invitation said so
    if (held_floor_.count(id)) return true;
    auto ever = roles_ever_.find(id);
    if (ever != roles_ever_.end()) {
      for (auto role : ever->second) {
        if (panel_role(role)) return true;
      }
    }
    const auto* p = conf_.participant(id);
    return p && panel_role(p->role);
  }

  Person person(const ParticipantId& id, std::optional<c::Role> role_then = std::nullopt) const {
    Person out;
    out.id = id;
    const auto* p = conf_.participant(id);
    out.role = role_then ? *role_then : p ? p->role : c::Role::attendee;
    if (p) out.organization = p->organization;
    if (named(id)) {
      if (p) {
        out.name = p->name;
      } else if (auto it = joined_name_.find(id); it != joined_name_.end()) {
        out.name = it->second;
      }
    }
    return out;
  }

  std::vector<AgendaEntry> agenda() const {
    std::vector<AgendaEntry> out;
    std::optional<UnixMillis> planned = conf_.info().scheduled_start > 0
                                            ? std::optional<UnixMillis>(conf_.info().scheduled_start)
                                            : std::nullopt;
    std::set<std::string> listed;
    for (const auto& item : conf_.agenda()) {
      AgendaEntry a;
      a.id = item.id;
      a.title = item.title;
      a.language = item.language;
      a.planned_ms = item.planned_ms;
      a.planned_start = planned;
      if (planned) *planned += item.planned_ms;
      for (const auto& speaker : item.speakers) {
        if (conf_.participant(speaker)) {
          auto p = person(speaker);
          if (p.name) a.planned_speakers.push_back(*p.name);
        } else {
          a.planned_speakers.push_back(speaker);  // a name as the organizer typed it
        }
      }
      fill_times(a);
      switch (item.status) {
        case c::ItemStatus::pending:
          a.status = conf_.state() == c::ConferenceState::ended ? "skipped" : "pending";
          break;
        case c::ItemStatus::running:
          a.status = "running";
          break;
        case c::ItemStatus::done:
          a.status = "done";
          break;
      }
      listed.insert(item.id);
      out.push_back(std::move(a));
    }
    // Items that ran and were removed from the agenda afterwards still happened.
    for (const auto& [id, started] : item_started_) {
      if (listed.count(id)) continue;
      AgendaEntry a;
      a.id = id;
      a.title = item_titles_.count(id) ? item_titles_.at(id) : id;
      a.language = item_language_.count(id) ? item_language_.at(id) : "";
      fill_times(a);
      a.status = a.ended_at ? "done" : "running";
      out.push_back(std::move(a));
    }
    return out;
  }

  void fill_times(AgendaEntry& a) const {
    auto started = item_started_.find(a.id);
    if (started == item_started_.end()) return;
    a.started_at = started->second;
    auto ended = item_ended_.find(a.id);
    if (ended != item_ended_.end()) a.ended_at = ended->second;
    a.actual_ms = std::max<std::int64_t>(0, a.ended_at.value_or(source_.now) - started->second);
  }

  std::vector<QuestionEntry> questions(const std::vector<Speech>& speeches) const {
    std::vector<QuestionEntry> out;
    for (const auto& q : conf_.questions()) {
      if (q.status == c::QuestionStatus::dismissed) continue;  // moderated out: not record
      QuestionEntry entry;
      entry.id = q.id;
      entry.text = q.text;
      entry.asked_by = person(q.author);
      auto asked = question_asked_.find(q.id);
      entry.asked_at = asked != question_asked_.end() ? asked->second : q.at;
      entry.votes = q.upvoters.size();
      nlohmann::json status = q.status;
      entry.status = status.get<std::string>();
      if (auto it = question_picked_.find(q.id); it != question_picked_.end()) {
        entry.picked_at = it->second;
      }
      if (auto it = question_closed_.find(q.id); it != question_closed_.end()) {
        entry.closed_at = it->second.first;
        if (!it->second.second.empty()) entry.closed_by = person(it->second.second);
      }
      // Answered by: whoever other than the asker held the floor between pick and close.
      if (entry.picked_at && q.status == c::QuestionStatus::answered) {
        UnixMillis to = entry.closed_at.value_or(source_.now);
        std::set<ParticipantId> seen;
        for (const auto& s : speeches) {
          UnixMillis s_end = s.ended_at.value_or(source_.now);
          if (s.speaker.id == q.author || s.started_at >= to || s_end <= *entry.picked_at) continue;
          if (seen.insert(s.speaker.id).second) entry.answered_by.push_back(s.speaker);
        }
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  std::vector<ChatEntry> chat() const {
    std::vector<ChatEntry> out;
    for (const auto& m : conf_.chat()) {
      if (m.deleted) continue;
      out.push_back({m.id, person(m.from), m.at, m.text});
    }
    return out;
  }

  std::vector<OrganizationGroup> participants() const {
    std::map<std::optional<std::string>, OrganizationGroup> groups;
    for (const auto& [id, p] : conf_.participants()) {
      if (!p.joined_at) continue;  // never got in (rejected, or still in the lobby)
      auto& group = groups[p.organization];
      group.organization = p.organization;
      auto who = person(id);
      if (who.name) {
        group.people.push_back(std::move(who));
      } else {
        ++group.unnamed_by_role[std::string(c::to_string(p.role))];
      }
    }
    std::vector<OrganizationGroup> out;
    for (auto& [org, group] : groups) {
      std::stable_sort(group.people.begin(), group.people.end(), [](const Person& a, const Person& b) {
        if (a.role != b.role) return a.role < b.role;
        return a.name < b.name;
      });
      out.push_back(std::move(group));
    }
    // Organizations by name, the people without one last.
    std::stable_partition(out.begin(), out.end(),
                          [](const OrganizationGroup& g) { return g.organization.has_value(); });
    return out;
  }

  struct Working {
    Speech speech;
  };

  const RecordSource& source_;
  const c::Conference& conf_;
  std::map<ParticipantId, c::Role> role_now_;
  std::map<ParticipantId, std::set<c::Role>> roles_ever_;
  std::map<ParticipantId, std::string> joined_name_;
  std::set<ParticipantId> held_floor_;
  std::optional<UnixMillis> live_at_;
  std::optional<UnixMillis> ended_at_;
  std::optional<std::string> running_item_;
  std::map<std::string, std::string> item_language_;
  std::map<std::string, std::string> item_titles_;
  std::map<std::string, UnixMillis> item_started_;
  std::map<std::string, UnixMillis> item_ended_;
  std::vector<Working> speeches_;
  std::optional<std::size_t> open_speech_;
  std::map<std::uint64_t, UnixMillis> question_asked_;
  std::map<std::uint64_t, UnixMillis> question_picked_;
  std::map<std::uint64_t, std::pair<UnixMillis, ParticipantId>> question_closed_;
  std::map<std::string, std::optional<std::size_t>> booth_live_;
  std::vector<Shift> shifts_;
};

}  // namespace

Record build_record(const RecordSource& source) { return Builder(source).build(); }

std::string format_time(UnixMillis t) {
  if (t < 0) t = 0;
  std::time_t seconds = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t % 1000);
}

std::string recording_file_url(const std::string& link_base, std::int64_t recording_id) {
  return fmt::format("{}/api/v1/recordings/{}/file", link_base, recording_id);
}

std::string seek_fragment(std::int64_t offset_ms) {
  if (offset_ms < 0) offset_ms = 0;
  std::string millis = fmt::format("{:03}", offset_ms % 1000);
  while (millis.size() > 1 && millis.back() == '0') millis.pop_back();
  return fmt::format("#t={}.{}", offset_ms / 1000, millis);
}

namespace {

json time_or_null(const std::optional<UnixMillis>& t) {
  return t ? json(format_time(*t)) : json(nullptr);
}

json person_json(const Person& p) {
  return {{"id", p.id},
          {"name", p.name ? json(*p.name) : json(nullptr)},
          {"role", std::string(c::to_string(p.role))},
          {"organization", p.organization ? json(*p.organization) : json(nullptr)}};
}

}  // namespace

json to_json(const Record& r) {
  json agenda = json::array();
  for (const auto& a : r.agenda) {
    agenda.push_back({{"id", a.id},
                      {"title", a.title},
                      {"language", a.language},
                      {"planned_speakers", a.planned_speakers},
                      {"planned_ms", a.planned_ms},
                      {"planned_start", time_or_null(a.planned_start)},
                      {"started_at", time_or_null(a.started_at)},
                      {"ended_at", time_or_null(a.ended_at)},
                      {"actual_ms", a.actual_ms ? json(*a.actual_ms) : json(nullptr)},
                      {"status", a.status}});
  }
  json speeches = json::array();
  for (const auto& s : r.speeches) {
    json interpreters = json::array();
    for (const auto& i : s.interpreters) {
      interpreters.push_back({{"language", i.language},
                              {"interpreter", person_json(i.interpreter)},
                              {"from", format_time(i.from)},
                              {"to", time_or_null(i.to)}});
    }
    json playback = nullptr;
    if (s.playback) {
      // A player picks the language by its audio stream (ffmpeg -map 0:a:N, mpv --aid=N+1).
      json streams = json::array();
      for (std::size_t i = 0; i < s.playback->languages.size(); ++i)
        streams.push_back({{"language", s.playback->languages[i]}, {"audio_stream", i}});
      playback = {{"recording", s.playback->recording},
                  {"offset_s", s.playback->offset_s},
                  {"url", s.playback->url},
                  {"languages", s.playback->languages},
                  {"audio_streams", streams}};
    }
    speeches.push_back({{"number", s.number},
                        {"speaker", person_json(s.speaker)},
                        {"item", s.item ? json(*s.item) : json(nullptr)},
                        {"language", s.language},
                        {"started_at", format_time(s.started_at)},
                        {"ended_at", time_or_null(s.ended_at)},
                        {"duration_ms", s.duration_ms},
                        {"speaking_ms", s.speaking_ms},
                        {"allotted_ms", s.allotted_ms},
                        {"end_reason", s.end_reason},
                        {"interpreters", std::move(interpreters)},
                        {"playback", std::move(playback)}});
  }
  json questions = json::array();
  for (const auto& q : r.questions) {
    json answered_by = json::array();
    for (const auto& p : q.answered_by) answered_by.push_back(person_json(p));
    questions.push_back({{"id", q.id},
                         {"text", q.text},
                         {"asked_by", person_json(q.asked_by)},
                         {"asked_at", format_time(q.asked_at)},
                         {"votes", q.votes},
                         {"status", q.status},
                         {"picked_at", time_or_null(q.picked_at)},
                         {"closed_at", time_or_null(q.closed_at)},
                         {"closed_by", q.closed_by ? person_json(*q.closed_by) : json(nullptr)},
                         {"answered_by", std::move(answered_by)}});
  }
  json chat = nullptr;
  if (r.chat_included) {
    chat = json::array();
    for (const auto& m : r.chat) {
      chat.push_back({{"id", m.id}, {"from", person_json(m.from)}, {"at", format_time(m.at)},
                      {"text", m.text}});
    }
  }
  json participants = json::array();
  for (const auto& g : r.participants) {
    json people = json::array();
    for (const auto& p : g.people) people.push_back(person_json(p));
    json unnamed = json::object();
    for (const auto& [role, count] : g.unnamed_by_role) unnamed[role] = count;
    participants.push_back({{"organization", g.organization ? json(*g.organization) : json(nullptr)},
                            {"people", std::move(people)},
                            {"unnamed_by_role", std::move(unnamed)}});
  }
  json recordings = json::array();
  for (const auto& rec : r.recordings) {
    recordings.push_back({{"id", rec.id},
                          {"started_at", format_time(rec.started_at)},
                          {"ended_at", time_or_null(rec.ended_at)},
                          {"languages", rec.languages},
                          {"url", rec.url.empty() ? recording_file_url("", rec.id) : rec.url}});
  }
  return {{"schema_version", kRecordSchemaVersion},
          {"conference",
           {{"id", r.conference},
            {"title", r.title},
            {"description", r.description},
            {"languages", r.languages},
            {"state", r.state},
            {"scheduled_start", time_or_null(r.scheduled_start)},
            {"scheduled_end", time_or_null(r.scheduled_end)},
            {"live_at", time_or_null(r.live_at)},
            {"ended_at", time_or_null(r.ended_at)}}},
          {"generated_at", format_time(r.generated_at)},
          {"agenda", std::move(agenda)},
          {"speeches", std::move(speeches)},
          {"questions", std::move(questions)},
          {"chat", std::move(chat)},
          {"participants", std::move(participants)},
          {"recordings", std::move(recordings)},
          {"notes", r.notes}};
}

}  // namespace podium::record
