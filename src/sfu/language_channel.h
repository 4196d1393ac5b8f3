// Interpretation in one conference's router (docs/interpretation.md).
//
// Language channels ("lang:<code>") are plain forwarding: their consumers follow the
// live interpreter's audio producer, switched like the WHEP stage. The per-language
// program ("program:<code>") is made here: for each booth language that someone listens
// to (or a recorder holds), one mixer (not one per listener) decodes the floor voices
// and the live interpreter, lays the interpreter over the floor (the loudest few
// voices, see FloorMix) ducked to kFloorGain, encodes the result with libopus and
// hands it, as RTP, to an internal producer that consumers subscribe to. Each input is
// decoded once, however many programs use it; nothing is decoded for a program nobody
// needs. Worker thread only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
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
  // Floor voices decoded per tick at most (a conference without floor control may have
  // many open microphones): the floor holder, then the loudest; FloorMix keeps 3 of them.
  static constexpr std::size_t kMaxFloorInputs = 16;

  LanguagePrograms();
  ~LanguagePrograms();
  LanguagePrograms(const LanguagePrograms&) = delete;
  LanguagePrograms& operator=(const LanguagePrograms&) = delete;

  // What is mixed from now on. `floor_voices`: every audio producer that may be heard on
  // the floor (not an interpreter's; a paused one simply sends nothing), `floor_holder`
  // among them (null: none) keeps its place in the mix whenever it speaks. `booths`:
  // every booth language and its live interpreter's audio producer (null: nobody live,
  // muted, or the floor speaks that language: the program is the floor at full level).
  // A language left out stops: its program producer is destroyed after its consumers
  // are detached (the router points them at the floor). A language kept keeps its
  // producer, so its consumers see one continuous stream.
  void configure(const Producer* floor_holder, const std::vector<const Producer*>& floor_voices,
                 const std::map<std::string, const Producer*>& booths, TimePoint now);
  // The same with the floor holder as the only floor voice.
  void configure(const Producer* floor, const std::map<std::string, const Producer*>& booths,
                 TimePoint now);
  // The program producer of a language, or null when the language has no booth.
  Producer* program(const std::string& language) const;

  // A program is mixed only while something needs it: a consumer of its producer (a
  // "program:<code>" subscription, WHEP ?lang=<code>) or a hold (a recorder). Holds
  // are counted and outlive configure(); release what you hold.
  void hold(const std::string& language);
  void release(const std::string& language);
  // Whether mix() has anything to do (a program needed, or one to stop).
  bool active() const;
  // Programs mixed on the last tick.
  std::size_t program_count() const { return running_; }
  // Every program packet as it is produced (tests, a recorder); empty: none.
  using PacketObserver =
      std::function<void(const std::string& language, const rtp::RtpPacket& packet, TimePoint now)>;
  void set_packet_observer(PacketObserver observer) { observer_ = std::move(observer); }

  // An audio packet of any producer of the conference; kept when it is an input.
  void on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet);

  // One 20 ms frame of every needed program: start or stop programs as their need
  // changed, pull each input once, mix, encode, forward.
  void mix(TimePoint now);

 private:
  struct Input {
    const Producer* producer = nullptr;
    OpusInput decoder;
    PcmFrame frame{};
    bool decoded = false;  // pulled this tick
    bool audible = false;  // this tick's frame is not silence
  };
  struct Program {
    std::string language;
    const Producer* interpreter = nullptr;
    std::unique_ptr<Producer> output;
    ProgramEncoder encoder;
    bool running = false;
    std::uint32_t ssrc = 0;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    std::uint64_t frames = 0;
    TimePoint last_frame_at{};
    PcmFrame mixed{};
    std::array<std::uint8_t, 1500> packet{};
  };
  bool needed(const Program& program) const;
  void start(Program& program, TimePoint now);
  Input* input(const Producer* producer);
  void keep_inputs();
  void decode_floor();

  const Producer* floor_holder_ = nullptr;
  std::vector<const Producer*> floor_voices_;
  std::vector<std::unique_ptr<Input>> inputs_;
  std::map<std::string, std::unique_ptr<Program>> programs_;
  std::map<std::string, int> holds_;
  std::size_t running_ = 0;
  FloorMix floor_mix_;
  std::vector<FloorMix::Voice> voices_;        // reused per tick
  std::vector<Input*> floor_inputs_;           // reused per tick
  PacketObserver observer_;
};

// 20 ms program frames mixed per language since start-up, for /metrics (all conferences
// of the process; updated by the workers, read from any thread).
std::map<std::string, std::uint64_t> program_frames_by_language();

}  // namespace podium::sfu
