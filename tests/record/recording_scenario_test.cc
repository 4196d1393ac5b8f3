// Recording a conference end to end at the media level: two publishers (real VP8 of
// different colours and real Opus from libvpx/libopus, over real ICE/DTLS/SRTP) take the
// floor in turn while the recorder taps the sfu; then ffprobe and ffmpeg check the files
// as a journalist's player would.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "media_samples.h"
#include "record/recorder.h"
#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"
#include "tests/store/temp_dir.h"

namespace podium::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct CommandOutput {
  int status = -1;
  std::string text;
};

CommandOutput run(const std::string& command) {
  CommandOutput out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  out.status = ::pclose(pipe);
  return out;
}

nlohmann::json probe(const std::filesystem::path& file) {
  auto out = run("ffprobe -v error -show_entries stream=codec_name,codec_type,width,height:"
                 "stream_tags=language:format=duration -of json '" + file.string() + "'");
  if (out.status != 0) return {{"error", out.text}};
  return nlohmann::json::parse(out.text, nullptr, false);
}

// ffmpeg decodes every frame; any complaint is printed at -v error.
std::string decode_errors(const std::filesystem::path& file) {
  auto out = run("ffmpeg -nostdin -v error -i '" + file.string() + "' -f null -");
  if (out.status != 0 && out.text.empty()) return "ffmpeg failed";
  return out.text;
}

// The average colour (R, G, B) of the program's picture at `seconds`.
std::array<int, 3> colour_at(const std::filesystem::path& file, double seconds) {
  auto out = run("ffmpeg -nostdin -v error -ss " + std::to_string(seconds) + " -i '" + file.string() +
                 "' -frames:v 1 -vf scale=8:8 -f rawvideo -pix_fmt rgb24 -");
  std::array<long, 3> sum{};
  if (out.text.size() != 8 * 8 * 3) return {-1, -1, -1};
  for (std::size_t i = 0; i < out.text.size(); ++i)
    sum[i % 3] += static_cast<unsigned char>(out.text[i]);
  return {static_cast<int>(sum[0] / 64), static_cast<int>(sum[1] / 64), static_cast<int>(sum[2] / 64)};
}

// The mean volume (dB) of the program's audio stream `index` (0: the floor) in [from, to).
double mean_volume(const std::filesystem::path& file, int index, double from, double to) {
  auto out = run("ffmpeg -nostdin -v info -ss " + std::to_string(from) + " -t " +
                 std::to_string(to - from) + " -i '" + file.string() + "' -map 0:a:" +
                 std::to_string(index) + " -af volumedetect -f null -");
  auto at = out.text.find("mean_volume: ");
  if (at == std::string::npos) return -1000;
  return std::stod(out.text.substr(at + 13));
}

double duration_of(const nlohmann::json& probed) {
  if (!probed.contains("format")) return -1;
  return std::stod(probed["format"].value("duration", std::string("-1")));
}

// A publisher's fake camera and microphone.
struct Publisher {
  std::string participant;
  std::uint32_t audio_ssrc = 0;
  std::uint32_t video_ssrc = 0;
  std::vector<Vp8Frame> video;
  std::vector<std::vector<std::uint8_t>> audio;
  TestPeer peer;
  std::uint16_t audio_seq = 1000;
  std::uint16_t video_seq = 5000;
  std::size_t video_index = 0;
  std::size_t audio_index = 0;
  std::uint32_t audio_ts = 0;
  std::uint32_t video_ts = 0;
  // Test loss: every n-th video (audio) packet is not sent (0: none).
  int drop_every = 0;
  int drop_audio_every = 0;
  int video_packets = 0;
  int audio_packets = 0;
};

