#include "sfu/language_channel.h"

#include <openssl/rand.h>

#include <algorithm>

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
                                 const std::map<std::string, const Producer*>& interpreters,
                                 TimePoint now) {
  floor_ = floor;
  for (auto it = programs_.begin(); it != programs_.end();) {
    auto wanted = interpreters.find(it->first);
    if (wanted != interpreters.end() && wanted->second) {
      ++it;
      continue;
    }
    log::info("sfu", "interpretation: program {} stops", it->first);
    auto consumers = it->second->output->consumers();
    for (Consumer* consumer : consumers) consumer->set_source(nullptr, now);
    it = programs_.erase(it);
  }
  for (const auto& [language, interpreter] : interpreters) {
    if (!interpreter) continue;
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
      log::info("sfu", "interpretation: program {} starts", language);
    }
    program->interpreter = interpreter;
  }
  keep_inputs();
}

// One input per producer some program needs; a new one starts with an empty buffer.
void LanguagePrograms::keep_inputs() {
  std::vector<const Producer*> needed;
  if (!programs_.empty() && floor_) needed.push_back(floor_);
  for (auto& [language, program] : programs_)
    if (std::find(needed.begin(), needed.end(), program->interpreter) == needed.end())
      needed.push_back(program->interpreter);
  std::erase_if(inputs_, [&](const auto& in) {
    return std::find(needed.begin(), needed.end(), in->producer) == needed.end();
  });
  for (const Producer* producer : needed) {
    if (input(producer)) continue;
    auto in = std::make_unique<Input>();
    in->producer = producer;
    inputs_.push_back(std::move(in));
  }
}

Producer* LanguagePrograms::program(const std::string& language) const {
  auto it = programs_.find(language);
  return it == programs_.end() ? nullptr : it->second->output.get();
}

void LanguagePrograms::on_audio_packet(const Producer& producer, const rtp::RtpPacket& packet) {
  for (auto& in : inputs_) {
    if (in->producer != &producer) continue;
    in->decoder.push(packet.sequence_number(), packet.payload());
    return;
  }
}

void LanguagePrograms::mix(TimePoint now) {
  for (auto& in : inputs_)
    in->audible = in->decoder.pull(in->frame) != OpusInput::FrameKind::kSilence;
  Input* floor = input(floor_);
  for (auto& [language, program] : programs_) {
    Input* interpreter = input(program->interpreter);
    // A floor that is also this booth's interpreter (one person doing both) is not
    // counted twice.
    const PcmFrame* floor_frame =
        floor && floor->audible && floor != interpreter ? &floor->frame : nullptr;
    const PcmFrame* interpreter_frame =
        interpreter && interpreter->audible ? &interpreter->frame : nullptr;
    mix_frames(floor_frame, interpreter_frame, kFloorGain, program->mixed);
    Bytes payload = program->encoder.encode(program->mixed);
    std::uint16_t sequence = program->sequence++;
    std::uint32_t timestamp = program->timestamp;
    program->timestamp += kMixFrameSamples;
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
    if (packet) program->output->forward(*packet, now);
  }
}

}  // namespace podium::sfu
