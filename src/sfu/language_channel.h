// Interpretation in one conference's router (docs/interpretation.md).
//
// Language channels ("lang:<code>") are plain forwarding: their consumers follow the
// live interpreter's audio producer, switched like the WHEP stage. The per-language
// program ("program:<code>") is made here: for each booth language with a live
// interpreter, one mixer (not one per listener) decodes the floor and the interpreter,
// lays the interpreter over the floor ducked to kFloorGain, encodes the result with
// libopus and hands it, as RTP, to an internal producer that consumers subscribe to.
// Each input is decoded once, however many programs use it. Worker thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/audio_mixer.h"
#include "sfu/media_server.h"
#include "util/clock.h"

namespace podium::rtp {
class RtpPacket;
}

namespace podium::sfu {

class Producer;

// "lang:ru" → "ru" (and the same for "program:"); nullopt for any other track id; an
// empty string for a malformed code (see is_valid_language_code in media_server.h).
std::optional<std::string> language_of_channel(std::string_view track_id);
std::optional<std::string> language_of_program(std::string_view track_id);

class LanguagePrograms {
 public:
  static constexpr float kFloorGain = 0.2f;  // the floor under the interpreter, ≈ -14 dB
  static constexpr int kPayloadType = 111;

  LanguagePrograms();
  ~LanguagePrograms();
  LanguagePrograms(const LanguagePrograms&) = delete;
  LanguagePrograms& operator=(const LanguagePrograms&) = delete;

  // What is mixed from now on: the floor's audio producer (null: none) and, per
  // language, the live interpreter's audio producer. A language left out stops: its
  // program producer is destroyed after its consumers are detached (the router points
  // them at the floor). A language whose interpreter changes keeps its producer, so its
  // consumers see one continuous stream.
  void configure(const Producer* floor, const std::map<std::string, const Producer*>& interpreters,
                 TimePoint now);
  // The program producer of a language, or null when none is mixed now.
  Producer* program(const std::string& language) const;
  bool active() const { return !programs_.empty(); }
  std::size_t program_count() const { return programs_.size(); }

  // An audio packet of any producer of the conference; kept when it is an input.
  void on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet);

  // One 20 ms frame of every program: pull each input once, mix, encode, forward.
  void mix(TimePoint now);

 private:
  struct Input {
    const Producer* producer = nullptr;
    OpusInput decoder;
    PcmFrame frame{};
    bool audible = false;  // this tick's frame is not silence
  };
  struct Program {
    std::string language;
    const Producer* interpreter = nullptr;
    std::unique_ptr<Producer> output;
    ProgramEncoder encoder;
    std::uint32_t ssrc = 0;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    PcmFrame mixed{};
    std::array<std::uint8_t, 1500> packet{};
  };
  Input* input(const Producer* producer);
  void keep_inputs();

  const Producer* floor_ = nullptr;
  std::vector<std::unique_ptr<Input>> inputs_;
  std::map<std::string, std::unique_ptr<Program>> programs_;
};

}  // namespace podium::sfu