class RecordingScenario : public MediaFixture {
 protected:
  RecordingScenario() : MediaFixture(21500) {}

  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  void publish(Publisher& p) {
    auto session = open("room", p.participant, true);
    auto answer = negotiate(session, p.peer.make_offer({{"audio", "sendonly", p.audio_ssrc, "0"},
                                                        {"video", "sendonly", p.video_ssrc, "1"}}));
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_TRUE(p.peer.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(p.peer.connect());
  }

  // Real-time sending for `ms`: 20 ms Opus and 30 fps VP8 from each publisher. A
  // keyframe comes when the loop of frames restarts; a PLI also gets one at once.
  void send_for(std::vector<Publisher*> publishers, int ms) {
    auto start = Clock::now();
    auto next_audio = start;
    auto next_video = start;
    auto next_check = start + std::chrono::seconds(5);
    while (Clock::now() - start < std::chrono::milliseconds(ms)) {
      auto now = Clock::now();
      if (now >= next_check) {
        // ICE consent (RFC 7675) for runs longer than its 30 s timeout.
        for (Publisher* p : publishers) p->peer.send_check();
        next_check += std::chrono::seconds(5);
      }
      if (now >= next_audio) {
        for (Publisher* p : publishers) {
          const auto& packet = p->audio[p->audio_index++ % p->audio.size()];
          std::uint16_t seq = p->audio_seq++;
          if (!p->drop_audio_every || ++p->audio_packets % p->drop_audio_every != 0)
            p->peer.send_rtp(p->audio_ssrc, 111, seq, p->audio_ts, packet, false);
          p->audio_ts += 960;
        }
        next_audio += std::chrono::milliseconds(20);
      }
      if (now >= next_video) {
        for (Publisher* p : publishers) {
          std::size_t plis = p->peer.pli_received;
          p->peer.pump(0);
          std::size_t index = p->video_index++ % p->video.size();
          // Answer a PLI with a keyframe (frame 0 of the loop is one).
          if (p->peer.pli_received > plis) index = 0, p->video_index = 1;
          const auto& frame = p->video[index];
          for (std::size_t i = 0; i < frame.payloads.size(); ++i) {
            ++p->video_packets;
            std::uint16_t seq = p->video_seq++;
            if (p->drop_every && p->video_packets % p->drop_every == 0) continue;
            p->peer.send_rtp(p->video_ssrc, 96, seq, p->video_ts, frame.payloads[i],
                             i + 1 == frame.payloads.size());
          }
          p->video_ts += 3000;
        }
        next_video += std::chrono::microseconds(33333);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // The publishers stop sending for `ms` (a pause, e.g. the microphone and camera off),
  // then go on where they were: sequence numbers continue, timestamps by the time passed.
  void pause_for(std::vector<Publisher*> publishers, int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    for (Publisher* p : publishers) {
      p->audio_ts += static_cast<std::uint32_t>(ms * 48);
      p->video_ts += static_cast<std::uint32_t>(ms * 90);
    }
  }

  std::shared_ptr<record::Recorder> start_recorder(const std::filesystem::path& data_dir,
                                                   std::vector<std::string> languages = {}) {
    record::RecorderConfig config;
    config.languages = std::move(languages);
    config.conference = "room";
    config.data_dir = data_dir.string();
    config.relative_dir = "recordings/room/test";
    config.started_unix_ms = 1'700'000'000'000;
    config.started_at = SteadyClock().now();
    record::RecorderEvents events;
    events.on_file_started = [this](const record::RecordingFile& f) {
      std::lock_guard lock(mutex_);
      started_.push_back(f);
    };
    events.on_file_finished = [this](const record::RecordingFile& f) {
      std::lock_guard lock(mutex_);
      finished_.push_back(f);
    };
    events.on_failed = [this](const std::string& reason) {
      std::lock_guard lock(mutex_);
      failures_.push_back(reason);
    };
    auto recorder = std::make_shared<record::Recorder>(config, events);
    recorder->start();
    media_.set_tap("room", recorder);
    return recorder;
  }

  // A 64 KiB tmpfs at dir_/name (`flags`: 0 or MS_RDONLY) in a mount namespace of this
  // process, for the disk-failure cases; empty when there is no mount namespace (not root).
  std::filesystem::path private_tmpfs(const std::string& name, unsigned long flags) {
    if (::unshare(CLONE_NEWNS) != 0) return {};
    EXPECT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    auto disk = dir_.path() / name;
    std::filesystem::create_directories(disk);
    EXPECT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", flags, "size=64k"), 0) << std::strerror(errno);
    return disk;
  }

  // A stage subscriber of audio, connected.
  void listen_to_stage(TestPeer& listener) {
    auto session = open("room", "listener", false);
    auto answer = negotiate(session, listener.make_offer({{"audio", "recvonly", 0, "0"}}), {}, true);
    ASSERT_TRUE(answer.ok) << answer.error;
    ASSERT_TRUE(listener.apply_answer(answer.sdp_answer));
    ASSERT_TRUE(listener.connect());
  }

  // Sends 100 ms of `publisher`'s media at a time, at most `tries` times, until the
  // recorder reports a failure.
  void send_until_failure(Publisher& publisher, int tries) {
    for (int i = 0; i < tries; ++i) {
      send_for({&publisher}, 100);
      std::lock_guard lock(mutex_);
      if (!failures_.empty()) return;
    }
  }

  void floor_to(const std::string& holder, const std::vector<std::string>& others) {
    media_.set_send_permission("room", holder, true, true);
    for (const auto& other : others) media_.set_send_permission("room", other, false, false);
    media_.set_stage("room", holder);
  }

  store::TempDir dir_;
  std::mutex mutex_;
  std::vector<record::RecordingFile> started_, finished_;
  std::vector<std::string> failures_;
};

Publisher make_publisher(std::string participant, std::uint32_t ssrc_base, std::uint8_t y,
                         std::uint8_t u, std::uint8_t v, int width, int height) {
  Publisher p;
  p.participant = std::move(participant);
  p.audio_ssrc = ssrc_base + 1;
  p.video_ssrc = ssrc_base + 2;
  p.video = encode_solid_vp8(width, height, y, u, v, 30, /*keyframe_interval=*/30);
  p.audio = encode_opus_tone(50);
  return p;
}

TEST_F(RecordingScenario, TwoSpeakersInTurnGiveTrackFilesAndAProgramThatFollowsTheFloor) {
  // A is red, B is blue (BT.601 YUV); B's picture is smaller too.
  Publisher a = make_publisher("alice", 0xA000, 81, 90, 240, 320, 240);
  Publisher b = make_publisher("bob", 0xB000, 41, 240, 110, 256, 144);
  publish(a);
  publish(b);
  floor_to("alice", {"bob"});
  auto recorder = start_recorder(dir_.path());

  // Each turn lasts 2 s; PODIUM_RECORD_TURN_MS makes them longer to measure the cost of
  // recording (docs/recording.md, Cost).
  const char* turn_env = std::getenv("PODIUM_RECORD_TURN_MS");
  const int turn_ms = turn_env ? std::max(2000, std::atoi(turn_env)) : 2000;
  const double turn_s = turn_ms / 1000.0;
  auto cpu_before = std::clock();
  send_for({&a, &b}, turn_ms);  // alice's turn
  floor_to("bob", {"alice"});
  send_for({&a, &b}, turn_ms);  // bob's turn
  media_.set_tap("room", nullptr);
  recorder->stop();

  auto stats = recorder->stats();
  EXPECT_EQ(stats.packets_dropped, 0u);
  EXPECT_GE(stats.program_switches, 1u);
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path()))
    if (entry.is_regular_file()) bytes += entry.file_size();
  // The cost of recording (docs/recording.md): two publishers, two turns.
  std::printf("recording cost: %.0f s, %llu packets, writer CPU %.1f ms, %ju bytes on disk "
              "(process CPU %.0f ms, sending and the sfu included)\n",
              2 * turn_s, static_cast<unsigned long long>(stats.packets), stats.writer_cpu_us / 1000.0,
              bytes, 1000.0 * static_cast<double>(std::clock() - cpu_before) / CLOCKS_PER_SEC);
  {
    std::lock_guard lock(mutex_);
    EXPECT_TRUE(failures_.empty()) << failures_.front();
    // alice's and bob's audio and video, and the program.
    EXPECT_EQ(started_.size(), 5u);
    EXPECT_EQ(finished_.size(), 5u);
    for (const auto& f : finished_) EXPECT_FALSE(f.error) << f.path << ": " << *f.error;
  }
  auto folder = dir_.path() / "recordings/room/test";
  auto program = folder / "program.webm";
  ASSERT_TRUE(std::filesystem::exists(program));

  // The program: VP8 + Opus ("mul", the floor), the whole 4 s.
  auto probed = probe(program);
  ASSERT_TRUE(probed.contains("streams")) << probed.dump();
  ASSERT_EQ(probed["streams"].size(), 2u) << probed.dump();
  EXPECT_EQ(probed["streams"][0]["codec_name"], "vp8");
  EXPECT_EQ(probed["streams"][1]["codec_name"], "opus");
  EXPECT_EQ(probed["streams"][1]["tags"]["language"], "mul");
  EXPECT_NEAR(duration_of(probed), 2 * turn_s, 1.0) << probed.dump();
  EXPECT_EQ(decode_errors(program), "");

  // alice's turn shows red, bob's turn blue.
  auto first = colour_at(program, turn_s / 2);
  auto second = colour_at(program, turn_s + 1.2);
  EXPECT_GT(first[0], first[2] + 60) << "red expected, got " << first[0] << "," << first[1] << "," << first[2];
  EXPECT_GT(second[2], second[0] + 60) << "blue expected, got " << second[0] << "," << second[1] << "," << second[2];

  // Track files: each as received, each publisher only while it had the floor.
  for (const auto* who : {"alice", "bob"}) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      auto name = entry.path().filename().string();
      if (name.rfind(std::string(who) + "-", 0) != 0) continue;
      ++files;
      auto track = probe(entry.path());
      ASSERT_TRUE(track.contains("streams")) << name << ": " << track.dump();
      ASSERT_EQ(track["streams"].size(), 1u);
      bool video = name.find("-video-") != std::string::npos;
      EXPECT_EQ(track["streams"][0]["codec_name"], video ? "vp8" : "opus") << name;
      if (video) {
        EXPECT_EQ(track["streams"][0]["width"], std::string(who) == "alice" ? 320 : 256);
      }
      EXPECT_NEAR(duration_of(track), turn_s, 1.0) << name << ": " << track.dump();
      EXPECT_EQ(decode_errors(entry.path()), "") << name;
    }
    EXPECT_EQ(files, 2) << who;
  }
}

