// Live interpretation: floor language, booths, handovers, relay, listeners' choice.
#include "conference/interpretation.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "conference/conference.h"

namespace podium::conference {
namespace {

Error refuse(std::string why) { return Error{std::move(why)}; }

bool has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool in_booth(const Booth& b, const ParticipantId& id) {
  return std::any_of(b.interpreters.begin(), b.interpreters.end(),
                     [&](const BoothInterpreter& i) { return i.participant == id; });
}

}  // namespace

// ---------------------------------------------------------------- helpers

Booth* Conference::find_booth(const std::string& language) {
  auto it = std::find_if(interp_.booths.begin(), interp_.booths.end(),
                         [&](const Booth& b) { return b.language == language; });
  return it == interp_.booths.end() ? nullptr : &*it;
}

Booth* Conference::find_booth_of(const ParticipantId& interpreter) {
  for (Booth& b : interp_.booths) {
    if (in_booth(b, interpreter)) return &b;
  }
  return nullptr;
}

const Booth* Conference::booth_of(const ParticipantId& interpreter) const {
  for (const Booth& b : interp_.booths) {
    if (in_booth(b, interpreter)) return &b;
  }
  return nullptr;
}

const Booth* Conference::booth(const std::string& language) const {
  for (const Booth& b : interp_.booths) {
    if (b.language == language) return &b;
  }
  return nullptr;
}

bool Conference::is_language(const std::string& language) const {
  return has(info_.languages, language);
}

std::string Conference::floor_language() const {
  if (floor_.grant()) {
    auto it = interp_.speaker_languages.find(floor_.grant()->holder);
    if (it != interp_.speaker_languages.end()) return it->second;
  }
  if (running_item_) {
    auto it = std::find_if(agenda_.begin(), agenda_.end(),
                           [&](const AgendaItem& i) { return i.id == *running_item_; });
    if (it != agenda_.end()) return it->language;
  }
  return {};
}

void Conference::update_floor_language(Events& out) {
  std::string now_speaking = floor_language();
  if (now_speaking == interp_.floor_language) return;
  interp_.floor_language = now_speaking;
  emit(out, FloorLanguageChanged{.language = std::move(now_speaking),
                                 .speaker = floor_.grant() ? floor_.grant()->holder : "",
                                 .item = running_item_});
}

void Conference::set_booth_live(Events& out, Booth& booth, const ParticipantId& to,
                                const std::string& reason, const ParticipantId& by) {
  const UnixMillis t = now();
  emit(out, BoothLiveChanged{.language = booth.language,
                             .from = booth.live,
                             .to = to,
                             .from_since = booth.live.empty() ? 0 : booth.live_since,
                             .reason = reason,
                             .by = by});
  booth.live = to;
  booth.live_since = to.empty() ? 0 : t;
}

void Conference::complete_handover(Events& out, Booth& booth, const std::string& reason,
                                   const ParticipantId& by) {
  Handover h = *booth.handover;
  booth.handover.reset();
  set_booth_live(out, booth, h.to, reason, by);
}

void Conference::drop_handover(Events& out, Booth& booth, const std::string& reason,
                               const ParticipantId& by) {
  if (!booth.handover) return;
  Handover h = *booth.handover;
  booth.handover.reset();
  emit(out, HandoverCancelled{
                .language = booth.language, .from = h.from, .to = h.to, .by = by, .reason = reason});
}

void Conference::staff_booth(Events& out, Booth& booth, const ParticipantId& id,
                             const std::string& reason, const ParticipantId& by) {
  if (!booth.live.empty() || state_ == ConferenceState::ended) return;
  const Participant* p = participant(id);
  if (!p || p->presence != Presence::present) return;
  set_booth_live(out, booth, id, reason, by);
}

void Conference::interpreter_gone(Events& out, const ParticipantId& id, const std::string& reason,
                                  const ParticipantId& by, bool unassign) {
  Booth* b = find_booth_of(id);
  if (!b) return;
  if (b->handover && (b->handover->from == id || b->handover->to == id)) {
    drop_handover(out, *b, reason, by);
  }
  if (b->live == id) set_booth_live(out, *b, "", reason, by);
  if (!unassign) return;
  std::erase_if(b->interpreters, [&](const BoothInterpreter& i) { return i.participant == id; });
  emit(out, InterpreterUnassigned{
                .participant = id, .language = b->language, .by = by, .reason = reason});
  interp_.interpreter_sources.erase(id);
  if (b->interpreters.empty()) {
    const std::string language = b->language;
    std::erase_if(interp_.booths, [&](const Booth& x) { return x.language == language; });
  }
}

void Conference::interpretation_tick(Events& out) {
  const UnixMillis t = now();
  for (Booth& b : interp_.booths) {
    if (b.handover && b.handover->due_at <= t) complete_handover(out, b, "countdown", "");
  }
}

InterpretationMedia Conference::interpretation_media() const {
  InterpretationMedia m;
  m.floor_language = floor_language();
  for (const std::string& language : info_.languages) m.live[language] = "";
  for (const Booth& b : interp_.booths) {
    const bool sounding = !b.muted && state_ != ConferenceState::ended;
    m.live[b.language] = sounding ? b.live : "";
  }
  for (const auto& [id, p] : participants_) {
    if (p.role == Role::interpreter) m.interpreters.insert(id);
  }
  return m;
}

// ---------------------------------------------------------------- commands

Outcome Conference::set_speaker_language(const ParticipantId& actor, const ParticipantId& target,
                                         const std::string& language) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  if (actor == target) {
    if (!allowed((*a)->role, Action::hold_floor) &&
        !allowed((*a)->role, Action::manage_interpretation)) {
      return refuse("a " + std::string(to_string((*a)->role)) + " does not speak on the floor");
    }
  } else if (!allowed((*a)->role, Action::manage_interpretation)) {
    return refuse("a " + std::string(to_string((*a)->role)) + " may not manage_interpretation");
  }
  if (!participant(target)) return refuse("unknown participant: " + target);
  if (!language.empty() && !is_language(language)) {
    return refuse("'" + language + "' is not a language of this conference");
  }
  auto it = interp_.speaker_languages.find(target);
  const std::string before = it == interp_.speaker_languages.end() ? "" : it->second;
  if (before == language) return refuse(target + " already speaks that language");
  if (language.empty()) {
    interp_.speaker_languages.erase(target);
  } else {
    interp_.speaker_languages[target] = language;
  }
  Events out;
  emit(out, SpeakerLanguageSet{.participant = target, .language = language, .by = actor});
  update_floor_language(out);
  return out;
}

