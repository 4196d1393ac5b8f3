// Writes codec frames as they were received, without transcoding, into a WebM
// (Matroska) file through libavformat: VP8 or VP9 video, Opus audio, any number of
// tracks, each with a language tag. A file with an H.264 track is plain Matroska (WebM
// allows VP8/VP9/AV1 only): frames go in as Annex B and are stored length-prefixed, with
// the SPS and PPS as the avcC CodecPrivate (ISO/IEC 14496-15 §5.3.3). Timestamps are milliseconds (the Matroska default
// TimecodeScale, 1 ms). Writer thread only; never throws.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rtp/codec.h"
#include "util/bytes.h"
#include "util/result.h"

struct AVFormatContext;

namespace podium::record {

struct TrackSpec {
  rtp::Codec codec = rtp::Codec::kVp8;  // kVp8, kVp9, kH264 or kOpus
  int width = 640;                      // video: from the first keyframe when known
  int height = 480;
  int channels = 2;                     // Opus in WebRTC is always signalled as 2 (RFC 7587 §7)
  std::string language;                 // e.g. "en"; empty: undetermined
  std::string title;
  // H.264: SPS and PPS NAL units, each after a 00 00 00 01 start code.
  std::vector<std::uint8_t> parameter_sets;
};

// True when a file of these tracks must be Matroska rather than WebM (.mkv, not .webm).
bool needs_matroska(const std::vector<TrackSpec>& tracks);

struct Done {};

// What repair_matroska kept of a file.
struct Repaired {
  std::int64_t first_ms = 0;     // the first frame's time in the file
  std::int64_t duration_ms = 0;  // from the first frame to the end of the last
  std::int64_t bytes = 0;        // the new file's size
  std::int64_t frames = 0;
};

// A file a crash left unfinished (no cues, no duration, perhaps a cluster cut short):
// its frames up to the first unreadable byte are copied, as they are, into a new file
// that replaces it, with an index, so players can seek. An error leaves the file as it
// was; a file with no whole frame is an error too.
Result<Repaired> repair_matroska(const std::string& path);

class MatroskaWriter {
 public:
  // Creates (or truncates) the file and writes the header.
  static Result<std::unique_ptr<MatroskaWriter>> create(const std::string& path,
                                                        const std::vector<TrackSpec>& tracks);
  ~MatroskaWriter();
  MatroskaWriter(const MatroskaWriter&) = delete;
  MatroskaWriter& operator=(const MatroskaWriter&) = delete;

  // pts_ms must not go backwards within a track (earlier ones are moved up to the last).
  Result<Done> write(int track, std::int64_t pts_ms, bool keyframe, Bytes data);
  // Writes the index (cues) and duration and closes the file. After a failed write it
  // only closes. Returns the file size.
  Result<std::int64_t> finish();

  // Media time covered: from the first frame to the end of the last one.
  std::int64_t duration_ms() const;
  std::int64_t first_pts_ms() const { return first_pts_ < 0 ? 0 : first_pts_; }
  const std::string& path() const { return path_; }

 private:
  MatroskaWriter() = default;
  Result<Done> check(int rc, const char* what);

  std::string path_;
  AVFormatContext* context_ = nullptr;
  std::vector<std::int64_t> last_pts_;
  std::vector<bool> audio_;
  std::int64_t first_pts_ = -1;
  std::int64_t end_pts_ = 0;
  std::int64_t last_flush_pts_ = 0;
  static constexpr std::int64_t kFlushIntervalMs = 1000;
  bool failed_ = false;
  bool finished_ = false;
};

}  // namespace podium::record
