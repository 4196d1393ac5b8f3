#include "util/json_text.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <string>

namespace podium::json_text {
namespace {

std::string nlohmann_text(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(encode("plain"), "\"plain\"");
  EXPECT_EQ(encode(""), "\"\"");
  EXPECT_EQ(encode("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(encode("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(encode(std::string("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(encode("/\x7f"), "\"/\x7f\"");  // neither needs escaping
}

TEST(JsonText, KeepsValidUtf8AsItIs) {
  const std::string names = "Ана Петрова · Zoë · 議長 · \xF0\x9F\x8E\xA4";
  EXPECT_EQ(encode(names), "\"" + names + "\"");
}

TEST(JsonText, ReplacesInvalidUtf8WithTheReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(encode("a\xFF" "b"), "\"a" + fffd + "b\"");
  EXPECT_EQ(encode("\xC0\xAF"), "\"" + fffd + fffd + "\"");             // overlong '/'
  EXPECT_EQ(encode("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // a surrogate
  EXPECT_EQ(encode("x\xE2\x82"), "\"x" + fffd + "\"");                   // cut short
  EXPECT_EQ(encode("\xE2\x82" "A"), "\"" + fffd + "A\"");                // broken, then A
}

// Whatever the bytes, the text is what nlohmann::json writes for them: clients parse
// both, and the welcome mixes both.
TEST(JsonText, MatchesNlohmannOnArbitraryBytes) {
  std::mt19937 random(7);
  // Mostly the bytes that matter: ASCII, escapes, leads and continuations.
  const std::string alphabet = std::string("aZ \"\\/\x01\x1f\x7f", 9) +
                               "\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf\xe0\xe1\xed\xef\xf0"
                               "\xf1\xf4\xf5\xff";
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int length = static_cast<int>(random() % 12);
    for (int k = 0; k < length; ++k) {
      s += random() % 4 == 0 ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
    }
    std::string hex;
    for (unsigned char c : s) hex += fmt::format("{:02x} ", c);
    ASSERT_EQ(encode(s), nlohmann_text(s)) << "input bytes: " << hex;
  }
}

TEST(JsonText, AppendsAnObjectOfStrings) {
  std::string out = "[";
  append_object(out, {{"id", "p1"}, {"name", "Ana \"A\""}});
  out += ',';
  append_object(out, {});
  out += ']';
  EXPECT_EQ(out, R"([{"id":"p1","name":"Ana \"A\""},{}])");
  EXPECT_EQ(nlohmann::json::parse(out)[0].at("name"), "Ana \"A\"");
}

TEST(JsonText, AppendsToWhatIsThere) {
  std::string out = "{\"name\":";
  append_string(out, "Ana");
  out += '}';
  EXPECT_EQ(nlohmann::json::parse(out).at("name"), "Ana");
}

}  // namespace
}  // namespace podium::json_text
