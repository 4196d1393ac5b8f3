#include "util/json_text.h"

#include <cstdint>

namespace podium::json_text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Length of the UTF-8 sequence starting at text[i] when it is complete and well formed
// (no overlong form, no surrogate, nothing above U+10FFFF: RFC 3629 §4); otherwise 0,
// and `valid` is how many of its bytes were acceptable before the first one that is not.
std::size_t sequence_length(std::string_view text, std::size_t i, std::size_t& valid) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    valid = 0;
    return 0;
  }
  valid = 1;
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return 0;
    const std::uint8_t b = byte(i + k);
    const bool in_range = k == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xBF);
    if (!in_range) return 0;
    ++valid;
  }
  return length;
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  auto flush = [&](std::size_t end) { out.append(text.data() + run, end - run); };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<std::uint8_t>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      std::size_t valid = 0;
      if (std::size_t length = sequence_length(text, i, valid); length != 0) {
        i += length;
        continue;
      }
      flush(i);
      out += kReplacement;
      // A broken sequence is replaced as a whole; the byte that broke it starts anew.
      i += valid == 0 ? 1 : valid;
      run = i;
      continue;
    }
    flush(i);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    run = ++i;
  }
  flush(text.size());
  out += '"';
}

void append_object(std::string& out,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
  out += '{';
  for (const auto& [key, value] : members) {
    if (out.back() != '{') out += ',';
    append_string(out, key);
    out += ':';
    append_string(out, value);
  }
  out += '}';
}

}  // namespace podium::json_text