Outcome Conference::assign_interpreter(const ParticipantId& actor, const ParticipantId& target,
                                       const std::string& language,
                                       std::vector<std::string> sources) {
  auto a = actor_for(actor, Action::manage_interpretation);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  if (!is_language(language)) return refuse("'" + language + "' is not a language of this conference");
  const Participant* t = participant(target);
  if (!t) return refuse("unknown participant: " + target);
  if (!allowed(t->role, Action::interpret)) {
    return refuse("a " + std::string(to_string(t->role)) +
                  " cannot work in a booth; make them an interpreter first");
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  for (const std::string& s : sources) {
    if (!is_language(s)) return refuse("source '" + s + "' is not a language of this conference");
    if (s == language) return refuse("a booth does not interpret into its own source language");
  }
  Booth* current = find_booth_of(target);
  Events out;
  if (current && current->language == language) {
    auto it = std::find_if(current->interpreters.begin(), current->interpreters.end(),
                           [&](const BoothInterpreter& i) { return i.participant == target; });
    if (it->sources == sources) return refuse(target + " is already in the " + language + " booth");
    it->sources = sources;
    emit(out, InterpreterAssigned{
                  .participant = target, .language = language, .sources = sources, .by = actor});
    return out;
  }
  if (current) interpreter_gone(out, target, "moved", actor, /*unassign=*/true);
  Booth* b = find_booth(language);
  if (!b) {
    interp_.booths.push_back(Booth{.language = language});
    b = &interp_.booths.back();
  }
  b->interpreters.push_back(BoothInterpreter{.participant = target, .sources = sources});
  // Relay from one's own booth makes no sense; floor is the default again.
  auto src = interp_.interpreter_sources.find(target);
  if (src != interp_.interpreter_sources.end() && src->second == language) {
    interp_.interpreter_sources.erase(src);
    emit(out, InterpreterSourceChanged{.participant = target, .source = kFloorChannel});
  }
  emit(out, InterpreterAssigned{
                .participant = target, .language = language, .sources = std::move(sources), .by = actor});
  staff_booth(out, *b, target, "assigned", actor);
  return out;
}

Outcome Conference::unassign_interpreter(const ParticipantId& actor, const ParticipantId& target) {
  auto a = actor_for(actor, Action::manage_interpretation);
  if (!a) return Error{a.error()};
  if (!find_booth_of(target)) return refuse(target + " is not in a booth");
  Events out;
  interpreter_gone(out, target, "unassigned", actor, /*unassign=*/true);
  return out;
}

Outcome Conference::request_handover(const ParticipantId& actor,
                                     const std::optional<ParticipantId>& to) {
  auto a = actor_for(actor, Action::interpret);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  Booth* b = find_booth_of(actor);
  if (!b) return refuse("you are not in a booth");
  if (b->handover) return refuse("a handover is already under way in the " + b->language + " booth");
  auto present_in_booth = [&](const ParticipantId& id) {
    const Participant* p = participant(id);
    return in_booth(*b, id) && p && p->presence == Presence::present;
  };
  Events out;
  if (b->live != actor) {
    // A standby interpreter asks to take over.
    if (to && *to != actor) return refuse("only the live interpreter hands over to someone else");
    if (b->live.empty()) {
      set_booth_live(out, *b, actor, "took_over", actor);
      return out;
    }
    b->handover = Handover{.from = b->live,
                           .to = actor,
                           .requested_by = actor,
                           .requested_at = now(),
                           .due_at = now() + kHandoverCountdownMs};
  } else {
    ParticipantId incoming;
    if (to) {
      if (*to == actor) return refuse("you are live already");
      if (!present_in_booth(*to)) return refuse(*to + " is not present in the " + b->language + " booth");
      incoming = *to;
    } else {
      std::vector<ParticipantId> others;
      for (const auto& i : b->interpreters) {
        if (i.participant != actor && present_in_booth(i.participant)) others.push_back(i.participant);
      }
      if (others.empty()) return refuse("nobody else is in the " + b->language + " booth");
      if (others.size() > 1) return refuse("name the interpreter to hand over to");
      incoming = others.front();
    }
    b->handover = Handover{.from = actor,
                           .to = incoming,
                           .requested_by = actor,
                           .requested_at = now(),
                           .due_at = now() + kHandoverCountdownMs};
  }
  const Handover& h = *b->handover;
  emit(out, HandoverRequested{
                .language = b->language, .from = h.from, .to = h.to, .by = actor, .due_at = h.due_at});
  return out;
}

Outcome Conference::confirm_handover(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::interpret);
  if (!a) return Error{a.error()};
  Booth* b = find_booth_of(actor);
  if (!b || !b->handover) return refuse("no handover is under way in your booth");
  if (b->handover->from != actor && b->handover->to != actor) {
    return refuse("the handover is between " + b->handover->from + " and " + b->handover->to);
  }
  Events out;
  complete_handover(out, *b, "handover", actor);
  return out;
}

