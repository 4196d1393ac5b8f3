// The stage: agenda, floor and speaker queue.
#include <algorithm>
#include <utility>

#include "conference/conference.h"

namespace podium::conference {
namespace {

Error refuse(std::string why) { return Error{std::move(why)}; }

std::optional<std::string> check_item(const AgendaItem& item) {
  if (item.id.empty()) return "an agenda item needs an id";
  if (item.title.empty()) return "an agenda item needs a title";
  if (item.title.size() > Conference::kMaxTextBytes) return "title too long";
  if (item.planned_ms < 0) return "planned duration cannot be negative";
  return std::nullopt;
}

}  // namespace

std::vector<Hand>::iterator Conference::find_hand(const ParticipantId& id) {
  return std::find_if(queue_.begin(), queue_.end(),
                      [&](const Hand& h) { return h.participant == id; });
}

std::vector<AgendaItem>::iterator Conference::find_item(const std::string& id) {
  return std::find_if(agenda_.begin(), agenda_.end(),
                      [&](const AgendaItem& i) { return i.id == id; });
}

// ---------------------------------------------------------------- agenda

Outcome Conference::add_item(const ParticipantId& actor, AgendaItem item,
                             std::optional<std::size_t> index) {
  auto a = actor_for(actor, Action::edit_agenda);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  if (auto bad = check_item(item)) return refuse(*bad);
  if (find_item(item.id) != agenda_.end()) return refuse("agenda item exists: " + item.id);
  const std::size_t at = index.value_or(agenda_.size());
  if (at > agenda_.size()) return refuse("agenda position out of range");
  Events out;
  item.status = ItemStatus::pending;
  agenda_.insert(agenda_.begin() + static_cast<std::ptrdiff_t>(at), std::move(item));
  emit(out, AgendaChanged{.agenda = agenda_, .by = actor});
  return out;
}

Outcome Conference::edit_item(const ParticipantId& actor, const AgendaItem& item) {
  auto a = actor_for(actor, Action::edit_agenda);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  if (auto bad = check_item(item)) return refuse(*bad);
  auto it = find_item(item.id);
  if (it == agenda_.end()) return refuse("no agenda item " + item.id);
  Events out;
  // The status is the conference's, not the editor's. A running item's new duration
  // applies from its next start; the current floor timer is changed with extend.
  const ItemStatus status = it->status;
  *it = item;
  it->status = status;
  emit(out, AgendaChanged{.agenda = agenda_, .by = actor});
  update_floor_language(out);
  return out;
}

Outcome Conference::remove_item(const ParticipantId& actor, const std::string& item_id) {
  auto a = actor_for(actor, Action::edit_agenda);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  auto it = find_item(item_id);
  if (it == agenda_.end()) return refuse("no agenda item " + item_id);
  if (it->status == ItemStatus::running) return refuse("end the item before removing it");
  Events out;
  agenda_.erase(it);
  emit(out, AgendaChanged{.agenda = agenda_, .by = actor});
  return out;
}

Outcome Conference::move_item(const ParticipantId& actor, const std::string& item_id,
                              std::size_t index) {
  auto a = actor_for(actor, Action::edit_agenda);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  auto it = find_item(item_id);
  if (it == agenda_.end()) return refuse("no agenda item " + item_id);
  if (index >= agenda_.size()) return refuse("agenda position out of range");
  Events out;
  AgendaItem item = std::move(*it);
  agenda_.erase(it);
  agenda_.insert(agenda_.begin() + static_cast<std::ptrdiff_t>(index), std::move(item));
  emit(out, AgendaChanged{.agenda = agenda_, .by = actor});
  return out;
}

void Conference::finish_item(Events& out, const ParticipantId& by) {
  auto it = find_item(*running_item_);
  if (it != agenda_.end()) it->status = ItemStatus::done;
  emit(out, AgendaItemEnded{.item = *running_item_, .by = by});
  running_item_.reset();
  if (floor_.grant()) release_floor(out, "item_ended");
  update_floor_language(out);
}

Outcome Conference::start_item(const ParticipantId& actor, const std::string& item_id) {
  auto a = actor_for(actor, Action::run_agenda);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::live) return refuse("the conference is not live");
  auto it = find_item(item_id);
  if (it == agenda_.end()) return refuse("no agenda item " + item_id);
  if (it->status == ItemStatus::running) return refuse(item_id + " is already running");
  Events out;
  if (running_item_) finish_item(out, actor);
  it = find_item(item_id);
  it->status = ItemStatus::running;
  running_item_ = item_id;
  emit(out, AgendaItemStarted{
                .item = it->id, .title = it->title, .language = it->language, .by = actor});
  update_floor_language(out);
  // Starting an item grants the floor directly: the moderator's "next" is the grant.
  if (!it->speakers.empty()) {
    const Participant* first = participant(it->speakers.front());
    if (first && first->presence == Presence::present && allowed(first->role, Action::hold_floor)) {
      give_floor(out, actor, first->id, it->planned_ms, it->id);
    }
  }
  return out;
}

Outcome Conference::end_item(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::run_agenda);
  if (!a) return Error{a.error()};
  if (!running_item_) return refuse("no agenda item is running");
  Events out;
  finish_item(out, actor);
  return out;
}

