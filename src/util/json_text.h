// JSON text written straight into a string, for the few messages whose size grows with
// the audience (a welcome lists everyone present). Built as nlohmann::json trees they
// cost a map and several allocations per participant; appended as text, a few bytes.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace podium::json_text {

// Appends `text` as a JSON string, quotes included (RFC 8259 §7): '"', '\' and the
// control characters escaped, everything else as it is. Bytes that are not valid UTF-8
// become U+FFFD, one for each maximal invalid run as nlohmann::json's dump with
// error_handler_t::replace writes them, so text and tree give the same bytes.
void append_string(std::string& out, std::string_view text);

// Appends an object whose members are all strings, {"key":"value",...}, in the order
// given.
void append_object(std::string& out,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> members);

// `text` as a JSON string.
inline std::string encode(std::string_view text) {
  std::string out;
  append_string(out, text);
  return out;
}

}  // namespace podium::json_text