Outcome Conference::cancel_handover(const ParticipantId& actor,
                                    const std::optional<std::string>& language) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  const bool host = allowed((*a)->role, Action::manage_interpretation);
  if (!host && !allowed((*a)->role, Action::interpret)) {
    return refuse("a " + std::string(to_string((*a)->role)) + " may not interpret");
  }
  Booth* b = language ? find_booth(*language) : find_booth_of(actor);
  if (!b || !b->handover) return refuse("no handover is under way");
  if (!host && b->handover->from != actor && b->handover->to != actor) {
    return refuse("the handover is between " + b->handover->from + " and " + b->handover->to);
  }
  Events out;
  drop_handover(out, *b, "cancelled", actor);
  return out;
}

Outcome Conference::mute_booth(const ParticipantId& actor, const std::optional<std::string>& language,
                               bool muted) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  const bool host = allowed((*a)->role, Action::manage_interpretation);
  Booth* b = nullptr;
  if (host && language) {
    b = find_booth(*language);
    if (!b) return refuse("no booth for '" + *language + "'");
  } else if (allowed((*a)->role, Action::interpret)) {
    b = find_booth_of(actor);
    if (!b) return refuse("you are not in a booth");
    if (language && *language != b->language) return refuse("you may mute only your own booth");
  } else if (host) {
    return refuse("name the booth's language");
  } else {
    return refuse("a " + std::string(to_string((*a)->role)) + " may not manage_interpretation");
  }
  if (b->muted == muted) return refuse(std::string("the booth is already ") + (muted ? "muted" : "on"));
  Events out;
  b->muted = muted;
  emit(out, BoothMuteChanged{.language = b->language, .muted = muted, .by = actor});
  return out;
}