// Interpretation: the program has the floor and one audio track per booth language, each
// tagged, fed by that language's program mix, so a player can pick the language.
TEST_F(RecordingScenario, TheProgramHasOneAudioTrackPerLanguage) {
  Publisher a = make_publisher("alice", 0xE000, 81, 90, 240, 320, 240);
  Publisher fr = make_publisher("int-fr", 0xF000, 41, 240, 110, 160, 120);
  publish(a);
  publish(fr);
  media_.set_interpretation("room", sfu::InterpretationPlan{.floor_language = "en",
                                                            .live = {{"fr", "int-fr"}, {"de", ""}},
                                                            .interpreters = {"int-fr"}});
  floor_to("alice", {});
  auto recorder = start_recorder(dir_.path(), {"fr", "de"});
  send_for({&a}, 2000);  // the French interpreter is silent: French is the ducked floor
  send_for({&a, &fr}, 1500);
  media_.set_tap("room", nullptr);
  recorder->stop();
  {
    std::lock_guard lock(mutex_);
    EXPECT_TRUE(failures_.empty()) << failures_.front();
    bool listed = false;
    for (const auto& f : started_) {
      if (f.kind != "program") continue;
      listed = true;
      EXPECT_EQ(f.languages, (std::vector<std::string>{"floor", "fr", "de"}));
    }
    EXPECT_TRUE(listed);
  }
  auto program = dir_.path() / "recordings/room/test/program.webm";
  auto out = run("ffprobe -v error -show_entries stream=index,codec_name,codec_type:"
                 "stream_tags=language,title -of json '" + program.string() + "'");
  ASSERT_EQ(out.status, 0) << out.text;
  auto probed = nlohmann::json::parse(out.text, nullptr, false);
  ASSERT_EQ(probed["streams"].size(), 4u) << probed.dump();
  EXPECT_EQ(probed["streams"][0]["codec_type"], "video");
  const char* languages[] = {"mul", "fre", "ger"};
  const char* titles[] = {"Floor", "fr (program)", "de (program)"};
  for (int i = 0; i < 3; ++i) {
    const auto& stream = probed["streams"][i + 1];
    EXPECT_EQ(stream["codec_name"], "opus") << probed.dump();
    EXPECT_EQ(stream["tags"]["language"], languages[i]) << probed.dump();
    EXPECT_EQ(stream["tags"]["title"], titles[i]) << probed.dump();
  }
  EXPECT_EQ(decode_errors(program), "");
  // German has nobody live: the floor at full level. French ducks the floor under the
  // (silent) interpreter, then carries the interpreter.
  double floor = mean_volume(program, 0, 0.5, 1.8);
  double french = mean_volume(program, 1, 0.5, 1.8);
  double german = mean_volume(program, 2, 0.5, 1.8);
  EXPECT_GT(floor, -40) << "the floor is heard";
  EXPECT_NEAR(german, floor, 3.0);
  EXPECT_LT(french, german - 8) << "French is the floor ducked under its booth";
  EXPECT_GT(mean_volume(program, 1, 2.5, 3.3), french + 6) << "then the interpreter speaks";
}

