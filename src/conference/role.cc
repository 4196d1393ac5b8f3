#include "conference/role.h"

namespace podium::conference {
namespace {

struct Row {
  Action action;
  std::string_view name;
  // organizer, moderator, speaker, interpreter, attendee, press
  std::array<bool, kRoleCount> allowed;
};

constexpr bool Y = true;
constexpr bool N = false;

// THE permission table. Change docs/roles.md in the same commit.
constexpr std::array<Row, kActionCount> kTable = {{
    {Action::manage_conference, "manage_conference", {Y, Y, N, N, N, N}},
    {Action::edit_agenda, "edit_agenda", {Y, Y, N, N, N, N}},
    {Action::run_agenda, "run_agenda", {Y, Y, N, N, N, N}},
    {Action::control_floor, "control_floor", {Y, Y, N, N, N, N}},
    {Action::hold_floor, "hold_floor", {Y, Y, Y, N, N, N}},
    {Action::manage_queue, "manage_queue", {Y, Y, N, N, N, N}},
    {Action::see_full_queue, "see_full_queue", {Y, Y, N, N, N, N}},
    {Action::raise_hand, "raise_hand", {N, N, Y, N, Y, Y}},
    {Action::manage_lobby, "manage_lobby", {Y, Y, N, N, N, N}},
    {Action::change_role, "change_role", {Y, Y, N, N, N, N}},
    {Action::assign_host_role, "assign_host_role", {Y, N, N, N, N, N}},
    {Action::mute_others, "mute_others", {Y, Y, N, N, N, N}},
    {Action::chat, "chat", {Y, Y, Y, Y, Y, Y}},
    {Action::chat_when_panel_only, "chat_when_panel_only", {Y, Y, Y, Y, N, N}},
    {Action::moderate_chat, "moderate_chat", {Y, Y, N, N, N, N}},
    {Action::ask_question, "ask_question", {N, N, N, N, Y, Y}},
    {Action::upvote_question, "upvote_question", {Y, Y, Y, Y, Y, Y}},
    {Action::moderate_questions, "moderate_questions", {Y, Y, N, N, N, N}},
    {Action::join_before_open, "join_before_open", {Y, Y, Y, Y, N, N}},
    {Action::send_media_before_live, "send_media_before_live", {Y, Y, Y, N, N, N}},
    {Action::send_media_when_live, "send_media_when_live", {Y, Y, N, N, N, N}},
    {Action::manage_interpretation, "manage_interpretation", {Y, Y, N, N, N, N}},
    {Action::interpret, "interpret", {N, N, N, Y, N, N}},
}};

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "organizer", "moderator", "speaker", "interpreter", "attendee", "press"};

constexpr bool table_is_in_enum_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].action) != i) return false;
  }
  return true;
}
static_assert(table_is_in_enum_order(), "kTable rows must follow the Action enum order");

constexpr std::array<Action, kActionCount> make_actions() {
  std::array<Action, kActionCount> out{};
  for (std::size_t i = 0; i < kTable.size(); ++i) out[i] = kTable[i].action;
  return out;
}
constexpr std::array<Action, kActionCount> kActions = make_actions();

}  // namespace

bool allowed(Role role, Action action) {
  return kTable[static_cast<std::size_t>(action)].allowed[static_cast<std::size_t>(role)];
}

std::string_view to_string(Role role) { return kRoleNames[static_cast<std::size_t>(role)]; }

std::string_view to_string(Action action) { return kTable[static_cast<std::size_t>(action)].name; }

std::optional<Role> parse_role(std::string_view name) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

std::optional<Action> parse_action(std::string_view name) {
  for (const Row& row : kTable) {
    if (row.name == name) return row.action;
  }
  return std::nullopt;
}

const std::array<Action, kActionCount>& all_actions() { return kActions; }

}  // namespace podium::conference
