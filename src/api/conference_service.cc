#include "api/conference_service.h"

#include "api/conference_commands.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <functional>
#include <stdexcept>

#include <fmt/format.h>

#include "api/recordings.h"
#include "util/json_text.h"
#include "util/log.h"

namespace podium::api {
namespace {

using nlohmann::json;
namespace c = podium::conference;

constexpr std::string_view kLog = "conference";

// Records `value` as what was applied for `id` in `map`, and says whether it differs
// from what was applied before (or nothing was). `at` walks `map` in key order from one
// call to the next: called for ids in ascending order, it takes a step or two where a
// lookup would take log(n) string comparisons.
template <typename Map>
bool record_applied(Map& map, typename Map::iterator& at, const std::string& id,
                    const typename Map::mapped_type& value) {
  while (at != map.end() && at->first < id) ++at;
  if (at == map.end() || at->first != id) {
    at = map.emplace_hint(at, id, value);
    return true;
  }
  if (at->second == value) return false;
  at->second = value;
  return true;
}

// A presence's name as model.h serializes it, looked up once per value, not per use.
std::string_view presence_name(c::Presence presence) {
  static const auto kNames = [] {
    std::array<std::string, 4> names;
    for (auto p : {c::Presence::waiting, c::Presence::present, c::Presence::left, c::Presence::rejected})
      names.at(static_cast<std::size_t>(p)) = json(p).get<std::string>();
    return names;
  }();
  return kNames.at(static_cast<std::size_t>(presence));
}

// The settings a conference created over REST carries (docs/api.md), in domain terms.
c::Settings settings_from_document(const json& document) {
  c::Settings settings;
  auto it = document.find("settings");
  if (it == document.end() || !it->is_object()) return settings;
  settings.lobby = it->value("lobby", false);
  if (auto skip = it->find("lobby_skip"); skip != it->end() && skip->is_array()) {
    settings.lobby_skip.clear();
    for (const auto& name : *skip) {
      if (auto role = name.is_string() ? c::parse_role(name.get<std::string>()) : std::nullopt) {
        settings.lobby_skip.push_back(*role);
      }
    }
  }
  settings.recording = it->value("recording", false);
  auto chat = it->value("chat", std::string("everyone"));
  settings.chat = chat == "panel" ? c::ChatMode::panel_only
                  : chat == "off" ? c::ChatMode::off
                                  : c::ChatMode::everyone;
  return settings;
}

// What the welcome tells about interpretation: booths and the floor language to everyone,
// one's own listening choice and relay source, and to hosts how many listen to each channel.
json interpretation_state(const c::Conference& cf, const std::string& viewer, bool hosts) {
  const auto& in = cf.interpretation();
  json booths = json::array();
  for (const auto& b : in.booths) booths.push_back(b);
  c::Listening mine;
  if (auto it = in.listening.find(viewer); it != in.listening.end()) mine = it->second;
  auto source = in.interpreter_sources.find(viewer);
  json state = {{"languages", cf.info().languages},
                {"floor_language", cf.floor_language()},
                {"speaker_languages", in.speaker_languages},
                {"booths", std::move(booths)},
                {"interpreter_sources", in.interpreter_sources},
                {"listening", mine},
                {"source", source == in.interpreter_sources.end() ? std::string(c::kFloorChannel)
                                                                  : source->second}};
  if (hosts) {
    std::map<std::string, int> listeners;
    for (const auto& [id, l] : in.listening) ++listeners[l.channel];
    state["listeners"] = listeners;
  }
  return state;
}

bool sees_private(const c::Participant* p) {
  return p && (c::allowed(p->role, c::Action::see_full_queue) ||
               c::allowed(p->role, c::Action::manage_lobby));
}

}  // namespace

c::Role domain_role(Role role) {
  switch (role) {
    case Role::kOrganizer: return c::Role::organizer;
    case Role::kModerator: return c::Role::moderator;
    case Role::kSpeaker: return c::Role::speaker;
    case Role::kInterpreter: return c::Role::interpreter;
    case Role::kAttendee: return c::Role::attendee;
    case Role::kPress: return c::Role::press;
  }
  return c::Role::attendee;
}

Role api_role(c::Role role) {
  switch (role) {
    case c::Role::organizer: return Role::kOrganizer;
    case c::Role::moderator: return Role::kModerator;
    case c::Role::speaker: return Role::kSpeaker;
    case c::Role::interpreter: return Role::kInterpreter;
    case c::Role::attendee: return Role::kAttendee;
    case c::Role::press: return Role::kPress;
  }
  return Role::kAttendee;
}

ConferenceService::ConferenceService(sfu::MediaServer& media, store::Store* store, Post post)
    : media_(media), store_(store) {
  using namespace std::chrono;
  auto unix_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto steady_ms = duration_cast<milliseconds>(clock_.now().time_since_epoch()).count();
  unix_ms_at_epoch_ = unix_ms - steady_ms;
  if (store_ && post) {
    auto connection = store_->open_another();
    if (!connection) {
      log::warn(kLog, "no second store connection ({}): every input is stored on its own",
                connection.error());
      return;
    }
    writer_ = std::make_unique<store::LiveWriter>(
        std::move(*connection),
        [post = std::move(post), alive = std::weak_ptr<bool>(alive_), this](
            std::uint64_t through, std::vector<std::string> failed) {
          post([alive, this, through, failed = std::move(failed)] {
            if (alive.lock()) committed(through, failed);
          });
        });
  }
}

ConferenceService::~ConferenceService() {
  alive_.reset();   // commits reported from now on find nobody
  writer_.reset();  // stores what is queued
}

void ConferenceService::flush() {
  if (writer_) writer_->flush();
}

void ConferenceService::committed(std::uint64_t through, const std::vector<std::string>& failed) {
  for (const auto& name : failed) {
    // The log lost these inputs: the full snapshot holds them instead, before anyone is
    // told they happened.
    if (auto* live = find_live(name)) {
      log::warn(kLog, "{}: live log commit failed; writing a snapshot", name);
      write_snapshot(name, *live);
    }
  }
  durable_ = std::max(durable_, through);
  if (on_durable) on_durable(durable_);
}

ConferenceService::Live* ConferenceService::find_live(std::string_view name) {
  auto it = live_.find(name);
  return it == live_.end() ? nullptr : &it->second;
}
const ConferenceService::Live* ConferenceService::find_live(std::string_view name) const {
  auto it = live_.find(name);
  return it == live_.end() ? nullptr : &it->second;
}

c::Conference* ConferenceService::find(std::string_view name) {
  auto* live = find_live(name);
  return live ? live->domain.get() : nullptr;
}

Result<c::Conference*> ConferenceService::live(std::string_view name) {
  if (auto* existing = find_live(name)) return existing->domain.get();
  c::WallClock wall{clock_, unix_ms_at_epoch_};
  Live live;
  std::optional<store::ConferenceRecord> record;
  if (store_) {
    auto found = store_->get_conference(name);
    if (found) {
      record = std::move(*found);
    } else if (found.code() != store::StoreErrc::kNotFound) {
      return Error{fmt::format("store: {}", found.error())};
    }
  }
  if (record && record->document.contains("live")) {
    const auto& saved = record->document["live"];
    json snapshot = saved.value("snapshot", json::object());
    snapshot["timeline"] = json::array();
    auto restored = c::Conference::from_json(snapshot, wall);
    if (!restored) return Error{fmt::format("stored conference '{}' is damaged: {}", name, restored.error())};
    live.domain = std::make_unique<c::Conference>(std::move(*restored));
    if (saved.contains("subjects") && saved["subjects"].is_object()) {
      for (const auto& [sub, id] : saved["subjects"].items()) {
        if (id.is_string()) live.subjects.emplace(sub, id.get<std::string>());
      }
    }
    // What happened after the snapshot: the live log, replayed at its recorded times.
    live.log_seq = saved.value("log_seq", std::int64_t{0});
    if (store_) {
      auto entries = store_->read_live_entries(name, live.log_seq);
      if (!entries) return Error{fmt::format("store: {}", entries.error())};
      for (const auto& e : *entries) {
        replay(live, e.entry);
        live.log_seq = e.seq;
        ++live.unsnapshotted;
      }
      if (!entries->empty()) log::info(kLog, "conference {}: {} logged inputs replayed", name, entries->size());
    }
    // Nobody is connected after a restart: everyone who was in comes back by rejoining.
    snapshot = live.domain->to_json(/*with_timeline=*/false);
    if (snapshot.contains("participants") && snapshot["participants"].is_array()) {
      for (auto& p : snapshot["participants"]) {
        if (p.value("presence", "") == "present" || p.value("presence", "") == "waiting") {
          p["presence"] = "left";
        }
      }
    }
    snapshot["timeline"] = json::array();
    auto returned = c::Conference::from_json(snapshot, wall);
    if (!returned) return Error{fmt::format("restored conference '{}' is damaged: {}", name, returned.error())};
    live.domain = std::make_unique<c::Conference>(std::move(*returned));
    log::info(kLog, "conference {} restored ({}, {} participants known)", name,
              c::to_string(live.domain->state()), live.domain->participants().size());
  } else {
    c::ConferenceInfo info;
    info.id = std::string(name);
    c::Settings settings;
    if (record) {
      info.title = record->document.value("title", std::string(name));
      info.description = record->document.value("description", std::string());
      if (auto l = record->document.find("languages"); l != record->document.end() && l->is_array()) {
        for (const auto& tag : *l) {
          if (tag.is_string()) info.languages.push_back(tag.get<std::string>());
        }
      }
      settings = settings_from_document(record->document);
    } else {
      info.title = std::string(name);
    }
    auto fresh = std::make_unique<c::Conference>(info, settings, wall);
    if (record && record->document.contains("agenda") && record->document["agenda"].is_array() &&
        !record->document["agenda"].empty()) {
      // The agenda the organizer planned over REST (validated there) is the live one's start.
      auto snapshot = fresh->to_json();
      snapshot["agenda"] = json::array();
      for (const auto& item : record->document["agenda"]) {
        snapshot["agenda"].push_back({{"id", item.value("id", std::string())},
                                      {"title", item.value("title", std::string())},
                                      {"speakers", item.value("speakers", json::array())},
                                      {"planned_ms", item.value("planned_ms", std::int64_t{0})},
                                      {"language", item.value("language", std::string())},
                                      {"status", "pending"}});
      }
      auto planned = c::Conference::from_json(snapshot, wall);
      if (!planned) return Error{fmt::format("conference '{}': bad agenda: {}", name, planned.error())};
      fresh = std::make_unique<c::Conference>(std::move(*planned));
    }
    if (!record) {
      // A conference nobody scheduled (a token is all it took) is open at once, as the
      // media core always behaved: panel roles send, everyone may join.
      auto snapshot = fresh->to_json();
      snapshot["state"] = "open";
      auto opened = c::Conference::from_json(snapshot, wall);
      if (!opened) return Error{opened.error()};
      fresh = std::make_unique<c::Conference>(std::move(*opened));
    }
    live.domain = std::move(fresh);
  }
  if (record) live.version = record->version;
  auto [it, inserted] = live_.emplace(std::string(name), std::move(live));
  (void)inserted;
  if (store_ && !record) write_snapshot(it->first, it->second);
  return it->second.domain.get();
}

std::optional<std::string> ConferenceService::known_participant(std::string_view name,
                                                                std::string_view subject) const {
  const auto* live = find_live(name);
  if (!live) return std::nullopt;
  auto it = live->subjects.find(subject);
  if (it == live->subjects.end()) return std::nullopt;
  return it->second;
}

std::uint64_t ConferenceService::highest_participant_number(std::string_view name) const {
  const auto* live = find_live(name);
  std::uint64_t highest = 0;
  if (!live) return 0;
  for (const auto& [id, p] : live->domain->participants()) {
    (void)p;
    if (id.size() < 2 || id[0] != 'p') continue;
    try {
      highest = std::max<std::uint64_t>(highest, std::stoull(id.substr(1)));
    } catch (const std::exception&) {
    }
  }
  return highest;
}

Result<c::Events> ConferenceService::join(std::string_view name, const std::string& participant_id,
                                          std::string_view subject, std::string display_name,
                                          Role role, std::optional<std::string> organization,
                                          bool name_private) {
  auto domain = live(name);
  if (!domain) return Error{domain.error()};
  auto& live = *find_live(name);
  json input = {{"op", "join"},         {"at", wall_now()},        {"id", participant_id},
                {"name", display_name}, {"role", domain_role(role)},
                {"organization", organization ? json(*organization) : json(nullptr)},
                {"name_private", name_private}, {"subject", subject}};
  auto events = (*domain)->join({participant_id, std::move(display_name), domain_role(role),
                                 std::move(organization), name_private});
  if (!events) return events;
  if (!subject.empty()) live.subjects[std::string(subject)] = participant_id;
  live.applied.erase(participant_id);
  settle(std::string(name), live, *events, input);
  return events;
}

c::Events ConferenceService::leave(std::string_view name, const std::string& participant_id) {
  auto* live = find_live(name);
  if (!live) return {};
  auto at = wall_now();
  auto events = live->domain->leave(participant_id);
  if (!events) return {};
  live->applied.erase(participant_id);
  settle(std::string(name), *live, *events, {{"op", "leave"}, {"at", at}, {"id", participant_id}});
  return std::move(*events);
}

Result<c::Events> ConferenceService::command(std::string_view name, const std::string& actor,
                                             const json& message) {
  auto* live = find_live(name);
  if (!live) return Error{"not in a conference"};
  auto at = wall_now();
  auto outcome = run_command(*live->domain, actor, message);
  if (outcome) {
    json logged = message;
    logged.erase("id");
    logged.erase("type");
    settle(std::string(name), *live, *outcome,
           {{"op", "command"}, {"at", at}, {"actor", actor}, {"message", std::move(logged)}});
  }
  return outcome;
}

Result<c::Events> ConferenceService::set_recording(std::string_view name, bool on) {
  auto* live = find_live(name);
  if (!live) return Error{"the conference is not running (nobody has joined it yet)"};
  auto outcome = on ? live->domain->start_recording({}) : live->domain->stop_recording({});
  if (outcome) settle(std::string(name), *live, *outcome);
  return outcome;
}

Result<ConferenceService::Live*> ConferenceService::ran(std::string_view name) {
  if (auto* existing = find_live(name)) return existing;
  if (!store_) return static_cast<Live*>(nullptr);
  auto record = store_->get_conference(name);
  if (!record) {
    if (record.code() == store::StoreErrc::kNotFound) return static_cast<Live*>(nullptr);
    return Error{fmt::format("store: {}", record.error())};
  }
  if (!record->document.contains("live")) return static_cast<Live*>(nullptr);
  auto loaded = live(name);
  if (!loaded) return Error{loaded.error()};
  return find_live(name);
}

Result<json> ConferenceService::participants_json(std::string_view name) {
  auto live = ran(name);
  if (!live) return Error{live.error()};
  json out = json::array();
  if (!*live) return out;
  for (const auto& [id, p] : (*live)->domain->participants()) {
    json entry = {{"id", id},
                  {"name", p.name},
                  {"role", role_name(api_role(p.role))},
                  {"presence", p.presence},
                  {"audio_muted", p.audio_muted},
                  {"video_muted", p.video_muted},
                  {"chat_muted", p.chat_muted}};
    if (p.organization) entry["organization"] = *p.organization;
    out.push_back(std::move(entry));
  }
  return out;
}

Result<c::Events> ConferenceService::change_role_as_organizer(std::string_view name,
                                                              const std::string& participant,
                                                              c::Role role) {
  auto live = ran(name);
  if (!live) return Error{live.error()};
  if (!*live) return Error{"unknown participant: " + participant};
  auto outcome = (*live)->domain->change_role({}, participant, role);
  if (outcome) settle(std::string(name), **live, *outcome);
  return outcome;
}

Result<json> ConferenceService::talk_json(std::string_view name) {
  auto live = ran(name);
  if (!live) return Error{live.error()};
  json chat = json::array();
  json questions = json::array();
  if (*live) {
    const auto& cf = *(*live)->domain;
    auto name_of = [&cf](const std::string& id) {
      const auto* p = cf.participant(id);
      return p ? p->name : std::string();
    };
    for (const auto& m : cf.chat()) {
      json entry = {{"id", m.id}, {"from", m.from}, {"name", name_of(m.from)}, {"at", m.at}};
      // A message a moderator deleted is listed as deleted, without its text.
      if (m.deleted) {
        entry["deleted"] = true;
      } else {
        entry["text"] = m.text;
      }
      chat.push_back(std::move(entry));
    }
    for (const auto& q : cf.questions()) {
      questions.push_back({{"id", q.id},
                           {"author", q.author},
                           {"name", name_of(q.author)},
                           {"text", q.text},
                           {"at", q.at},
                           {"votes", q.upvoters.size()},
                           {"status", q.status}});
    }
  }
  return json{{"chat", std::move(chat)}, {"questions", std::move(questions)}};
}

std::vector<std::pair<std::string, c::Events>> ConferenceService::tick() {
  std::vector<std::pair<std::string, c::Events>> due;
  // A recording that stopped by itself (disk full, read-only): the conference goes on.
  if (recordings_) {
    for (auto& [name, reason] : recordings_->take_failures()) {
      auto* live = find_live(name);
      if (!live) continue;
      auto events = live->domain->recording_failed(reason);
      if (events.empty()) continue;
      settle(name, *live, events);
      due.emplace_back(name, std::move(events));
    }
  }
  for (auto& [name, live] : live_) {
    auto at = wall_now();
    auto events = live.domain->tick();
    if (events.empty()) continue;
    settle(name, live, events, {{"op", "tick"}, {"at", at}});
    due.emplace_back(name, std::move(events));
  }
  return due;
}

void ConferenceService::reapply_media(std::string_view name, const std::string& participant_id) {
  auto* live = find_live(name);
  if (!live) return;
  live->applied.erase(participant_id);
  live->publish_applied.erase(participant_id);
  live->stage_applied = false;
  live->interpretation_applied = false;
  enforce(std::string(name), *live);
}

bool ConferenceService::may_see(std::string_view name, std::string_view viewer,
                                const c::Event& e) const {
  if (e.audience == c::Audience::everyone) return true;
  if (e.subject == viewer) return true;
  const auto* live = find_live(name);
  return live && sees_private(live->domain->participant(std::string(viewer)));
}

std::string ConferenceService::state_for(std::string_view name, const std::string& viewer) const {
  const auto* live = find_live(name);
  if (!live) return "{}";
  const auto& cf = *live->domain;
  const auto* self = cf.participant(viewer);
  bool hosts = sees_private(self);
  json queue = json::array();
  for (const auto& entry : cf.visible_queue(viewer)) {
    queue.push_back({{"participant", entry.participant},
                     {"topic", entry.topic},
                     {"position", entry.position}});
  }
  // Authors are named: a member of the audience does not know the rest of it.
  auto name_of = [&](const std::string& id) {
    const auto* p = cf.participant(id);
    return p ? p->name : id;
  };
  json chat = json::array();
  const auto& messages = cf.chat();
  constexpr std::size_t kChatTail = 100;
  for (std::size_t i = messages.size() > kChatTail ? messages.size() - kChatTail : 0;
       i < messages.size(); ++i) {
    if (messages[i].deleted) continue;
    json m = messages[i];
    m["name"] = name_of(messages[i].from);
    chat.push_back(std::move(m));
  }
  json questions = json::array();
  for (const auto& q : cf.questions()) {
    if (q.status == c::QuestionStatus::dismissed) continue;
    questions.push_back({{"id", q.id},
                         {"author", q.author},
                         {"name", name_of(q.author)},
                         {"text", q.text},
                         {"votes", q.upvoters.size()},
                         {"status", q.status}});
  }
  json floor = nullptr;
  if (auto holder = cf.stage()) {
    floor = {{"participant", *holder}, {"remaining_ms", cf.floor_remaining_ms()}};
  }
  json state = {{"conference", cf.state()},
          {"title", cf.info().title},
          {"settings", cf.settings()},
          {"recording", cf.recording()},
          {"agenda", cf.agenda()},
          {"running_item", cf.running_item()},
          {"floor", std::move(floor)},
          {"queue", std::move(queue)},
          {"chat", std::move(chat)},
          {"questions", std::move(questions)},
          {"interpretation", interpretation_state(cf, viewer, hosts)}};
  std::string text = state.dump(-1, ' ', false, json::error_handler_t::replace);
  // The roster grows with the audience, so it is written as text, not built as a tree.
  text.pop_back();  // the object's closing brace
  // The audience sees the panel and itself (and a head count, in the welcome); everyone
  // else sees everyone.
  const bool audience_view = self && in_audience(api_role(self->role)) && !hosts;
  text += R"(,"participants":[)";
  bool first = true;
  for (const auto& [id, p] : cf.participants()) {
    if (p.presence != c::Presence::present && !(hosts && p.presence == c::Presence::waiting) &&
        id != viewer)
      continue;
    if (audience_view && in_audience(api_role(p.role)) && id != viewer) continue;
    if (!first) text += ',';
    first = false;
    text += R"({"id":)";
    json_text::append_string(text, id);
    text += R"(,"name":)";
    json_text::append_string(text, p.name);
    text += R"(,"role":)";
    json_text::append_string(text, c::to_string(p.role));
    text += R"(,"presence":)";
    json_text::append_string(text, presence_name(p.presence));
    text += R"(,"audio_muted":)";
    text += p.audio_muted ? "true" : "false";
    text += R"(,"video_muted":)";
    text += p.video_muted ? "true" : "false";
    text += R"(,"chat_muted":)";
    text += p.chat_muted ? "true" : "false";
    text += '}';
  }
  text += "]}";
  return text;
}

void ConferenceService::settle(const std::string& name, Live& live, const c::Events& events,
                               const json& input) {
  persist(name, live, events, input);
  enforce(name, live);
}

c::UnixMillis ConferenceService::wall_now() const {
  return c::WallClock{clock_, unix_ms_at_epoch_}.now();
}

json ConferenceService::live_document(const Live& live) const {
  json subjects = json::object();
  for (const auto& [sub, id] : live.subjects) subjects[sub] = id;
  return {{"snapshot", live.domain->to_json(/*with_timeline=*/false)},
          {"subjects", subjects},
          {"log_seq", live.log_seq}};
}

// One small write per input (the live log) and a full snapshot now and then: every
// kSnapshotEvery inputs, kSnapshotIntervalMs after the last one, when the conference
// ends, at shutdown, and for anything the log cannot replay.
void ConferenceService::persist(const std::string& name, Live& live, const c::Events& events,
                                const json& input) {
  if (!store_) return;
  store::LiveWrite write{name, {}, std::nullopt};
  for (const auto& e : events) {
    if (!c::is_recorded(e.body)) continue;
    write.events.push_back({std::string(c::type_name(e.body)), c::to_json(e), e.at});
  }
  const bool logged = !input.is_null() && live.version != 0;
  // The caller numbers the entries: one more than the last, which the snapshot knows.
  if (logged) write.entry = store::LiveEntry{++live.log_seq, input};
  if (!write.events.empty() || write.entry) {
    if (writer_) {
      submitted_ = writer_->submit(std::move(write));
    } else if (auto stored = store_->write_live({std::move(write)}); !stored) {
      log::warn(kLog, "{}: live log write failed ({}); writing a snapshot", name, stored.error());
      write_snapshot(name, live);
      return;
    }
  }
  if (logged) {
    ++live.unsnapshotted;
    bool due = live.unsnapshotted >= kSnapshotEvery ||
               wall_now() - live.snapshot_at >= kSnapshotIntervalMs ||
               live.domain->state() == c::ConferenceState::ended;
    if (!due) return;
  }
  write_snapshot(name, live);
}

void ConferenceService::snapshot_all() {
  if (!store_) return;
  flush();
  for (auto& [name, live] : live_) {
    if (live.unsnapshotted > 0) write_snapshot(name, live);
  }
}

void ConferenceService::replay(Live& live, const json& entry) {
  auto op = entry.value("op", std::string());
  auto at = entry.value("at", c::UnixMillis{0});
  clock_.fixed = TimePoint(std::chrono::milliseconds(at - unix_ms_at_epoch_));
  c::Outcome outcome = c::Events{};
  try {
    if (op == "join") {
      c::JoinRequest request{entry.at("id").get<std::string>(), entry.at("name").get<std::string>(),
                             entry.at("role").get<c::Role>(), std::nullopt,
                             entry.value("name_private", false)};
      if (entry.contains("organization") && entry["organization"].is_string()) {
        request.organization = entry["organization"].get<std::string>();
      }
      outcome = live.domain->join(request);
      auto subject = entry.value("subject", std::string());
      if (outcome && !subject.empty()) live.subjects[subject] = request.id;
    } else if (op == "leave") {
      outcome = live.domain->leave(entry.at("id").get<std::string>());
    } else if (op == "command") {
      outcome = run_command(*live.domain, entry.at("actor").get<std::string>(), entry.at("message"));
    } else if (op == "tick") {
      live.domain->tick();
    } else {
      outcome = Error{fmt::format("unknown entry '{}'", op)};
    }
  } catch (const json::exception& e) {
    outcome = Error{e.what()};
  }
  clock_.fixed.reset();
  if (!outcome) log::warn(kLog, "{}: live log entry not replayed: {}", live.domain->info().id, outcome.error());
}

void ConferenceService::write_snapshot(const std::string& name, Live& live) {
  live.unsnapshotted = 0;
  live.snapshot_at = wall_now();
  if (live.version == 0) {
    json document = {{"title", live.domain->info().title}, {"live", live_document(live)}};
    auto created = store_->create_conference(name, document);
    if (created) {
      live.version = created->version;
      return;
    }
    if (created.code() != store::StoreErrc::kAlreadyExists) {
      log::warn(kLog, "{}: cannot store the conference: {}", name, created.error());
      return;
    }
  }
  // The REST API may have edited the document meanwhile: keep its fields, replace ours.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto current = store_->get_conference(name);
    if (!current) {
      log::warn(kLog, "{}: cannot read the stored conference: {}", name, current.error());
      return;
    }
    json document = current->document;
    document["live"] = live_document(live);
    auto updated = store_->update_conference_if_version(name, current->version, document);
    if (updated) {
      live.version = updated->version;
      if (live.log_seq > 0) {
        if (auto dropped = store_->drop_live_entries(name, live.log_seq); !dropped) {
          log::warn(kLog, "{}: live log not trimmed: {}", name, dropped.error());
        }
      }
      return;
    }
    if (updated.code() != store::StoreErrc::kVersionConflict) {
      log::warn(kLog, "{}: snapshot not stored: {}", name, updated.error());
      return;
    }
  }
}

