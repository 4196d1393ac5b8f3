#include "record/recorder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>
#include <system_error>

#include <sys/resource.h>

#include "record/frame_assembler.h"
#include "record/matroska_writer.h"
#include "rtp/rtp_packet.h"
#include "sfu/peer.h"
#include "sfu/producer.h"
#include "util/log.h"

namespace podium::record {
namespace {

constexpr std::string_view kLog = "record";
// Program audio that arrives before any stage video is held this long, then the file
// opens with a placeholder video track (the floor may start with audio only).
constexpr std::size_t kMaxPendingProgramAudio = 250;  // 5 s of 20 ms Opus frames

bool recordable(rtp::Codec codec) {
  return codec == rtp::Codec::kVp8 || codec == rtp::Codec::kVp9 || codec == rtp::Codec::kOpus ||
         codec == rtp::Codec::kH264;
}

// Participant and track ids become file names: keep them to a safe alphabet.
std::string file_safe(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
    out.push_back(safe ? c : '_');
  }
  return out.empty() ? "_" : out;
}

}  // namespace

std::string matroska_language(std::string_view bcp47) {
  // ISO 639-1 → ISO 639-2/B for the languages conferences interpret most.
  static constexpr std::pair<std::string_view, std::string_view> kTable[] = {
      {"ar", "ara"}, {"bg", "bul"}, {"ca", "cat"}, {"cs", "cze"}, {"da", "dan"}, {"de", "ger"},
      {"el", "gre"}, {"en", "eng"}, {"es", "spa"}, {"et", "est"}, {"fa", "per"}, {"fi", "fin"},
      {"fr", "fre"}, {"ga", "gle"}, {"he", "heb"}, {"hi", "hin"}, {"hr", "hrv"}, {"hu", "hun"},
      {"hy", "arm"}, {"id", "ind"}, {"it", "ita"}, {"ja", "jpn"}, {"ka", "geo"}, {"kk", "kaz"},
      {"ko", "kor"}, {"lt", "lit"}, {"lv", "lav"}, {"mt", "mlt"}, {"nl", "dut"}, {"no", "nor"},
      {"pl", "pol"}, {"pt", "por"}, {"ro", "rum"}, {"ru", "rus"}, {"sk", "slo"}, {"sl", "slv"},
      {"sq", "alb"}, {"sr", "srp"}, {"sv", "swe"}, {"sw", "swa"}, {"th", "tha"}, {"tr", "tur"},
      {"uk", "ukr"}, {"ur", "urd"}, {"uz", "uzb"}, {"vi", "vie"}, {"zh", "chi"}};
  std::string primary(bcp47.substr(0, bcp47.find('-')));
  for (char& c : primary) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (primary.size() == 3 && std::all_of(primary.begin(), primary.end(), [](char c) {
        return c >= 'a' && c <= 'z';
      }))
    return primary;  // already ISO 639-2/3
  for (const auto& [two, three] : kTable)
    if (primary == two) return std::string(three);
  return "und";
}

struct Recorder::Track {
  // Set on the worker thread before the track is posted; constant afterwards.
  std::string id;
  std::string participant;
  sfu::MediaKind kind = sfu::MediaKind::kAudio;
  rtp::Codec codec = rtp::Codec::kUnknown;
  int clock_rate = 90000;
  std::uint64_t order = 0;
  // A language's program mix: its audio track in the program file (2, 3...); -1 for a
  // published track.
  int program_track = -1;
  std::string language;
  // Both threads.
  std::atomic<bool> want_keyframe{true};
  // Writer thread only.
  std::unique_ptr<FrameAssembler> assembler;
  std::unique_ptr<MatroskaWriter> file;
  RecordingFile info;
  std::int64_t file_base_ms = 0;
  bool present = false;
  std::optional<std::uint32_t> anchor_epoch;
  std::int64_t anchor_timestamp = 0;
  std::int64_t anchor_ms = 0;
  std::int64_t last_pts_ms = -1;
};

struct Recorder::Writer {
  std::vector<Track*> present;  // in the order they appeared
  std::string stage;            // named by the conference; empty: the newest publisher
  // Program state.
  std::unique_ptr<MatroskaWriter> program;
  RecordingFile program_info;
  std::string video_source;  // participant whose video the program shows
  rtp::Codec video_codec = rtp::Codec::kUnknown;
  std::vector<Track*> languages;  // program mixes, in config order
  struct PendingAudio {
    int track;  // in the program file
    std::int64_t pts_ms;
    std::vector<std::uint8_t> data;
  };
  std::deque<PendingAudio> pending_audio;
  bool failed = false;
  std::int64_t latest_arrival_ms = 0;
  std::vector<AssembledFrame> frames;  // reused
};

