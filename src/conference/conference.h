// One conference: its state, people, agenda, floor, speaker queue, lobby, chat, Q&A
// and timeline. Pure logic: a command either returns the events it caused or a
// refusal with a reason (and then nothing changed). Time comes from the Clock given
// at construction; the same state, command and time always give the same result.
//
// `actor` in every command is the participant who asks, as authenticated by the caller
// (the signaling layer knows who is on the socket). The permission table in role.h
// decides what each role may do; docs/roles.md explains it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conference/events.h"
#include "conference/floor.h"
#include "conference/interpretation.h"
#include "conference/model.h"
#include "conference/role.h"
#include "util/clock.h"
#include "util/result.h"

namespace podium::conference {

using Outcome = Result<Events>;

struct JoinRequest {
  ParticipantId id{};
  std::string name{};
  Role role = Role::attendee;
  std::optional<std::string> organization{};
  bool name_private = false;  // never named in the record (docs/record.md)
};

// Maps the monotonic Clock onto wall-clock milliseconds: unix_ms_at_epoch is the Unix
// time at which clock.now() read zero. The server passes system_clock − steady_clock.
struct WallClock {
  const Clock& clock;
  UnixMillis unix_ms_at_epoch = 0;
  UnixMillis now() const;
};

class Conference {
 public:
  static constexpr std::size_t kMaxTextBytes = 2000;

  Conference(ConferenceInfo info, Settings settings, WallClock clock);

  // --- lifecycle: scheduled → open → live → ended ---
  Outcome open(const ParticipantId& actor);
  Outcome go_live(const ParticipantId& actor);
  Outcome end(const ParticipantId& actor);
  Outcome change_settings(const ParticipantId& actor, const Settings& settings);

  // --- people ---
  Outcome join(const JoinRequest& request);
  Outcome leave(const ParticipantId& id);
  // An empty actor is the organizer through the REST API (authenticated there).
  Outcome change_role(const ParticipantId& actor, const ParticipantId& target, Role role);
  Outcome admit(const ParticipantId& actor, const ParticipantId& target);
  Outcome reject(const ParticipantId& actor, const ParticipantId& target);
  Outcome admit_all(const ParticipantId& actor);

  // --- moderator mute; the media layer enforces it through may_send_media ---
  Outcome mute(const ParticipantId& actor, const ParticipantId& target, MediaKind kind);
  Outcome ask_to_unmute(const ParticipantId& actor, const ParticipantId& target, MediaKind kind);
  Outcome accept_unmute(const ParticipantId& actor, MediaKind kind);

  // --- agenda ---
  // index: 0-based place to insert at; none appends.
  Outcome add_item(const ParticipantId& actor, AgendaItem item,
                   std::optional<std::size_t> index = std::nullopt);
  Outcome edit_item(const ParticipantId& actor, const AgendaItem& item);
  Outcome remove_item(const ParticipantId& actor, const std::string& item_id);
  Outcome move_item(const ParticipantId& actor, const std::string& item_id, std::size_t index);
  // Starts the item (ending a running one) and grants the floor to its first listed
  // speaker when that speaker is present and may hold the floor, for the item's planned
  // duration. Otherwise the floor stays free for the moderator to grant.
  Outcome start_item(const ParticipantId& actor, const std::string& item_id);
  Outcome end_item(const ParticipantId& actor);

  // --- floor ---
  // allotted_ms: 0 = untimed. Replaces the current holder, if any.
  Outcome grant_floor(const ParticipantId& actor, const ParticipantId& target,
                      std::int64_t allotted_ms = 0);
  Outcome revoke_floor(const ParticipantId& actor);
  Outcome yield_floor(const ParticipantId& actor);
  Outcome extend_floor(const ParticipantId& actor, std::int64_t ms);
  Outcome pause_floor(const ParticipantId& actor);
  Outcome resume_floor(const ParticipantId& actor);
  // Due timer events (one minute left, time up, mute at time up). Call periodically.
  Events tick();

