// Loads the offer fixtures in tests/sdp/data.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace podium::sdp::testing {

inline std::string load_fixture(const std::string& name) {
  std::ifstream in(std::string(PODIUM_SDP_TEST_DATA) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces every occurrence of `from` with `to`.
inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Removes every line that starts with `prefix`.
inline std::string remove_lines(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    end = end == std::string::npos ? text.size() : end + 1;
    std::string line = text.substr(pos, end - pos);
    if (line.rfind(prefix, 0) != 0) out += line;
    pos = end;
  }
  return out;
}

}  // namespace podium::sdp::testing