Recorder::Recorder(RecorderConfig config, RecorderEvents events)
    : config_(std::move(config)), events_(std::move(events)), writer_(std::make_unique<Writer>()),
      ring_(kRingSlots) {
  for (std::size_t i = 0; i < config_.languages.size(); ++i) {
    const std::string& language = config_.languages[i];
    if (language_tracks_.contains(language)) continue;
    auto track = std::make_unique<Track>();
    track->id = "program:" + language;
    track->kind = sfu::MediaKind::kAudio;
    track->codec = rtp::Codec::kOpus;
    track->clock_rate = 48000;
    track->program_track = 2 + static_cast<int>(writer_->languages.size());
    track->language = language;
    track->want_keyframe = false;
    track->present = true;
    track->assembler = std::make_unique<FrameAssembler>(rtp::Codec::kOpus);
    writer_->languages.push_back(track.get());
    language_tracks_[language] = track.get();
    tracks_.push_back(std::move(track));
  }
}

Recorder::~Recorder() { stop(); }

RecorderStats Recorder::stats() const {
  return RecorderStats{packets_.load(),         packets_dropped_.load(),
                       frames_written_.load(),   frames_dropped_.load(),
                       program_switches_.load(), writer_cpu_us_.load()};
}

// --- worker thread ---

// The worker-side maps are guarded by the ring's mutex, taken once per packet anyway: a
// conference that empties and fills again may come back on another worker while the
// old one still removes its producers.
void Recorder::on_producer_added(const sfu::Producer& producer, TimePoint now) {
  auto track = std::make_unique<Track>();
  track->id = producer.id();
  track->participant = producer.publisher().participant_id();
  track->kind = producer.kind();
  track->codec = producer.codec().codec;
  track->clock_rate = producer.codec().clock_rate > 0 ? producer.codec().clock_rate : 90000;
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(now - config_.started_at).count();
  std::lock_guard lock(mutex_);
  if (tracks_by_producer_.contains(&producer)) return;
  track->order = tracks_.size();
  Track* raw = track.get();
  tracks_.push_back(std::move(track));
  tracks_by_producer_[&producer] = raw;
  controls_.push_back(Control{write_, Control::Type::kAdded, raw, {}, at});
}

void Recorder::on_producer_removed(const sfu::Producer& producer, TimePoint now) {
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(now - config_.started_at).count();
  std::lock_guard lock(mutex_);
  auto it = tracks_by_producer_.find(&producer);
  if (it == tracks_by_producer_.end()) return;
  Track* track = it->second;
  tracks_by_producer_.erase(it);
  controls_.push_back(Control{write_, Control::Type::kRemoved, track, {}, at});
}

void Recorder::on_stage(const std::string& participant_id, TimePoint now) {
  auto at = std::chrono::duration_cast<std::chrono::milliseconds>(now - config_.started_at).count();
  std::lock_guard lock(mutex_);
  controls_.push_back(Control{write_, Control::Type::kStage, nullptr, participant_id, at});
}

bool Recorder::on_rtp(const sfu::Producer& producer, int layer, const rtp::RtpPacket& packet,
                      TimePoint now) {
  if (!accepting_.load(std::memory_order_relaxed)) return false;
  // Simulcast: the best stream the publisher sends is the one recorded.
  if (layer != producer.stream_count() - 1) return false;
  Bytes data = packet.data();
  auto arrival_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - config_.started_at).count();
  Track* track = nullptr;
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    auto it = tracks_by_producer_.find(&producer);
    if (it == tracks_by_producer_.end()) return false;
    track = it->second;
    queued = enqueue(track, data, arrival_ms);
  }
  packets_.fetch_add(1, std::memory_order_relaxed);
  if (!queued) packets_dropped_.fetch_add(1, std::memory_order_relaxed);
  if (!track->want_keyframe.load(std::memory_order_relaxed)) return false;
  return track->want_keyframe.exchange(false, std::memory_order_relaxed);
}

void Recorder::on_program_rtp(const std::string& language, const rtp::RtpPacket& packet,
                              TimePoint now) {
  if (!accepting_.load(std::memory_order_relaxed)) return;
  auto found = language_tracks_.find(language);  // constant after construction
  if (found == language_tracks_.end()) return;
  auto arrival_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - config_.started_at).count();
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    queued = enqueue(found->second, packet.data(), arrival_ms);
  }
  packets_.fetch_add(1, std::memory_order_relaxed);
  if (!queued) packets_dropped_.fetch_add(1, std::memory_order_relaxed);
}