  // --- speaker queue ---
  Outcome raise_hand(const ParticipantId& actor, std::string topic = {});
  Outcome lower_hand(const ParticipantId& actor);
  // index: 0-based place in the queue (QueueEntry::position is 1-based, for people).
  Outcome move_hand(const ParticipantId& actor, const ParticipantId& target, std::size_t index);
  // Gives the floor to a raised hand, promoting an attendee or press to speaker first.
  Outcome grant_hand(const ParticipantId& actor, const ParticipantId& target,
                     std::int64_t allotted_ms = 0);
  Outcome dismiss_hand(const ParticipantId& actor, const ParticipantId& target);
  std::vector<QueueEntry> visible_queue(const ParticipantId& viewer) const;

  // --- chat ---
  Outcome send_chat(const ParticipantId& actor, std::string text);
  Outcome delete_chat(const ParticipantId& actor, std::uint64_t message_id);
  Outcome mute_chat(const ParticipantId& actor, const ParticipantId& target, bool muted);

  // --- Q&A ---
  Outcome ask_question(const ParticipantId& actor, std::string text);
  Outcome upvote_question(const ParticipantId& actor, std::uint64_t question_id);
  // promote_author: give the author the floor (promoting to speaker if needed).
  Outcome pick_question(const ParticipantId& actor, std::uint64_t question_id,
                        bool promote_author = false, std::int64_t allotted_ms = 0);
  Outcome answer_question(const ParticipantId& actor, std::uint64_t question_id);
  Outcome dismiss_question(const ParticipantId& actor, std::uint64_t question_id);

  // --- interpretation (conference_interpretation.cc, docs/interpretation.md) ---
  // The language target speaks on the floor ("": the running item's). Themselves, if
  // they may hold the floor; anyone's with manage_interpretation.
  Outcome set_speaker_language(const ParticipantId& actor, const ParticipantId& target,
                               const std::string& language);
  // Puts an interpreter in the booth of `language` (moving them from another booth, or
  // changing the source languages they cover). A present interpreter in a booth where
  // nobody is live goes live.
  Outcome assign_interpreter(const ParticipantId& actor, const ParticipantId& target,
                             const std::string& language, std::vector<std::string> sources = {});
  Outcome unassign_interpreter(const ParticipantId& actor, const ParticipantId& target);
  // The live interpreter hands over to `to` (default: the one other present boothmate),
  // or a standby interpreter asks to take over (to must then be empty or themselves).
  // The incoming goes live when either of the two confirms, or after
  // kHandoverCountdownMs (tick). Nobody live: the standby goes live at once.
  Outcome request_handover(const ParticipantId& actor, const std::optional<ParticipantId>& to);
  Outcome confirm_handover(const ParticipantId& actor);
  // language: the booth (needed by hosts; an interpreter's default is their own booth).
  Outcome cancel_handover(const ParticipantId& actor, const std::optional<std::string>& language);
  Outcome mute_booth(const ParticipantId& actor, const std::optional<std::string>& language,
                     bool muted);
  // "floor", or another booth's language (relay).
  Outcome set_interpreter_source(const ParticipantId& actor, const std::string& source);
  // "floor" or a conference language, and the floor level under a language channel (0..1).
  Outcome choose_listening(const ParticipantId& actor, const std::string& channel,
                           std::optional<double> floor_level);
  Outcome ask_slower(const ParticipantId& actor);

  // The floor holder's language, else the running item's; "" unknown.
  std::string floor_language() const;
  const Interpretation& interpretation() const { return interp_; }
  const Booth* booth_of(const ParticipantId& interpreter) const;
  const Booth* booth(const std::string& language) const;
  InterpretationMedia interpretation_media() const;

  // --- recording (docs/recording.md): organizers and moderators (manage_conference) ---
  // Starts only while open or live; going live starts it when settings.recording is on.
  // An empty actor is the organizer through the REST API (authenticated there).
  Outcome start_recording(const ParticipantId& actor);
  Outcome stop_recording(const ParticipantId& actor);
  // The server could not go on (the disk is full or read-only): stopped, with why.
  Events recording_failed(const std::string& detail);
  bool recording() const { return recording_; }

