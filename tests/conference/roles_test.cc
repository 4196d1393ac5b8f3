// The permission table in code and the one in docs/roles.md must be the same table.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "conference/role.h"

namespace podium::conference {
namespace {

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');  // before the first bar
  while (std::getline(in, cell, '|')) {
    const auto b = cell.find_first_not_of(" `");
    const auto e = cell.find_last_not_of(" `");
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

TEST(RolesDoc, TableInDocsMatchesTheCode) {
  std::ifstream doc(std::string(PODIUM_SOURCE_DIR) + "/docs/roles.md");
  ASSERT_TRUE(doc) << "docs/roles.md not found";
  std::string line;
  std::vector<Role> columns;
  while (std::getline(doc, line)) {
    if (line.rfind("| action |", 0) == 0) break;
  }
  const std::vector<std::string> header = cells(line);
  ASSERT_EQ(header.size(), 1 + kRoleCount) << "no permission table header in docs/roles.md";
  for (std::size_t i = 1; i < header.size(); ++i) {
    auto role = parse_role(header[i]);
    ASSERT_TRUE(role) << "unknown role column " << header[i];
    columns.push_back(*role);
  }
  std::getline(doc, line);  // | --- | ...
  std::vector<Action> seen;
  while (std::getline(doc, line) && line.rfind("|", 0) == 0) {
    const std::vector<std::string> row = cells(line);
    ASSERT_EQ(row.size(), header.size()) << line;
    auto action = parse_action(row[0]);
    ASSERT_TRUE(action) << "docs/roles.md lists an action the code does not know: " << row[0];
    seen.push_back(*action);
    for (std::size_t i = 1; i < row.size(); ++i) {
      ASSERT_TRUE(row[i] == "yes" || row[i] == "no") << line;
      EXPECT_EQ(row[i] == "yes", allowed(columns[i - 1], *action))
          << to_string(*action) << " for " << to_string(columns[i - 1])
          << " differs between docs/roles.md and role.cc";
    }
  }
  const auto& all = all_actions();
  EXPECT_EQ(seen, std::vector<Action>(all.begin(), all.end()))
      << "docs/roles.md must list every action once, in the code's order";
}

TEST(Roles, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(parse_role(to_string(r)), r);
  for (Action a : all_actions()) EXPECT_EQ(parse_action(to_string(a)), a);
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_FALSE(parse_action("fly"));
}

TEST(Roles, KeyRules) {
  EXPECT_FALSE(allowed(Role::attendee, Action::control_floor));
  EXPECT_FALSE(allowed(Role::speaker, Action::control_floor));
  EXPECT_TRUE(allowed(Role::moderator, Action::control_floor));
  EXPECT_FALSE(allowed(Role::moderator, Action::assign_host_role));
  EXPECT_TRUE(allowed(Role::organizer, Action::assign_host_role));
  EXPECT_FALSE(allowed(Role::interpreter, Action::hold_floor));
  EXPECT_TRUE(allowed(Role::press, Action::ask_question));
}

}  // namespace
}  // namespace podium::conference
