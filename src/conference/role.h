// Roles and the one permission table (role × action → allowed). docs/roles.md mirrors
// this table; tests/conference/roles_doc_test.cc fails when the two disagree.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace podium::conference {

enum class Role { organizer, moderator, speaker, interpreter, attendee, press };
inline constexpr std::size_t kRoleCount = 6;
inline constexpr std::array<Role, kRoleCount> kAllRoles = {Role::organizer, Role::moderator,
                                                           Role::speaker,   Role::interpreter,
                                                           Role::attendee,  Role::press};

// What a participant may ask the conference to do. Rules that depend on state rather
// than role (only the floor holder yields, nobody upvotes their own question) live in
// the commands themselves.
enum class Action {
  manage_conference,  // open, go live, end, change settings
  edit_agenda,        // add, edit, remove, reorder items
  run_agenda,         // start and end items
  control_floor,      // grant, revoke, extend, pause, resume the floor
  hold_floor,         // may be given the floor without a promotion
  manage_queue,       // reorder, grant, dismiss raised hands
  see_full_queue,     // see every raised hand, not only one's own
  raise_hand,
  manage_lobby,          // admit, reject
  change_role,           // to speaker, interpreter, attendee or press
  assign_host_role,      // to organizer or moderator
  mute_others,           // mute audio/video, ask to unmute
  chat,                  // write when chat is open to everyone
  chat_when_panel_only,  // write when chat is panel-only
  moderate_chat,         // delete messages, mute a participant's chat
  ask_question,
  upvote_question,
  moderate_questions,      // pick, mark answered, dismiss
  join_before_open,        // join while the conference is still scheduled (green room)
  send_media_before_live,  // send audio/video before the conference is live
  send_media_when_live,    // send audio/video while live without holding the floor
  manage_interpretation,   // assign interpreters to booths, mute booths, set floor languages
  interpret,               // work in a booth: hand over, choose floor or relay, "slower please"
};
inline constexpr std::size_t kActionCount = 23;

bool allowed(Role role, Action action);

std::string_view to_string(Role role);
std::string_view to_string(Action action);
std::optional<Role> parse_role(std::string_view name);
std::optional<Action> parse_action(std::string_view name);

// Every action, in table order (the order docs/roles.md lists them).
const std::array<Action, kActionCount>& all_actions();

}  // namespace podium::conference