// Loss of video and audio packets and a pause longer than the epoch gap (the publisher
// stops sending, then goes on with its timestamps advanced): every file still decodes,
// and the pause stays in the files as time, so they stay in step with the wall clock.
TEST_F(RecordingScenario, WithPacketLossAndAPauseTheFilesStillDecode) {
  Publisher a = make_publisher("alice", 0xC000, 81, 90, 240, 320, 240);
  a.drop_every = 7;        // ~14% of the video packets never arrive (no retransmission here)
  a.drop_audio_every = 9;  // ~11% of the audio packets
  publish(a);
  auto recorder = start_recorder(dir_.path());
  send_for({&a}, 1500);
  pause_for({&a}, 2500);
  send_for({&a}, 1500);
  media_.set_tap("room", nullptr);
  recorder->stop();

  auto stats = recorder->stats();
  EXPECT_GT(stats.frames_dropped, 0u) << "frames with a lost packet are dropped";
  auto folder = dir_.path() / "recordings/room/test";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    ++files;
    auto probed = probe(entry.path());
    ASSERT_TRUE(probed.contains("streams")) << entry.path() << ": " << probed.dump();
    EXPECT_EQ(decode_errors(entry.path()), "") << entry.path();
    EXPECT_NEAR(duration_of(probed), 5.5, 1.0) << entry.path() << ": the pause is kept as time";
  }
  EXPECT_EQ(files, 3);  // audio, video, program
}

