// One line per event: "2026-11-25T14:00:00.123Z INFO  [component] message".
#pragma once

#include <fmt/format.h>
#include <string_view>

namespace podium::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

void set_level(Level level);
Level level();
// Parses "trace", "debug", "info", "warn", "error", "off".
bool parse_level(std::string_view text, Level& out);
void write(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> fmt, Args&&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, component, fmt::format(fmt, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> fmt, Args&&... args) {
  if (level() <= Level::kWarn) write(Level::kWarn, component, fmt::format(fmt, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> fmt, Args&&... args) {
  if (level() <= Level::kError) write(Level::kError, component, fmt::format(fmt, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> fmt, Args&&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, component, fmt::format(fmt, std::forward<Args>(args)...));
}

}  // namespace podium::log