// ---------------------------------------------------------------- floor

void Conference::release_floor(Events& out, const std::string& reason) {
  const UnixMillis t = now();
  const std::int64_t held = floor_.held_ms(t);
  std::optional<FloorGrant> g = floor_.take_back();
  if (!g) return;
  emit(out, FloorReleased{.participant = g->holder,
                          .reason = reason,
                          .held_ms = held,
                          .granted_at = g->granted_at});
  // A replacement announces the new speaker's language once, after the grant.
  if (reason != "replaced") update_floor_language(out);
  // The time-up mute belonged to that turn; it ends with it.
  if (g->muted_by_timer) {
    auto it = participants_.find(g->holder);
    if (it != participants_.end() && it->second.audio_muted) {
      it->second.audio_muted = false;
      it->second.audio_unmute_asked = false;
      emit(out, ParticipantUnmuted{.participant = g->holder, .kind = MediaKind::audio});
    }
  }
}

void Conference::give_floor(Events& out, const ParticipantId& by, const ParticipantId& target,
                            std::int64_t allotted_ms, std::optional<std::string> item) {
  if (floor_.grant()) release_floor(out, "replaced");
  if (find_hand(target) != queue_.end()) remove_hand(out, target, "granted", by);
  floor_.give(target, item, allotted_ms, now());
  emit(out,
       FloorGranted{.participant = target, .allotted_ms = allotted_ms, .item = item, .by = by});
  update_floor_language(out);
}

Outcome Conference::grant_floor(const ParticipantId& actor, const ParticipantId& target,
                                std::int64_t allotted_ms) {
  auto a = actor_for(actor, Action::control_floor);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::live) return refuse("the conference is not live");
  if (allotted_ms < 0) return refuse("allotted time cannot be negative");
  auto t = present(target);
  if (!t) return Error{t.error()};
  if (!allowed((*t)->role, Action::hold_floor)) {
    return refuse("a " + std::string(to_string((*t)->role)) +
                  " may not hold the floor; promote them to speaker first");
  }
  if (floor_.held_by(target)) return refuse(target + " already holds the floor");
  std::optional<std::string> item;
  if (running_item_) {
    auto it = find_item(*running_item_);
    if (it != agenda_.end() &&
        std::find(it->speakers.begin(), it->speakers.end(), target) != it->speakers.end()) {
      item = it->id;
    }
  }
  Events out;
  give_floor(out, actor, target, allotted_ms, item);
  return out;
}

Outcome Conference::revoke_floor(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::control_floor);
  if (!a) return Error{a.error()};
  if (!floor_.grant()) return refuse("nobody holds the floor");
  Events out;
  release_floor(out, "revoked");
  return out;
}

Outcome Conference::yield_floor(const ParticipantId& actor) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  if (!floor_.held_by(actor)) return refuse("you do not hold the floor");
  Events out;
  release_floor(out, "yielded");
  return out;
}

Outcome Conference::extend_floor(const ParticipantId& actor, std::int64_t ms) {
  auto a = actor_for(actor, Action::control_floor);
  if (!a) return Error{a.error()};
  if (!floor_.grant()) return refuse("nobody holds the floor");
  if (floor_.grant()->allotted_ms == 0) return refuse("the floor is untimed");
  if (ms <= 0) return refuse("extend by a positive time");
  Events out;
  const UnixMillis t = now();
  floor_.extend(ms, t);
  const FloorGrant& g = *floor_.grant();
  emit(out, FloorTimerChanged{.participant = g.holder,
                              .allotted_ms = g.allotted_ms,
                              .remaining_ms = floor_.remaining_ms(t),
                              .paused = floor_.paused()});
  if (g.muted_by_timer && floor_.remaining_ms(t) > 0) {
    Participant& p = participants_.at(g.holder);
    floor_.set_muted_by_timer(false);
    if (p.audio_muted) {
      p.audio_muted = false;
      p.audio_unmute_asked = false;
      emit(out, ParticipantUnmuted{.participant = p.id, .kind = MediaKind::audio});
    }
  }
  return out;
}

Outcome Conference::pause_floor(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::control_floor);
  if (!a) return Error{a.error()};
  if (!floor_.grant()) return refuse("nobody holds the floor");
  if (floor_.paused()) return refuse("the floor timer is already paused");
  Events out;
  const UnixMillis t = now();
  floor_.pause(t);
  emit(out, FloorTimerChanged{.participant = floor_.grant()->holder,
                              .allotted_ms = floor_.grant()->allotted_ms,
                              .remaining_ms = floor_.remaining_ms(t),
                              .paused = true});
  return out;
}

Outcome Conference::resume_floor(const ParticipantId& actor) {
  auto a = actor_for(actor, Action::control_floor);
  if (!a) return Error{a.error()};
  if (!floor_.grant()) return refuse("nobody holds the floor");
  if (!floor_.paused()) return refuse("the floor timer is not paused");
  Events out;
  const UnixMillis t = now();
  floor_.resume(t);
  emit(out, FloorTimerChanged{.participant = floor_.grant()->holder,
                              .allotted_ms = floor_.grant()->allotted_ms,
                              .remaining_ms = floor_.remaining_ms(t),
                              .paused = false});
  return out;
}