// A disk that fills up stops the recording with a reason; the media goes on. The disk
// is a 64 KiB tmpfs in a mount namespace of this process (needs root: skipped without).
TEST_F(RecordingScenario, AFullDiskStopsTheRecordingAndTheConferenceGoesOn) {
  auto disk = private_tmpfs("disk", 0);
  if (disk.empty()) GTEST_SKIP() << "no mount namespace (not root?)";
  ASSERT_FALSE(HasFailure());

  Publisher a = make_publisher("alice", 0xD000, 81, 90, 240, 320, 240);
  publish(a);
  TestPeer listener;
  listen_to_stage(listener);
  if (HasFatalFailure()) return;

  auto recorder = start_recorder(disk);
  send_until_failure(a, 40);
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(failures_.size(), 1u) << "64 KiB fill up in well under 4 s of video";
    EXPECT_NE(failures_[0].find("No space left"), std::string::npos) << failures_[0];
    ASSERT_FALSE(finished_.empty());
    for (const auto& f : finished_) EXPECT_TRUE(f.error) << f.path;
  }
  // The conference goes on: the stage still reaches the listener.
  std::size_t before = listener.received.size();
  send_for({&a}, 300);
  listener.pump(100);
  EXPECT_GT(listener.received.size(), before + 5);
  media_.set_tap("room", nullptr);
  recorder->stop();
  ::umount(disk.c_str());
}

// A read-only disk (mounted read-only in a mount namespace of this process: needs root)
// refuses the first file: the recording stops with the reason, the stage goes on.
TEST_F(RecordingScenario, AReadOnlyDiskStopsTheRecordingAndTheConferenceGoesOn) {
  auto disk = private_tmpfs("read-only", MS_RDONLY);
  if (disk.empty()) GTEST_SKIP() << "no mount namespace (not root?)";
  ASSERT_FALSE(HasFailure());

  Publisher a = make_publisher("alice", 0xD100, 81, 90, 240, 320, 240);
  publish(a);
  TestPeer listener;
  listen_to_stage(listener);
  if (HasFatalFailure()) return;

  auto recorder = start_recorder(disk);
  send_until_failure(a, 20);
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(failures_.size(), 1u) << "the first file cannot be created";
    EXPECT_NE(failures_[0].find("Read-only file system"), std::string::npos) << failures_[0];
    for (const auto& f : finished_) EXPECT_TRUE(f.error) << f.path;
  }
  std::size_t before = listener.received.size();
  send_for({&a}, 300);
  listener.pump(100);
  EXPECT_GT(listener.received.size(), before + 5) << "the stage still reaches the listener";
  media_.set_tap("room", nullptr);
  recorder->stop();
  ::umount(disk.c_str());
}

}  // namespace
}  // namespace podium::testing