void ConferenceService::enforce(const std::string& name, Live& live) {
  const auto& cf = *live.domain;
  // Runs after every input, so it walks the participants and what was last applied to
  // each side by side (all three maps are ordered by id): one step per participant, not
  // one lookup per participant in each map. Only what changed goes to the media plane.
  auto applied = live.applied.begin();
  auto publish_applied = live.publish_applied.begin();
  for (const auto& [id, p] : cf.participants()) {
    std::pair<bool, bool> now{cf.may_send_media(p, c::MediaKind::audio),
                              cf.may_send_media(p, c::MediaKind::video)};
    if (record_applied(live.applied, applied, id, now))
      media_.set_send_permission(name, id, now.first, now.second);
    // Someone waiting in the lobby (or rejected) gets no media session to publish on.
    bool publish = p.presence == c::Presence::present &&
                   (p.role == c::Role::organizer || p.role == c::Role::moderator ||
                    p.role == c::Role::speaker || p.role == c::Role::interpreter);
    if (record_applied(live.publish_applied, publish_applied, id, publish) && on_publish_right)
      on_publish_right(name, id, publish);
  }
  auto stage = cf.stage();
  if (!live.stage_applied || stage != live.applied_stage) {
    live.stage_applied = true;
    live.applied_stage = stage;
    media_.set_stage(name, stage.value_or(std::string()));
  }
  // Booths and the floor language: the media plane switches the language channels.
  auto plan = cf.interpretation_media();
  if (!live.interpretation_applied || plan != live.applied_interpretation) {
    live.interpretation_applied = true;
    live.applied_interpretation = plan;
    media_.set_interpretation(name, sfu::InterpretationPlan{.floor_language = plan.floor_language,
                                                            .live = plan.live,
                                                            .interpreters = plan.interpreters});
  }
  // Recording (docs/recording.md): the recorder runs while the domain says so.
  if (recordings_ && cf.recording() != recordings_->recording(name)) {
    if (cf.recording()) {
      std::vector<std::string> languages;  // one program audio track per booth
      for (const auto& [language, interpreter] : plan.live) languages.push_back(language);
      recordings_->start(name, languages);
    } else {
      recordings_->stop(name);
    }
  }
}

}  // namespace podium::api
