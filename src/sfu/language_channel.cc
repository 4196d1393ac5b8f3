#include "sfu/language_channel.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "sfu/consumer.h"
#include "sfu/producer.h"
#include "util/log.h"

namespace podium::sfu {
namespace {

constexpr std::string_view kChannelPrefix = "lang:";
constexpr std::string_view kProgramPrefix = "program:";

std::optional<std::string> language_after(std::string_view track_id, std::string_view prefix) {
  if (track_id.substr(0, prefix.size()) != prefix) return std::nullopt;
  auto code = track_id.substr(prefix.size());
  if (!is_valid_language_code(code)) return std::string();
  return std::string(code);
}

template <typename T>
T random_value() {
  T value{};
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

RtpCodecParameters program_codec() {
  RtpCodecParameters codec;
  codec.payload_type = LanguagePrograms::kPayloadType;
  codec.name = "opus";
  codec.codec = rtp::Codec::kOpus;
  codec.clock_rate = kMixSampleRate;
  codec.channels = 2;  // RFC 7587 §7: always opus/48000/2; the stream itself is mono
  codec.fmtp = "minptime=10;useinbandfec=1";
  return codec;
}

}  // namespace

bool is_valid_language_code(std::string_view code) {
  if (code.empty() || code.size() > 35) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::optional<std::string> language_of_channel(std::string_view track_id) {
  return language_after(track_id, kChannelPrefix);
}

std::optional<std::string> language_of_program(std::string_view track_id) {
  return language_after(track_id, kProgramPrefix);
}

namespace {

// The per-language frame counters behind /metrics: read by the HTTP thread, so a lock;
// taken once per program per 20 ms tick, never per packet.
struct FrameCounters {
  std::mutex mutex;
  std::map<std::string, std::uint64_t> frames;
};

FrameCounters& frame_counters() {
  static FrameCounters counters;
  return counters;
}

}  // namespace

std::map<std::string, std::uint64_t> program_frames_by_language() {
  auto& counters = frame_counters();
  std::lock_guard lock(counters.mutex);
  return counters.frames;
}

LanguagePrograms::LanguagePrograms() = default;

LanguagePrograms::~LanguagePrograms() {
  // Consumers never outlive the router that owns this; detach any left all the same.
  for (auto& [language, program] : programs_) {
    auto consumers = program->output->consumers();
    for (Consumer* consumer : consumers) consumer->set_source(nullptr, TimePoint{});
  }
}

LanguagePrograms::Input* LanguagePrograms::input(const Producer* producer) {
  if (!producer) return nullptr;
  for (auto& in : inputs_)
    if (in->producer == producer) return in.get();
  return nullptr;
}

void LanguagePrograms::configure(const Producer* floor,
                                 const std::map<std::string, const Producer*>& booths,
                                 TimePoint now) {
  std::vector<const Producer*> voices;
  if (floor) voices.push_back(floor);
  configure(floor, voices, booths, now);
}

void LanguagePrograms::configure(const Producer* floor_holder,
                                 const std::vector<const Producer*>& floor_voices,
                                 const std::map<std::string, const Producer*>& booths,
                                 TimePoint now) {
  floor_holder_ = floor_holder;
  floor_voices_ = floor_voices;
  if (floor_holder_ &&
      std::find(floor_voices_.begin(), floor_voices_.end(), floor_holder_) == floor_voices_.end())
    floor_voices_.push_back(floor_holder_);
  for (auto it = programs_.begin(); it != programs_.end();) {
    if (booths.count(it->first)) {
      ++it;
      continue;
    }
    log::info("sfu", "interpretation: program {} removed", it->first);
    auto consumers = it->second->output->consumers();
    for (Consumer* consumer : consumers) consumer->set_source(nullptr, now);
    it = programs_.erase(it);
  }
  for (const auto& [language, interpreter] : booths) {
    auto& program = programs_[language];
    if (!program) {
      program = std::make_unique<Program>();
      program->language = language;
      program->output =
          std::make_unique<Producer>("program:" + language, MediaKind::kAudio, program_codec());
      program->ssrc = random_value<std::uint32_t>();
      program->sequence = random_value<std::uint16_t>();
      program->timestamp = random_value<std::uint32_t>();
      program->output->set_ssrc(program->ssrc);
    }
    program->interpreter = interpreter;
  }
  keep_inputs();
}

Producer* LanguagePrograms::program(const std::string& language) const {
  auto it = programs_.find(language);
  return it == programs_.end() ? nullptr : it->second->output.get();
}

void LanguagePrograms::hold(const std::string& language) { ++holds_[language]; }

void LanguagePrograms::release(const std::string& language) {
  auto it = holds_.find(language);
  if (it == holds_.end()) return;
  if (--it->second <= 0) holds_.erase(it);
}

bool LanguagePrograms::needed(const Program& program) const {
  return !program.output->consumers().empty() || holds_.count(program.language) > 0;
}

bool LanguagePrograms::active() const {
  return std::any_of(programs_.begin(), programs_.end(), [&](const auto& entry) {
    return entry.second->running || needed(*entry.second);
  });
}

// A program that starts (again): a fresh encoder state, the sequence numbers going on
// from where they stopped and the timestamps by the time that passed (RFC 3550 §5.1:
// the timestamp follows the sampling clock), so a consumer that stayed sees a pause,
// not a jump.
void LanguagePrograms::start(Program& program, TimePoint now) {
  program.running = true;
  program.encoder.reset();
  if (program.frames > 0 && now > program.last_frame_at) {
    auto paused = std::chrono::duration_cast<std::chrono::microseconds>(now - program.last_frame_at);
    auto samples = paused.count() * kMixSampleRate / 1'000'000;
    program.timestamp += static_cast<std::uint32_t>(std::max<std::int64_t>(samples - kMixFrameSamples, 0));
  }
  log::info("sfu", "interpretation: program {} starts ({} consumers{})", program.language,
            program.output->consumers().size(), holds_.count(program.language) ? ", held" : "");
}

// One input per producer a running program needs; a new one starts with an empty buffer,
// and inputs no program needs are dropped (nothing is decoded for them).
void LanguagePrograms::keep_inputs() {
  std::vector<const Producer*> needed_inputs;
  bool any = false;
  for (auto& [language, program] : programs_) {
    if (!program->running) continue;
    any = true;
    if (program->interpreter &&
        std::find(needed_inputs.begin(), needed_inputs.end(), program->interpreter) ==
            needed_inputs.end())
      needed_inputs.push_back(program->interpreter);
  }
  if (any) {
    for (const Producer* voice : floor_voices_)
      if (std::find(needed_inputs.begin(), needed_inputs.end(), voice) == needed_inputs.end())
        needed_inputs.push_back(voice);
  }
  std::erase_if(inputs_, [&](const auto& in) {
    return std::find(needed_inputs.begin(), needed_inputs.end(), in->producer) ==
           needed_inputs.end();
  });
  for (const Producer* producer : needed_inputs) {
    if (input(producer)) continue;
    auto in = std::make_unique<Input>();
    in->producer = producer;
    inputs_.push_back(std::move(in));
  }
}

void LanguagePrograms::on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet) {
  for (auto& in : inputs_) {
    if (in->producer != &producer) continue;
    in->decoder.push(packet.sequence_number(), packet.payload());
    return;
  }
}

// Decodes the floor voices (the floor holder first, then the loudest lately, at most
// kMaxFloorInputs) and lays the loudest few into the floor bed.
void LanguagePrograms::decode_floor() {
  floor_inputs_.clear();
  for (const Producer* voice : floor_voices_)
    if (Input* in = input(voice)) floor_inputs_.push_back(in);
  if (floor_inputs_.size() > kMaxFloorInputs) {
    std::stable_sort(floor_inputs_.begin(), floor_inputs_.end(), [&](Input* a, Input* b) {
      bool a_holder = a->producer == floor_holder_, b_holder = b->producer == floor_holder_;
      if (a_holder != b_holder) return a_holder;
      return floor_mix_.loudness(a) > floor_mix_.loudness(b);
    });
    floor_inputs_.resize(kMaxFloorInputs);
  }
  voices_.clear();
  for (Input* in : floor_inputs_) {
    if (!in->decoded) {
      in->audible = in->decoder.pull(in->frame) != OpusInput::FrameKind::kSilence;
      in->decoded = true;
    }
    voices_.push_back(FloorMix::Voice{in, &in->frame, in->producer == floor_holder_});
  }
  floor_mix_.mix(voices_);
}

void LanguagePrograms::mix(TimePoint now) {
  // Start what is needed now, stop what is not.
  bool changed = false;
  running_ = 0;
  for (auto& [language, program] : programs_) {
    bool wanted = needed(*program);
    if (wanted && !program->running) {
      start(*program, now);
      changed = true;
    } else if (!wanted && program->running) {
      program->running = false;
      changed = true;
      log::info("sfu", "interpretation: program {} stops (nobody listens)", language);
    }
    if (program->running) ++running_;
  }
  if (changed) keep_inputs();
  if (running_ == 0) return;

  for (auto& in : inputs_) in->decoded = false;
  decode_floor();
  for (auto& [language, program] : programs_) {
    if (!program->running) continue;
    Input* interpreter = input(program->interpreter);
    if (interpreter && !interpreter->decoded) {
      interpreter->audible = interpreter->decoder.pull(interpreter->frame) != OpusInput::FrameKind::kSilence;
      interpreter->decoded = true;
    }
    const PcmFrame* interpreter_frame =
        interpreter && interpreter->audible ? &interpreter->frame : nullptr;
    // No live interpreter (or the floor speaks this language): the floor at full level.
    mix_over_bed(floor_mix_.bed(), program->interpreter ? kFloorGain : 1.0f, interpreter_frame,
                 program->mixed);
    Bytes payload = program->encoder.encode(program->mixed);
    std::uint16_t sequence = program->sequence++;
    std::uint32_t timestamp = program->timestamp;
    program->timestamp += kMixFrameSamples;
    program->last_frame_at = now;
    ++program->frames;
    if (payload.empty()) continue;
    rtp::RtpHeaderFields fields;
    fields.payload_type = static_cast<std::uint8_t>(kPayloadType);
    fields.sequence_number = sequence;
    fields.timestamp = timestamp;
    fields.ssrc = program->ssrc;
    std::size_t header =
        rtp::write_rtp_header(program->packet.data(), program->packet.size(), fields, {});
    if (header == 0 || header + payload.size() > program->packet.size()) continue;
    std::copy(payload.begin(), payload.end(),
              program->packet.begin() + static_cast<std::ptrdiff_t>(header));
    auto packet =
        rtp::RtpPacket::parse(MutableBytes(program->packet.data(), header + payload.size()));
    if (!packet) continue;
    program->output->forward(*packet, now);
    if (observer_) observer_(language, *packet, now);
  }
  auto& counters = frame_counters();
  std::lock_guard lock(counters.mutex);
  for (auto& [language, program] : programs_)
    if (program->running) ++counters.frames[language];
}

}  // namespace podium::sfu