Outcome Conference::set_interpreter_source(const ParticipantId& actor, const std::string& source) {
  auto a = actor_for(actor, Action::interpret);
  if (!a) return Error{a.error()};
  const Booth* own = booth_of(actor);
  if (source != kFloorChannel) {
    if (!is_language(source)) return refuse("'" + source + "' is not a language of this conference");
    if (own && own->language == source) return refuse("relay from another booth, not your own");
  }
  auto it = interp_.interpreter_sources.find(actor);
  const std::string before = it == interp_.interpreter_sources.end() ? kFloorChannel : it->second;
  if (before == source) return refuse("you already listen to " + source);
  if (source == kFloorChannel) {
    interp_.interpreter_sources.erase(actor);
  } else {
    interp_.interpreter_sources[actor] = source;
  }
  Events out;
  emit(out, InterpreterSourceChanged{.participant = actor, .source = source});
  return out;
}

Outcome Conference::choose_listening(const ParticipantId& actor, const std::string& channel,
                                     std::optional<double> floor_level) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  if (channel != kFloorChannel && !is_language(channel)) {
    return refuse("'" + channel + "' is not a language of this conference");
  }
  if (floor_level && !(std::isfinite(*floor_level) && *floor_level >= 0.0 && *floor_level <= 1.0)) {
    return refuse("the floor level must be between 0 and 1");
  }
  Listening& l = interp_.listening[actor];
  l.channel = channel;
  if (floor_level) l.floor_level = *floor_level;
  Events out;
  emit(out, ListeningChanged{.participant = actor, .channel = l.channel, .floor_level = l.floor_level},
       Audience::hosts_and_subject, actor);
  if (l.channel == kFloorChannel && l.floor_level == kDefaultFloorLevel) {
    interp_.listening.erase(actor);  // the default needs no entry
  }
  return out;
}

Outcome Conference::ask_slower(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::interpret);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::live) return refuse("the conference is not live");
  const Booth* b = booth_of(actor);
  if (!b) return refuse("you are not in a booth");
  Events out;
  emit(out,
       SlowerPleaseAsked{.participant = actor,
                         .language = b->language,
                         .speaker = floor_.grant() ? floor_.grant()->holder : ""},
       Audience::hosts_and_subject, actor);
  return out;
}

}  // namespace podium::conference
