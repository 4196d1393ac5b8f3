// H.264 recording: RFC 6184 depacketization in the frame assembler (single NAL unit,
// STAP-A and FU-A packets built byte by byte as the RFC lays them out), the SPS picture
// size, and a real libx264 stream (encoded by ffmpeg, packetized here as a WebRTC sender
// does) written to Matroska and checked with ffprobe and ffmpeg.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "record/frame_assembler.h"
#include "record/matroska_writer.h"
#include "tests/store/temp_dir.h"

namespace podium::record {
namespace {

using Payload = std::vector<std::uint8_t>;
const Payload kStart = {0, 0, 0, 1};

Payload cat(std::initializer_list<Payload> parts) {
  Payload out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Feeder {
  FrameAssembler assembler{rtp::Codec::kH264};
  std::vector<AssembledFrame> frames;
  std::int64_t now = 0;
  void push(std::uint16_t seq, std::uint32_t ts, bool marker, const Payload& payload) {
    assembler.push(0x1234, seq, ts, marker, Bytes(payload), now, frames);
  }
};

// RFC 6184 §5.6 single NAL unit, §5.7.1 STAP-A, §5.8 FU-A.
const Payload kSps = {0x67, 0x42, 0xc0, 0x1e};  // NRI 3, type 7
const Payload kPps = {0x68, 0xce, 0x3c, 0x80};  // type 8
Payload stap_a(const std::vector<Payload>& nals) {
  Payload out = {0x78};  // F 0, NRI 3, type 24
  for (const auto& nal : nals) {
    out.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(nal.size()));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}
// The fragments of one NAL unit (header byte first), `size` bytes of it per packet.
std::vector<Payload> fu_a(const Payload& nal, std::size_t size) {
  std::vector<Payload> out;
  std::uint8_t indicator = static_cast<std::uint8_t>((nal[0] & 0xe0) | 28);
  for (std::size_t at = 1; at < nal.size(); at += size) {
    std::size_t n = std::min(size, nal.size() - at);
    std::uint8_t header = nal[0] & 0x1f;
    if (at == 1) header |= 0x80;               // S
    if (at + n == nal.size()) header |= 0x40;  // E
    Payload p = {indicator, header};
    p.insert(p.end(), nal.begin() + static_cast<std::ptrdiff_t>(at),
             nal.begin() + static_cast<std::ptrdiff_t>(at + n));
    out.push_back(std::move(p));
  }
  return out;
}

TEST(H264Assembler, StapAAndFuAMakeOneAnnexBKeyframeWithItsParameterSets) {
  Feeder f;
  Payload idr = {0x65, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto fragments = fu_a(idr, 4);
  ASSERT_EQ(fragments.size(), 3u);
  f.push(10, 9000, false, stap_a({kSps, kPps}));
  f.push(11, 9000, false, fragments[0]);
  f.push(13, 9000, true, fragments[2]);  // out of order
  f.push(12, 9000, false, fragments[1]);
  ASSERT_EQ(f.frames.size(), 1u);
  const AssembledFrame frame = f.frames[0];
  EXPECT_TRUE(frame.keyframe);
  EXPECT_EQ(frame.data, cat({kStart, kSps, kStart, kPps, kStart, idr}));
  EXPECT_EQ(frame.parameter_sets, cat({kStart, kSps, kStart, kPps}));

  // A P frame as two single NAL unit packets (two slices), then the next frame.
  Payload slice1 = {0x41, 0xaa, 0xbb}, slice2 = {0x41, 0xcc};
  f.push(14, 12000, false, slice1);
  f.push(15, 12000, true, slice2);
  ASSERT_EQ(f.frames.size(), 2u);
  EXPECT_FALSE(f.frames[1].keyframe);
  EXPECT_EQ(f.frames[1].data, cat({kStart, slice1, kStart, slice2}));
  EXPECT_TRUE(f.frames[1].parameter_sets.empty());
  EXPECT_EQ(f.frames[1].rtp_timestamp - frame.rtp_timestamp, 3000);
}

TEST(H264Assembler, ALostFragmentDropsTheFrameAndWhatFollowsUntilTheNextIdr) {
  Feeder f;
  Payload idr(40, 0x11);
  idr[0] = 0x65;
  auto fragments = fu_a(idr, 10);
  f.push(1, 0, false, stap_a({kSps, kPps}));
  f.push(2, 0, false, fragments[0]);
  // fragments[1] never arrives.
  for (std::size_t i = 2; i < fragments.size(); ++i)
    f.push(static_cast<std::uint16_t>(1 + i + 1), 0, i + 1 == fragments.size(), fragments[i]);
  f.now = 1000;  // long past the wait for a retransmission
  f.push(10, 3000, true, {0x41, 0x01});  // a P frame: refers to what was lost
  f.assembler.poll(2000, f.frames);
  EXPECT_TRUE(f.frames.empty());
  EXPECT_TRUE(f.assembler.take_keyframe_request());
  f.push(11, 6000, false, stap_a({kSps, kPps}));
  f.push(12, 6000, true, {0x65, 0x22});
  ASSERT_EQ(f.frames.size(), 1u);
  EXPECT_TRUE(f.frames[0].keyframe);
}

TEST(H264Assembler, AFrameWhoseFirstPacketIsLostIsNotTakenForWhole) {
  Feeder f;
  f.push(1, 0, true, cat({stap_a({kSps, kPps})}));  // no IDR: not a keyframe, dropped
  f.push(2, 3000, false, stap_a({kSps, kPps}));
  f.push(3, 3000, true, {0x65, 0x01});
  ASSERT_EQ(f.frames.size(), 1u);
  // Frame at 6000 in two single NAL packets; the first is lost. The second starts a
  // NAL unit but not the frame: the packet before it (lost) did not end a frame.
  f.push(5, 6000, true, {0x41, 0x02});
  f.now = 1000;
  f.assembler.poll(1000, f.frames);
  EXPECT_EQ(f.frames.size(), 1u) << "half a frame must not be written";
}

TEST(H264Assembler, MalformedPayloadsAreDroppedWithoutHarm) {
  Feeder f;
  f.push(1, 0, true, {0x78, 0x00, 0x09, 0x67});  // STAP-A: a size past the end
  f.push(2, 3000, true, {0x7c, 0xc5, 0x01});     // FU-A with S and E set
  f.push(3, 6000, true, {0x7c});                 // FU-A without its header
  f.push(4, 9000, true, {0xe5, 0x01});           // F bit set
  f.push(5, 12000, true, {0x79, 0x00});          // STAP-B: interleaved mode only
  f.push(6, 15000, true, {});
  f.assembler.flush(f.frames);
  EXPECT_TRUE(f.frames.empty());
}

// --- a real stream ---

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

// Annex B NAL units (without start codes) grouped into access units at each AUD.
std::vector<std::vector<Payload>> access_units(const Payload& stream) {
  std::vector<Payload> nals;
  std::size_t i = 0, start = std::string::npos;
  while (i + 3 <= stream.size()) {
    bool code3 = stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1;
    if (code3) {
      if (start != std::string::npos) {
        std::size_t end = i;
        while (end > start && stream[end - 1] == 0) --end;  // a 4-byte code's leading 0
        nals.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(start),
                          stream.begin() + static_cast<std::ptrdiff_t>(end));
      }
      start = i + 3;
      i += 3;
    } else {
      ++i;
    }
  }
  if (start != std::string::npos && start < stream.size())
    nals.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(start), stream.end());
  std::vector<std::vector<Payload>> units;
  for (auto& nal : nals) {
    if (nal.empty()) continue;
    if ((nal[0] & 0x1f) == 9) {  // access unit delimiter: a new frame; not sent over RTP
      units.emplace_back();
      continue;
    }
    if (units.empty()) units.emplace_back();
    units.back().push_back(std::move(nal));
  }
  return units;
}

// A WebRTC sender's packetization (mode 1): small NAL units aggregated into STAP-A,
// large ones fragmented into FU-A, the marker on the last packet of each frame.
std::vector<Payload> packetize(const std::vector<Payload>& unit, std::size_t mtu) {
  std::vector<Payload> out;
  std::vector<Payload> pending;
  std::size_t pending_size = 1;
  auto flush = [&] {
    if (pending.size() == 1) out.push_back(pending[0]);
    else if (pending.size() > 1) out.push_back(stap_a(pending));
    pending.clear();
    pending_size = 1;
  };
  for (const auto& nal : unit) {
    if (nal.size() > mtu) {
      flush();
      for (auto& fragment : fu_a(nal, mtu - 2)) out.push_back(std::move(fragment));
      continue;
    }
    if (pending_size + 2 + nal.size() > mtu) flush();
    pending.push_back(nal);
    pending_size += 2 + nal.size();
  }
  flush();
  return out;
}

class H264Recording : public ::testing::Test {
 protected:
  void SetUp() override {
    auto encoders = run("ffmpeg -hide_banner -encoders");
    if (encoders.text.find("libx264") == std::string::npos) GTEST_SKIP() << "ffmpeg has no libx264";
    auto raw = dir_.path() / "source.h264";
    // 2 s of a moving test pattern, 320x180 (not a multiple of 16: the SPS crops), an
    // IDR every second, an AUD before every frame so the test can find frame bounds.
    auto encoded = run("ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x180:rate=30 -t 2 "
                       "-c:v libx264 -profile:v high -pix_fmt yuv420p -g 30 -bf 0 "
                       "-x264-params aud=1:repeat-headers=1 -f h264 '" + raw.string() + "'");
    ASSERT_EQ(encoded.status, 0) << encoded.text;
    std::ifstream in(raw, std::ios::binary);
    Payload stream((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    units_ = access_units(stream);
    ASSERT_EQ(units_.size(), 60u);
  }

  // Sends every frame through the assembler (dropping packet numbers in `lose`) and
  // writes what comes out to an .mkv as the recorder does.
  std::filesystem::path record(const std::set<int>& lose, std::size_t* written) {
    FrameAssembler assembler(rtp::Codec::kH264);
    std::vector<AssembledFrame> frames;
    std::uint16_t seq = 100;
    int packet_number = 0;
    for (std::size_t i = 0; i < units_.size(); ++i) {
      auto packets = packetize(units_[i], 1000);
      for (std::size_t p = 0; p < packets.size(); ++p) {
        std::uint16_t s = seq++;
        if (lose.count(packet_number++)) continue;
        assembler.push(0xabc, s, static_cast<std::uint32_t>(1000 + 3000 * i), p + 1 == packets.size(),
                       Bytes(packets[p]), static_cast<std::int64_t>(33 * i), frames);
      }
    }
    assembler.flush(frames);
    auto path = dir_.path() / "track.mkv";
    std::unique_ptr<MatroskaWriter> file;
    *written = 0;
    for (const auto& frame : frames) {
      if (!file) {
        EXPECT_TRUE(frame.keyframe);
        EXPECT_FALSE(frame.parameter_sets.empty());
        EXPECT_EQ(frame.width, 320);
        EXPECT_EQ(frame.height, 180);
        TrackSpec spec{rtp::Codec::kH264, frame.width, frame.height, 2, "", "camera", frame.parameter_sets};
        EXPECT_TRUE(needs_matroska({spec}));
        auto created = MatroskaWriter::create(path.string(), {spec});
        EXPECT_TRUE(created) << created.error();
        if (!created) return path;
        file = std::move(*created);
      }
      auto ok = file->write(0, (frame.rtp_timestamp - 1000) / 90, frame.keyframe, frame.data);
      EXPECT_TRUE(ok) << ok.error();
      ++*written;
    }
    if (file) {
      EXPECT_TRUE(file->finish());
    }
    return path;
  }

  store::TempDir dir_;
  std::vector<std::vector<Payload>> units_;
};

TEST_F(H264Recording, ARealStreamGoesIntoMatroskaAndDecodes) {
  std::size_t written = 0;
  auto path = record({}, &written);
  EXPECT_EQ(written, 60u);
  auto probed = run("ffprobe -v error -count_frames -show_entries "
                    "stream=codec_name,width,height,nb_read_frames:format=format_name,duration "
                    "-of json '" + path.string() + "'");
  ASSERT_EQ(probed.status, 0) << probed.text;
  auto json = nlohmann::json::parse(probed.text);
  ASSERT_EQ(json["streams"].size(), 1u) << probed.text;
  EXPECT_EQ(json["streams"][0]["codec_name"], "h264");
  EXPECT_EQ(json["streams"][0]["width"], 320);
  EXPECT_EQ(json["streams"][0]["height"], 180);
  EXPECT_EQ(json["streams"][0]["nb_read_frames"], "60");
  EXPECT_NE(json["format"]["format_name"].get<std::string>().find("matroska"), std::string::npos);
  EXPECT_NEAR(std::stod(json["format"]["duration"].get<std::string>()), 2.0, 0.2);
  auto decoded = run("ffmpeg -nostdin -v error -i '" + path.string() + "' -f null -");
  EXPECT_EQ(decoded.status, 0);
  EXPECT_EQ(decoded.text, "");
}

TEST_F(H264Recording, WithALostPacketTheFileStillDecodes) {
  std::size_t all = 0, written = 0;
  record({}, &all);
  // A packet of the 5th frame or so: that frame and the rest of its group are dropped.
  auto path = record({12}, &written);
  EXPECT_LT(written, all);
  EXPECT_GE(written, 30u) << "the next IDR starts the picture again";
  auto decoded = run("ffmpeg -nostdin -v error -i '" + path.string() + "' -f null -");
  EXPECT_EQ(decoded.status, 0);
  EXPECT_EQ(decoded.text, "");
}

TEST(H264PictureSize, ReadsTheSizeAndCroppingOfAnSps) {
  // x264, 320x180 High profile: 20x12 macroblocks, cropped by 12 rows at the bottom.
  Payload sps = {0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0x9f, 0x9f, 0x01, 0x10, 0x00,
                 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x42, 0x99, 0x60};
  auto size = h264_picture_size(sps);
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 320);
  EXPECT_EQ(size->height, 180);
  EXPECT_FALSE(h264_picture_size(Payload{0x67, 0x42}));
  EXPECT_FALSE(h264_picture_size(Payload{0x68, 0xce, 0x3c, 0x80}));
}

}  // namespace
}  // namespace podium::record
