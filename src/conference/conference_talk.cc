// Chat and Q&A.
#include <algorithm>
#include <utility>

#include "conference/conference.h"

namespace podium::conference {
namespace {

Error refuse(std::string why) { return Error{std::move(why)}; }

std::optional<std::string> check_text(const std::string& text) {
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return "empty text";
  }
  if (text.size() > Conference::kMaxTextBytes) return "text too long";
  return std::nullopt;
}

}  // namespace

Question* Conference::find_question(std::uint64_t id) {
  auto it = std::find_if(questions_.begin(), questions_.end(),
                         [&](const Question& q) { return q.id == id; });
  return it == questions_.end() ? nullptr : &*it;
}

// ---------------------------------------------------------------- chat

Outcome Conference::send_chat(const ParticipantId& actor, std::string text) {
  // panel-only: the panel writes, everyone reads (a webinar's chat).
  const Action needed =
      settings_.chat == ChatMode::panel_only ? Action::chat_when_panel_only : Action::chat;
  auto a = present(actor);
  if (!a) return Error{a.error()};
  if (state_ == ConferenceState::ended) return refuse("the conference has ended");
  if (settings_.chat == ChatMode::off) return refuse("chat is off");
  if (!allowed((*a)->role, needed)) return refuse("chat is panel-only");
  if ((*a)->chat_muted) return refuse("you are muted in chat");
  if (auto bad = check_text(text)) return refuse(*bad);
  Events out;
  const std::uint64_t id = next_chat_id_++;
  chat_.push_back(ChatMessage{.id = id, .from = actor, .text = text, .at = now()});
  emit(out, ChatMessageSent{.id = id, .from = actor, .text = std::move(text)});
  return out;
}

Outcome Conference::delete_chat(const ParticipantId& actor, std::uint64_t message_id) {
  auto a = actor_for(actor, Action::moderate_chat);
  if (!a) return Error{a.error()};
  auto it = std::find_if(chat_.begin(), chat_.end(),
                         [&](const ChatMessage& m) { return m.id == message_id; });
  if (it == chat_.end() || it->deleted) return refuse("no such message");
  Events out;
  it->deleted = true;
  it->text.clear();  // a deleted message is not kept, not even in a snapshot
  emit(out, ChatMessageDeleted{.id = message_id, .by = actor});
  return out;
}

Outcome Conference::mute_chat(const ParticipantId& actor, const ParticipantId& target, bool muted) {
  auto a = actor_for(actor, Action::moderate_chat);
  if (!a) return Error{a.error()};
  auto it = participants_.find(target);
  if (it == participants_.end()) return refuse("unknown participant: " + target);
  if (it->second.chat_muted == muted) {
    return refuse(target + (muted ? " is already muted in chat" : " is not muted in chat"));
  }
  Events out;
  it->second.chat_muted = muted;
  emit(out, ChatMuteChanged{.participant = target, .muted = muted, .by = actor});
  return out;
}

// ---------------------------------------------------------------- Q&A

Outcome Conference::ask_question(const ParticipantId& actor, std::string text) {
  auto a = actor_for(actor, Action::ask_question);
  if (!a) return Error{a.error()};
  if (!settings_.qa) return refuse("Q&A is off");
  if (state_ != ConferenceState::open && state_ != ConferenceState::live) {
    return refuse("questions can be asked while the conference is open or live");
  }
  if (auto bad = check_text(text)) return refuse(*bad);
  Events out;
  const std::uint64_t id = next_question_id_++;
  questions_.push_back(
      Question{.id = id, .author = actor, .text = text, .at = now(), .upvoters = {}});
  emit(out, QuestionAsked{.id = id, .author = actor, .text = std::move(text)});
  return out;
}

Outcome Conference::upvote_question(const ParticipantId& actor, std::uint64_t question_id) {
  auto a = actor_for(actor, Action::upvote_question);
  if (!a) return Error{a.error()};
  if (!settings_.qa) return refuse("Q&A is off");
  Question* q = find_question(question_id);
  if (!q) return refuse("no such question");
  if (q->status != QuestionStatus::open) return refuse("the question is no longer open");
  if (q->author == actor) return refuse("you cannot upvote your own question");
  if (std::find(q->upvoters.begin(), q->upvoters.end(), actor) != q->upvoters.end()) {
    return refuse("you have already upvoted this question");
  }
  Events out;
  q->upvoters.push_back(actor);
  emit(out, QuestionUpvoted{.id = question_id, .by = actor, .votes = q->upvoters.size()});
  return out;
}

Outcome Conference::pick_question(const ParticipantId& actor, std::uint64_t question_id,
                                  bool promote_author, std::int64_t allotted_ms) {
  auto a = actor_for(actor, Action::moderate_questions);
  if (!a) return Error{a.error()};
  Question* q = find_question(question_id);
  if (!q) return refuse("no such question");
  if (q->status != QuestionStatus::open) return refuse("the question is no longer open");
  Participant* author = nullptr;
  if (promote_author) {
    if (!allowed((*a)->role, Action::control_floor)) {
      return refuse("a " + std::string(to_string((*a)->role)) + " may not control_floor");
    }
    if (state_ != ConferenceState::live) return refuse("the conference is not live");
    if (allotted_ms < 0) return refuse("allotted time cannot be negative");
    auto p = present(q->author);
    if (!p) return Error{p.error()};
    if (floor_.held_by(q->author)) return refuse(q->author + " already holds the floor");
    author = *p;
  }
  Events out;
  q->status = QuestionStatus::picked;
  emit(out, QuestionStatusChanged{.id = question_id, .status = q->status, .by = actor});
  if (author) {
    if (!allowed(author->role, Action::hold_floor)) {
      set_role(out, *author, Role::speaker, actor, "question");
    }
    give_floor(out, actor, author->id, allotted_ms, std::nullopt);
  }
  return out;
}

Outcome Conference::answer_question(const ParticipantId& actor, std::uint64_t question_id) {
  return close_question(actor, question_id, QuestionStatus::answered);
}

Outcome Conference::dismiss_question(const ParticipantId& actor, std::uint64_t question_id) {
  return close_question(actor, question_id, QuestionStatus::dismissed);
}

Outcome Conference::close_question(const ParticipantId& actor, std::uint64_t question_id,
                                   QuestionStatus status) {
  auto a = actor_for(actor, Action::moderate_questions);
  if (!a) return Error{a.error()};
  Question* q = find_question(question_id);
  if (!q) return refuse("no such question");
  if (q->status != QuestionStatus::open && q->status != QuestionStatus::picked) {
    return refuse("the question is already closed");
  }
  Events out;
  q->status = status;
  emit(out, QuestionStatusChanged{.id = question_id, .status = q->status, .by = actor});
  return out;
}

}  // namespace podium::conference