bool Recorder::enqueue(Track* track, Bytes data, std::int64_t arrival_ms) {
  if (data.size() > kSlotBytes || write_ - read_ >= kRingSlots) return false;
  Slot& slot = ring_[write_ % kRingSlots];
  slot.track = track;
  slot.arrival_ms = arrival_ms;
  slot.size = static_cast<std::uint16_t>(data.size());
  std::copy(data.begin(), data.end(), slot.bytes);
  ++write_;
  return true;
}

// --- control thread ---

void Recorder::start() {
  if (thread_.joinable()) return;
  accepting_ = true;
  thread_ = std::thread([this] { run(); });
}

void Recorder::stop() {
  accepting_ = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// --- writer thread ---

namespace {

struct WriterContext {
  const RecorderConfig& config;
  const RecorderEvents& events;
};

}  // namespace

void Recorder::run() {
  Writer& w = *writer_;
  namespace fs = std::filesystem;

  auto fail = [&](const std::string& reason) {
    if (w.failed) return;
    w.failed = true;
    accepting_ = false;
    log::error(kLog, "conference {}: recording stopped: {}", config_.conference, reason);
    auto close = [&](std::unique_ptr<MatroskaWriter>& file, RecordingFile& info) {
      if (!file) return;
      auto size = file->finish();
      info.duration_ms = file->duration_ms();
      std::error_code ec;
      auto bytes = fs::file_size(fs::path(config_.data_dir) / info.path, ec);
      info.bytes = ec ? (size ? *size : 0) : static_cast<std::int64_t>(bytes);
      info.ended_unix_ms = info.started_unix_ms + info.duration_ms;
      info.error = reason;
      file.reset();
      if (events_.on_file_finished) events_.on_file_finished(info);
    };
    for (Track* track : w.present) close(track->file, track->info);
    close(w.program, w.program_info);
    if (events_.on_failed) events_.on_failed(reason);
  };

  auto finish_file = [&](std::unique_ptr<MatroskaWriter>& file, RecordingFile& info) {
    if (!file) return;
    auto size = file->finish();
    info.duration_ms = file->duration_ms();
    info.ended_unix_ms = info.started_unix_ms + file->first_pts_ms() + info.duration_ms;
    if (!size) {
      info.error = size.error();
      info.bytes = 0;
    } else {
      info.bytes = *size;
    }
    std::string error = size ? std::string() : size.error();
    file.reset();
    if (events_.on_file_finished) events_.on_file_finished(info);
    if (!error.empty()) fail(error);
  };

  auto stage_target = [&]() -> std::string {
    if (!w.stage.empty()) return w.stage;
    const Track* newest = nullptr;
    for (const Track* t : w.present)
      if (!newest || t->order > newest->order) newest = t;
    return newest ? newest->participant : std::string();
  };

  auto ask_keyframes_of = [&](const std::string& participant) {
    for (Track* t : w.present)
      if (t->participant == participant && t->kind == sfu::MediaKind::kVideo) t->want_keyframe = true;
  };

  auto open_program = [&](rtp::Codec video_codec, int width, int height,
                          const std::vector<std::uint8_t>& parameter_sets) -> bool {
    std::vector<TrackSpec> specs;
    specs.push_back(TrackSpec{video_codec, width, height, 2, "", "Stage", parameter_sets});
    specs.push_back(TrackSpec{rtp::Codec::kOpus, 0, 0, 2, "mul", config_.floor_title, {}});
    for (const Track* language : w.languages)
      specs.push_back(TrackSpec{rtp::Codec::kOpus, 0, 0, 2, matroska_language(language->language),
                                fmt::format("{} (program)", language->language), {}});
    std::string relative =
        config_.relative_dir + (needs_matroska(specs) ? "/program.mkv" : "/program.webm");
    auto created = MatroskaWriter::create((fs::path(config_.data_dir) / relative).string(), specs);
    if (!created) {
      fail(created.error());
      return false;
    }
    w.program = std::move(*created);
    w.video_codec = video_codec;
    w.program_info = RecordingFile{};
    w.program_info.path = relative;
    w.program_info.kind = "program";
    w.program_info.languages = {"floor"};
    for (const Track* language : w.languages) w.program_info.languages.push_back(language->language);
    w.program_info.started_unix_ms = config_.started_unix_ms;
    if (events_.on_file_started) events_.on_file_started(w.program_info);
    log::info(kLog, "conference {}: program recording to {}", config_.conference, relative);
    // The floor audio that came before the first picture.
    while (!w.pending_audio.empty()) {
      auto& audio = w.pending_audio.front();
      auto written = w.program->write(audio.track, audio.pts_ms, true, audio.data);
      w.pending_audio.pop_front();
      if (!written) {
        fail(written.error());
        return false;
      }
    }
    return true;
  };

  auto write_program = [&](Track& track, const AssembledFrame& frame, std::int64_t pts) {
    std::string target = stage_target();
    if (track.kind == sfu::MediaKind::kAudio) {
      // The floor (track 1) or a language's program mix (2, 3...).
      if (track.program_track < 0 && track.participant != target) return;
      int index = track.program_track < 0 ? 1 : track.program_track;
      if (!w.program) {
        w.pending_audio.push_back({index, pts, frame.data});
        if (w.pending_audio.size() < kMaxPendingProgramAudio * (1 + w.languages.size())) return;
        if (!open_program(rtp::Codec::kVp8, 640, 480, {})) return;
        return;
      }
      if (auto written = w.program->write(index, pts, true, frame.data); !written)
        fail(written.error());
      return;
    }
    if (track.participant != w.video_source) {
      // Switch to the floor holder's video at its keyframe (RFC 6386 §9.1: decodable alone).
      if (track.participant != target) return;
      if (!frame.keyframe) {
        track.want_keyframe = true;
        return;
      }
      if (w.program && track.codec != w.video_codec) {
        log::warn(kLog, "conference {}: stage video of {} is {}, the program is {}; not shown",
                  config_.conference, track.participant, rtp::codec_name(track.codec),
                  rtp::codec_name(w.video_codec));
        return;
      }
      if (!w.program && track.codec == rtp::Codec::kH264 && frame.parameter_sets.empty()) {
        track.want_keyframe = true;  // the file header needs the SPS and PPS
        return;
      }
      if (!w.program && !open_program(track.codec, frame.width, frame.height, frame.parameter_sets))
        return;
      if (!w.video_source.empty()) program_switches_.fetch_add(1, std::memory_order_relaxed);
      log::info(kLog, "conference {}: program video now {} at {} ms", config_.conference,
                track.participant, pts);
      w.video_source = track.participant;
    }
    if (auto written = w.program->write(0, pts, frame.keyframe, frame.data); !written)
      fail(written.error());
  };

  auto write_frame = [&](Track& track, const AssembledFrame& frame) {
    if (w.failed) return;
    // RTP time to the recording's clock: anchored at the arrival of the first frame of
    // each epoch (a new SSRC or the end of a pause starts one).
    if (!track.anchor_epoch || *track.anchor_epoch != frame.epoch) {
      track.anchor_epoch = frame.epoch;
      track.anchor_timestamp = frame.rtp_timestamp;
      track.anchor_ms = std::max<std::int64_t>(frame.arrival_ms, track.last_pts_ms + 1);
    }
    std::int64_t pts = track.anchor_ms +
                       (frame.rtp_timestamp - track.anchor_timestamp) * 1000 / track.clock_rate;
    pts = std::max<std::int64_t>(pts, 0);
    track.last_pts_ms = std::max(track.last_pts_ms, pts);
    if (track.program_track >= 0) {  // a program mix: only in the program file
      frames_written_.fetch_add(1, std::memory_order_relaxed);
      write_program(track, frame, pts);
      return;
    }
    if (!track.file) {
      if (track.codec == rtp::Codec::kH264 && frame.parameter_sets.empty()) {
        // A keyframe without its SPS and PPS in-band: wait for one that has them.
        frames_dropped_.fetch_add(1, std::memory_order_relaxed);
        track.want_keyframe = true;
        return;
      }
      TrackSpec spec{track.codec, frame.width, frame.height, 2, "", track.id, frame.parameter_sets};
      std::string relative =
          fmt::format("{}/{}-{}-{}.{}", config_.relative_dir, file_safe(track.participant),
                      sfu::kind_name(track.kind), file_safe(track.id),
                      needs_matroska({spec}) ? "mkv" : "webm");
      auto created = MatroskaWriter::create((fs::path(config_.data_dir) / relative).string(), {spec});
      if (!created) {
        fail(created.error());
        return;
      }
      track.file = std::move(*created);
      track.file_base_ms = pts;
      track.info = RecordingFile{};
      track.info.path = relative;
      track.info.kind = "track";
      track.info.participant = track.participant;
      track.info.track_id = track.id;
      track.info.media_kind = sfu::kind_name(track.kind);
      track.info.started_unix_ms = config_.started_unix_ms + pts;
      if (events_.on_file_started) events_.on_file_started(track.info);
    }
    if (auto written = track.file->write(0, pts - track.file_base_ms, frame.keyframe, frame.data);
        !written) {
      fail(written.error());
      return;
    }
    frames_written_.fetch_add(1, std::memory_order_relaxed);
    write_program(track, frame, pts);
  };

  auto deliver = [&](Track& track) {
    for (const auto& frame : w.frames) write_frame(track, frame);
    w.frames.clear();
    if (track.assembler && track.assembler->take_keyframe_request()) track.want_keyframe = true;
  };

  auto apply = [&](Control& control) {
    Track* track = control.track;
    switch (control.type) {
      case Control::Type::kAdded:
        track->present = true;
        if (recordable(track->codec)) track->assembler = std::make_unique<FrameAssembler>(track->codec);
        else
          log::warn(kLog, "conference {}: track {} is {}: not recorded", config_.conference,
                    track->id, rtp::codec_name(track->codec));
        w.present.push_back(track);
        break;
      case Control::Type::kRemoved:
        if (track->assembler) {
          track->assembler->flush(w.frames);
          deliver(*track);
          frames_dropped_.fetch_add(track->assembler->stats().frames_dropped, std::memory_order_relaxed);
        }
        finish_file(track->file, track->info);
        track->present = false;
        std::erase(w.present, track);
        if (w.video_source == track->participant && track->kind == sfu::MediaKind::kVideo)
          w.video_source.clear();
        break;
      case Control::Type::kStage:
        w.stage = control.participant;
        ask_keyframes_of(stage_target());
        break;
    }
  };

  std::error_code ec;
  fs::create_directories(fs::path(config_.data_dir) / config_.relative_dir, ec);
  if (ec) fail(fmt::format("cannot create {}: {}", config_.relative_dir, ec.message()));

  std::vector<Control> controls;
  for (;;) {
    std::uint64_t begin, end;
    bool stopping;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(20),
                     [&] { return stopping_ || write_ != read_ || !controls_.empty(); });
      begin = read_;
      end = write_;
      stopping = stopping_;
      controls.swap(controls_);
    }
    std::size_t next_control = 0;
    for (std::uint64_t i = begin; i < end; ++i) {
      while (next_control < controls.size() && controls[next_control].position <= i)
        apply(controls[next_control++]);
      Slot& slot = ring_[i % kRingSlots];
      Track& track = *slot.track;
      w.latest_arrival_ms = std::max(w.latest_arrival_ms, slot.arrival_ms);
      if (!w.failed && track.present && track.assembler) {
        auto packet = rtp::RtpPacket::parse(MutableBytes{slot.bytes, slot.size});
        if (packet) {
          track.assembler->push(packet->ssrc(), packet->sequence_number(), packet->timestamp(),
                                packet->marker(), packet->payload(), slot.arrival_ms, w.frames);
          deliver(track);
        }
      }
      std::lock_guard lock(mutex_);
      ++read_;
    }
    while (next_control < controls.size()) apply(controls[next_control++]);
    controls.clear();
    // Gaps that waited long enough, measured on the media's own clock.
    if (!w.failed) {
      for (Track* track : w.present) {
        if (!track->assembler) continue;
        track->assembler->poll(w.latest_arrival_ms, w.frames);
        deliver(*track);
      }
      for (Track* track : w.languages) {
        track->assembler->poll(w.latest_arrival_ms, w.frames);
        deliver(*track);
      }
    }
    if (stopping) break;
  }
  // The end: what is complete goes in, then every file is closed.
  for (Track* track : w.present) {
    if (!w.failed && track->assembler) {
      track->assembler->flush(w.frames);
      deliver(*track);
      frames_dropped_.fetch_add(track->assembler->stats().frames_dropped, std::memory_order_relaxed);
    }
    finish_file(track->file, track->info);
  }
  for (Track* track : w.languages) {
    if (w.failed) break;
    track->assembler->flush(w.frames);
    deliver(*track);
  }
  if (!w.program && !w.pending_audio.empty() && !w.failed)
    open_program(rtp::Codec::kVp8, 640, 480, {});
  finish_file(w.program, w.program_info);
  rusage usage{};
  if (::getrusage(RUSAGE_THREAD, &usage) == 0) {
    writer_cpu_us_ = static_cast<std::uint64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1'000'000 +
                     static_cast<std::uint64_t>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  }
}

}  // namespace podium::record