  // --- queries ---
  // Live: the floor holder and the roles with send_media_when_live. Before live (open
  // or scheduled): roles with send_media_before_live, for a green-room check. Ended:
  // nobody. Always: present, and not muted for that kind by a moderator or the timer.
  bool may_send_media(const ParticipantId& id, MediaKind kind) const;
  // The same for one of participants(), without looking it up again.
  bool may_send_media(const Participant& p, MediaKind kind) const;
  std::optional<ParticipantId> stage() const;
  std::optional<std::int64_t> floor_remaining_ms() const;

  const ConferenceInfo& info() const { return info_; }
  const Settings& settings() const { return settings_; }
  ConferenceState state() const { return state_; }
  const Participant* participant(const ParticipantId& id) const;
  const std::map<ParticipantId, Participant>& participants() const { return participants_; }
  const std::vector<AgendaItem>& agenda() const { return agenda_; }
  const std::optional<std::string>& running_item() const { return running_item_; }
  const std::vector<ChatMessage>& chat() const { return chat_; }
  const std::vector<Question>& questions() const { return questions_; }
  const Events& timeline() const { return timeline_; }

  // The whole state, so a conference survives a restart. with_timeline=false leaves the
  // timeline out for a store that keeps it as its own append-only table.
  nlohmann::json to_json(bool with_timeline = true) const;
  static Result<Conference> from_json(const nlohmann::json& j, WallClock clock);

 private:
  // Answered or dismissed: the two ways a question leaves the list.
  Outcome close_question(const ParticipantId& actor, std::uint64_t question_id, QuestionStatus status);
  UnixMillis now() const { return clock_.now(); }
  Result<Participant*> actor_for(const ParticipantId& id, Action action);
  Result<Participant*> present(const ParticipantId& id);
  void emit(Events& out, EventBody body, Audience audience = Audience::everyone,
            ParticipantId subject = {});

  // Pieces that several commands share; they assume the checks are done.
  void release_floor(Events& out, const std::string& reason);
  void give_floor(Events& out, const ParticipantId& by, const ParticipantId& target,
                  std::int64_t allotted_ms, std::optional<std::string> item);
  void set_role(Events& out, Participant& p, Role role, const ParticipantId& by,
                const std::string& reason);
  void enter(Events& out, Participant& p);
  void remove_hand(Events& out, const ParticipantId& id, const std::string& reason,
                   const ParticipantId& by);
  void finish_item(Events& out, const ParticipantId& by);
  std::vector<Hand>::iterator find_hand(const ParticipantId& id);
  std::vector<AgendaItem>::iterator find_item(const std::string& id);
  Question* find_question(std::uint64_t id);

  // Interpretation pieces shared with the other commands.
  Booth* find_booth(const std::string& language);
  Booth* find_booth_of(const ParticipantId& interpreter);
  bool is_language(const std::string& language) const;
  void update_floor_language(Events& out);
  void set_booth_live(Events& out, Booth& booth, const ParticipantId& to, const std::string& reason,
                      const ParticipantId& by);
  void complete_handover(Events& out, Booth& booth, const std::string& reason,
                         const ParticipantId& by);
  void drop_handover(Events& out, Booth& booth, const std::string& reason, const ParticipantId& by);
  // A present interpreter in a booth with nobody live goes live (reason: assigned/joined).
  void staff_booth(Events& out, Booth& booth, const ParticipantId& id, const std::string& reason,
                   const ParticipantId& by);
  // The interpreter left, lost the role, or the conference ended.
  void interpreter_gone(Events& out, const ParticipantId& id, const std::string& reason,
                        const ParticipantId& by, bool unassign);
  void interpretation_tick(Events& out);

  ConferenceInfo info_;
  Settings settings_;
  WallClock clock_;
  ConferenceState state_ = ConferenceState::scheduled;
  std::map<ParticipantId, Participant> participants_;
  std::vector<AgendaItem> agenda_{};
  std::optional<std::string> running_item_{};
  Floor floor_;
  std::vector<Hand> queue_{};
  std::vector<ChatMessage> chat_{};
  std::vector<Question> questions_{};
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_chat_id_ = 1;
  std::uint64_t next_question_id_ = 1;
  Events timeline_;
  bool recording_ = false;
  Interpretation interp_;
};

}  // namespace podium::conference