Events Conference::tick() {
  Events out;
  interpretation_tick(out);
  if (state_ != ConferenceState::live) return out;
  const UnixMillis t = now();
  for (Floor::Due d = floor_.due(t); d != Floor::Due::nothing; d = floor_.due(t)) {
    const ParticipantId holder = floor_.grant()->holder;
    if (d == Floor::Due::one_minute_left) {
      emit(out, FloorOneMinuteLeft{.participant = holder});
      continue;
    }
    emit(out, FloorTimeUp{.participant = holder});
    Participant& p = participants_.at(holder);
    if (settings_.mute_at_time_up && !p.audio_muted) {
      p.audio_muted = true;
      floor_.set_muted_by_timer(true);
      emit(out, ParticipantMuted{.participant = holder, .kind = MediaKind::audio, .by = ""});
    }
  }
  return out;
}

// ---------------------------------------------------------------- speaker queue

void Conference::remove_hand(Events& out, const ParticipantId& id, const std::string& reason,
                             const ParticipantId& by) {
  auto it = find_hand(id);
  if (it == queue_.end()) return;
  queue_.erase(it);
  emit(out, HandLowered{.participant = id, .reason = reason, .by = by}, Audience::hosts_and_subject,
       id);
}

Outcome Conference::raise_hand(const ParticipantId& actor, std::string topic) {
  auto a = actor_for(actor, Action::raise_hand);
  if (!a) return Error{a.error()};
  if (state_ != ConferenceState::open && state_ != ConferenceState::live) {
    return refuse("hands can be raised while the conference is open or live");
  }
  if (topic.size() > kMaxTextBytes) return refuse("topic too long");
  if (find_hand(actor) != queue_.end()) return refuse("your hand is already raised");
  if (floor_.held_by(actor)) return refuse("you hold the floor");
  Events out;
  queue_.push_back(Hand{.participant = actor, .topic = topic, .raised_at = now()});
  emit(out, HandRaised{.participant = actor, .topic = std::move(topic), .position = queue_.size()},
       Audience::hosts_and_subject, actor);
  return out;
}

Outcome Conference::lower_hand(const ParticipantId& actor) {
  auto a = present(actor);
  if (!a) return Error{a.error()};
  if (find_hand(actor) == queue_.end()) return refuse("your hand is not raised");
  Events out;
  remove_hand(out, actor, "lowered", actor);
  return out;
}

Outcome Conference::move_hand(const ParticipantId& actor, const ParticipantId& target,
                              std::size_t index) {
  auto a = actor_for(actor, Action::manage_queue);
  if (!a) return Error{a.error()};
  auto it = find_hand(target);
  if (it == queue_.end()) return refuse(target + " has no raised hand");
  if (index >= queue_.size()) return refuse("queue position out of range");
  Events out;
  Hand h = std::move(*it);
  queue_.erase(it);
  queue_.insert(queue_.begin() + static_cast<std::ptrdiff_t>(index), std::move(h));
  QueueReordered e{.order = {}, .by = actor};
  for (const Hand& hand : queue_) e.order.push_back(hand.participant);
  emit(out, std::move(e), Audience::hosts_and_subject);
  return out;
}

Outcome Conference::grant_hand(const ParticipantId& actor, const ParticipantId& target,
                               std::int64_t allotted_ms) {
  auto a = actor_for(actor, Action::manage_queue);
  if (!a) return Error{a.error()};
  if (!allowed((*a)->role, Action::control_floor)) {
    return refuse("a " + std::string(to_string((*a)->role)) + " may not control_floor");
  }
  if (state_ != ConferenceState::live) return refuse("the conference is not live");
  if (allotted_ms < 0) return refuse("allotted time cannot be negative");
  if (find_hand(target) == queue_.end()) return refuse(target + " has no raised hand");
  auto t = present(target);
  if (!t) return Error{t.error()};
  Events out;
  if (!allowed((*t)->role, Action::hold_floor)) set_role(out, **t, Role::speaker, actor, "queue");
  give_floor(out, actor, target, allotted_ms, std::nullopt);
  return out;
}

Outcome Conference::dismiss_hand(const ParticipantId& actor, const ParticipantId& target) {
  auto a = actor_for(actor, Action::manage_queue);
  if (!a) return Error{a.error()};
  if (find_hand(target) == queue_.end()) return refuse(target + " has no raised hand");
  Events out;
  remove_hand(out, target, "dismissed", actor);
  return out;
}

std::vector<QueueEntry> Conference::visible_queue(const ParticipantId& viewer) const {
  std::vector<QueueEntry> out;
  const Participant* v = participant(viewer);
  if (!v || v->presence != Presence::present) return out;
  const bool all = allowed(v->role, Action::see_full_queue);
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (!all && queue_[i].participant != viewer) continue;
    out.push_back(QueueEntry{
        .participant = queue_[i].participant, .topic = queue_[i].topic, .position = i + 1});
  }
  return out;
}

}  // namespace podium::conference
