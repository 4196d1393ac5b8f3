// The signaling "command" message (docs/protocol.md) on the conference domain.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "conference/conference.h"

namespace podium::api {

// Every command name of the signaling "command" message; the schema lists the same.
const std::vector<std::string_view>& command_names();

// Runs one command `message` ({"command": name, ...arguments}) by `actor`: an unknown
// command, an unknown argument or a malformed one is refused with a reason and changes
// nothing; otherwise the domain decides.
conference::Outcome run_command(conference::Conference& conference, const std::string& actor,
                                const nlohmann::json& message);

}  // namespace podium::api
