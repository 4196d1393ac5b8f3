// The control plane's side of recording: a recorder per conference started and stopped,
// and its files listed in the store as they open and close (with real media from a
// WebRTC client, so real files are written).
#include "api/recordings.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "store/sqlite_store.h"
#include "tests/integration/media_fixture.h"
#include "tests/integration/test_peer.h"
#include "tests/record/media_samples.h"
#include "tests/store/temp_dir.h"

namespace podium::testing {
namespace {

class RecordingsTest : public MediaFixture {
 protected:
  RecordingsTest() : MediaFixture(21540) {}

  void SetUp() override {
    auto opened = store::SqliteStore::open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_conference("room", {{"title", "Room"}}).ok());
  }

  // What the writer thread posted to the control thread, run here.
  void run_posted() {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard lock(mutex_);
      work.swap(posted_);
    }
    for (auto& w : work) w();
  }

  api::Recordings::Post post() {
    return [this](std::function<void()> work) {
      std::lock_guard lock(mutex_);
      posted_.push_back(std::move(work));
    };
  }

  store::TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;
};

TEST_F(RecordingsTest, FilesAreListedWhileWrittenAndCompleteWhenStopped) {
  TestPeer publisher;
  auto session = open("room", "p1", true);
  auto answer = negotiate(session, publisher.make_offer({{"audio", "sendonly", 0x11, "0"},
                                                         {"video", "sendonly", 0x22, "1"}}));
  ASSERT_TRUE(answer.ok) << answer.error;
  ASSERT_TRUE(publisher.apply_answer(answer.sdp_answer));
  ASSERT_TRUE(publisher.connect());
  auto video = encode_solid_vp8(160, 120, 81, 90, 240, 15, 15);
  auto audio = encode_opus_tone(10);

  api::Recordings recordings(media_, store_.get(), dir_.path(), post());
  recordings.start("room");
  EXPECT_TRUE(recordings.recording("room"));
  std::uint16_t audio_seq = 1, video_seq = 1, video_packet = 1;
  for (int tick = 0; tick < 75; ++tick) {  // 1.5 s in 20 ms ticks
    publisher.send_rtp(0x11, 111, audio_seq, 960u * audio_seq, audio[audio_seq % audio.size()]);
    ++audio_seq;
    if (tick % 2 == 0) {
      const auto& frame = video[(video_seq - 1) % video.size()];
      for (std::size_t i = 0; i < frame.payloads.size(); ++i)
        publisher.send_rtp(0x22, 96, video_packet++, 6000u * video_seq,
                           frame.payloads[i], i + 1 == frame.payloads.size());
      ++video_seq;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  run_posted();
  auto writing = store_->list_recordings("room");
  ASSERT_TRUE(writing.ok());
  ASSERT_EQ(writing->size(), 3u);  // the program, p1's audio and video
  for (const auto& r : *writing) EXPECT_FALSE(r.ended_ms) << r.path;

  recordings.stop("room");
  EXPECT_FALSE(recordings.recording("room"));
  auto done = store_->list_recordings("room");
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->size(), 3u);
  int programs = 0;
  for (const auto& r : *done) {
    ASSERT_TRUE(r.ended_ms) << r.path;
    EXPECT_FALSE(r.error) << *r.error;
    EXPECT_NEAR(static_cast<double>(r.duration_ms), 1500.0, 1000.0) << r.path;
    auto path = dir_.path() / r.path;
    ASSERT_TRUE(std::filesystem::exists(path)) << r.path;
    EXPECT_EQ(r.bytes, static_cast<std::int64_t>(std::filesystem::file_size(path))) << r.path;
    EXPECT_EQ(r.path.rfind("recordings/room/", 0), 0u) << r.path;
    if (r.kind == "program") {
      ++programs;
      EXPECT_EQ(r.languages, std::vector<std::string>{"floor"});
      EXPECT_FALSE(r.participant);
    } else {
      EXPECT_EQ(r.participant, "p1");
    }
  }
  EXPECT_EQ(programs, 1);
  EXPECT_TRUE(recordings.take_failures().empty());
}

TEST_F(RecordingsTest, AnUnwritableDataDirectoryIsReportedAsAFailure) {
  // A file where the recordings folder should be: creating the folder fails even for root.
  std::ofstream(dir_.path() / "recordings") << "not a directory";
  api::Recordings recordings(media_, store_.get(), dir_.path(), post());
  recordings.start("room");
  recordings.stop("room");
  run_posted();
  auto failures = recordings.take_failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first, "room");
  EXPECT_NE(failures[0].second.find("cannot create"), std::string::npos) << failures[0].second;
}

}  // namespace
}  // namespace podium::testing
