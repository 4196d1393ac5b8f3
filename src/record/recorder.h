// Records one conference: a WebM file per published track, written as received, and a
// program file with the stage as the audience saw it (the floor holder's video, switched
// on a keyframe of the new holder, and the floor audio). See docs/recording.md.
//
// Threads: the sfu calls the MediaTap side on the conference's worker thread; it copies
// each packet into a bounded ring and returns (a full ring drops the packet and counts
// it; the worker never waits for the disk). A writer thread of its own drains the ring
// into the files. The callbacks in RecorderEvents run on the writer thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sfu/media_tap.h"
#include "sfu/track.h"
#include "util/bytes.h"

namespace podium::record {

struct RecorderConfig {
  std::string conference;
  std::string data_dir;  // files go to data_dir/relative_dir
  // e.g. "recordings/<conference>/<start time>"; created if missing.
  std::string relative_dir;
  std::int64_t started_unix_ms = 0;  // the program's time 0, in wall-clock time
  TimePoint started_at{};            // the same instant on the sfu's clock
  // Title of the program's floor audio track; its language tag is "mul" (RFC 5646:
  // multiple languages), since the floor language changes with the speaker.
  std::string floor_title = "Floor";
  // Booth languages (BCP 47 codes, as the conference names them): the program gets one
  // audio track per language after the floor, fed by that language's program mix, in
  // this order. Declared when the file opens; a booth added later is not in the file.
  std::vector<std::string> languages;
};

// The Matroska Language element of a BCP 47 code: ISO 639-2 (bibliographic), "und"
// when the code's primary language is not one this table knows.
std::string matroska_language(std::string_view bcp47);

// A file as the store lists it.
struct RecordingFile {
  std::string path;         // relative to data_dir
  std::string kind;         // "track" or "program"
  std::string participant;  // track files only
  std::string track_id;     // track files only
  std::string media_kind;   // track files: "audio" or "video"
  std::vector<std::string> languages;  // program: "floor", then interpretation languages
  std::int64_t started_unix_ms = 0;    // wall time of the file's time 0
  std::int64_t ended_unix_ms = 0;      // when finished
  std::int64_t duration_ms = 0;
  std::int64_t bytes = 0;
  std::optional<std::string> error;    // set when the file stopped early
};

struct RecorderEvents {
  std::function<void(const RecordingFile&)> on_file_started;
  std::function<void(const RecordingFile&)> on_file_finished;
  // The recording stopped by itself (a write failed: disk full, read-only...). Called
  // once; every open file has been closed and reported finished before.
  std::function<void(const std::string& reason)> on_failed;
};

struct RecorderStats {
  std::uint64_t packets = 0;
  std::uint64_t packets_dropped = 0;  // the ring was full
  std::uint64_t frames_written = 0;
  std::uint64_t frames_dropped = 0;  // incomplete or before a keyframe
  std::uint64_t program_switches = 0;
  std::uint64_t writer_cpu_us = 0;  // CPU time of the writer thread, once stopped
};

class Recorder final : public sfu::MediaTap {
 public:
  static constexpr std::size_t kRingSlots = 2048;  // ~8 s of a 2.5 Mbit/s camera
  static constexpr std::size_t kSlotBytes = 1500;

  Recorder(RecorderConfig config, RecorderEvents events);
  ~Recorder() override;

  // Starts the writer thread. Creates the directory first; failing that, on_failed is
  // called from the writer thread.
  void start();
  // Writes what is queued, closes every file (each reported finished) and joins the
  // writer thread. Packets that come later are ignored.
  void stop();

  RecorderStats stats() const;

  // sfu::MediaTap, worker thread.
  void on_producer_added(const sfu::Producer& producer, TimePoint now) override;
  void on_producer_removed(const sfu::Producer& producer, TimePoint now) override;
  bool on_rtp(const sfu::Producer& producer, int layer, const rtp::RtpPacket& packet,
              TimePoint now) override;
  void on_stage(const std::string& participant_id, TimePoint now) override;
  std::vector<std::string> program_languages() const override { return config_.languages; }
  void on_program_rtp(const std::string& language, const rtp::RtpPacket& packet,
                      TimePoint now) override;

 private:
  struct Track;   // per producer, shared by both threads through atomics only
  struct Writer;  // writer-thread state
  struct Slot {
    Track* track = nullptr;
    std::int64_t arrival_ms = 0;
    std::uint16_t size = 0;
    std::uint8_t bytes[kSlotBytes];
  };
  struct Control {
    std::uint64_t position = 0;  // applies before ring entry `position`
    enum class Type { kAdded, kRemoved, kStage } type = Type::kAdded;
    Track* track = nullptr;
    std::string participant;
    std::int64_t at_ms = 0;
  };

  void run();
  // Copies a packet into the ring (mutex_ held). False when it does not fit.
  bool enqueue(Track* track, Bytes data, std::int64_t arrival_ms);

  RecorderConfig config_;
  RecorderEvents events_;
  std::unique_ptr<Writer> writer_;

  // The ring: the worker writes at write_, the writer thread reads at read_. The mutex
  // also guards the worker-side maps.
  std::mutex mutex_;
  std::unordered_map<const sfu::Producer*, Track*> tracks_by_producer_;
  std::vector<std::unique_ptr<Track>> tracks_;  // owned until the recorder goes
  // The program mix of each of config_.languages, made when the recorder is.
  std::unordered_map<std::string, Track*> language_tracks_;
  std::condition_variable wake_;
  std::vector<Slot> ring_;
  std::uint64_t write_ = 0;
  std::uint64_t read_ = 0;
  std::vector<Control> controls_;
  bool stopping_ = false;

  std::atomic<bool> accepting_{false};
  std::atomic<std::uint64_t> packets_{0};
  std::atomic<std::uint64_t> packets_dropped_{0};
  std::atomic<std::uint64_t> frames_written_{0};
  std::atomic<std::uint64_t> frames_dropped_{0};
  std::atomic<std::uint64_t> program_switches_{0};
  std::atomic<std::uint64_t> writer_cpu_us_{0};
  std::thread thread_;
};

}  // namespace podium::record
