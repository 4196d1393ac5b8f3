#include "record/matroska_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

namespace podium::record {
namespace {

std::string av_error(int rc) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(rc, text, sizeof text);
  return text;
}

AVCodecID codec_id(rtp::Codec codec) {
  switch (codec) {
    case rtp::Codec::kVp8: return AV_CODEC_ID_VP8;
    case rtp::Codec::kVp9: return AV_CODEC_ID_VP9;
    case rtp::Codec::kOpus: return AV_CODEC_ID_OPUS;
    case rtp::Codec::kH264: return AV_CODEC_ID_H264;
    default: return AV_CODEC_ID_NONE;
  }
}

// RFC 7845 §5.1 identification header, which Matroska carries as CodecPrivate for Opus.
std::vector<std::uint8_t> opus_head(int channels) {
  std::vector<std::uint8_t> head = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1,
                                    static_cast<std::uint8_t>(channels)};
  const std::uint16_t pre_skip = 0;  // a live stream: nothing to skip
  const std::uint32_t rate = 48000;
  head.push_back(pre_skip & 0xff);
  head.push_back(pre_skip >> 8);
  for (int i = 0; i < 4; ++i) head.push_back(static_cast<std::uint8_t>(rate >> (8 * i)));
  head.push_back(0);  // output gain
  head.push_back(0);
  head.push_back(0);  // channel mapping family 0: mono or stereo
  return head;
}

constexpr std::int64_t kVideoFrameMs = 33;
constexpr std::int64_t kAudioFrameMs = 20;

}  // namespace

bool needs_matroska(const std::vector<TrackSpec>& tracks) {
  return std::any_of(tracks.begin(), tracks.end(),
                     [](const TrackSpec& t) { return t.codec == rtp::Codec::kH264; });
}

Result<std::unique_ptr<MatroskaWriter>> MatroskaWriter::create(
    const std::string& path, const std::vector<TrackSpec>& tracks) {
  std::unique_ptr<MatroskaWriter> writer(new MatroskaWriter());
  writer->path_ = path;
  int rc = avformat_alloc_output_context2(&writer->context_, nullptr,
                                          needs_matroska(tracks) ? "matroska" : "webm", path.c_str());
  if (rc < 0 || !writer->context_) return Error{fmt::format("{}: {}", path, av_error(rc))};
  AVFormatContext* context = writer->context_;
  for (const auto& spec : tracks) {
    AVCodecID id = codec_id(spec.codec);
    if (id == AV_CODEC_ID_NONE)
      return Error{fmt::format("{}: {} cannot go into Matroska", path, rtp::codec_name(spec.codec))};
    AVStream* stream = avformat_new_stream(context, nullptr);
    if (!stream) return Error{fmt::format("{}: out of memory", path)};
    stream->time_base = AVRational{1, 1000};
    AVCodecParameters* parameters = stream->codecpar;
    parameters->codec_id = id;
    bool audio = spec.codec == rtp::Codec::kOpus;
    writer->audio_.push_back(audio);
    if (audio) {
      parameters->codec_type = AVMEDIA_TYPE_AUDIO;
      parameters->sample_rate = 48000;
      av_channel_layout_default(&parameters->ch_layout, spec.channels);
      auto head = opus_head(spec.channels);
      parameters->extradata =
          static_cast<std::uint8_t*>(av_mallocz(head.size() + AV_INPUT_BUFFER_PADDING_SIZE));
      if (!parameters->extradata) return Error{fmt::format("{}: out of memory", path)};
      std::memcpy(parameters->extradata, head.data(), head.size());
      parameters->extradata_size = static_cast<int>(head.size());
    } else {
      parameters->codec_type = AVMEDIA_TYPE_VIDEO;
      parameters->width = spec.width > 0 ? spec.width : 640;
      parameters->height = spec.height > 0 ? spec.height : 480;
      if (!spec.parameter_sets.empty()) {
        // Annex B extradata: the muxer writes it as avcC and converts each frame.
        parameters->extradata = static_cast<std::uint8_t*>(
            av_mallocz(spec.parameter_sets.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!parameters->extradata) return Error{fmt::format("{}: out of memory", path)};
        std::memcpy(parameters->extradata, spec.parameter_sets.data(), spec.parameter_sets.size());
        parameters->extradata_size = static_cast<int>(spec.parameter_sets.size());
      }
    }
    if (!spec.language.empty()) av_dict_set(&stream->metadata, "language", spec.language.c_str(), 0);
    if (!spec.title.empty()) av_dict_set(&stream->metadata, "title", spec.title.c_str(), 0);
  }
  writer->last_pts_.assign(tracks.size(), -1);
  av_dict_set(&context->metadata, "encoder", "podium", 0);
  AVDictionary* io_options = nullptr;
  rc = avio_open2(&context->pb, path.c_str(), AVIO_FLAG_WRITE, nullptr, &io_options);
  av_dict_free(&io_options);
  if (rc < 0) return Error{fmt::format("cannot create {}: {}", path, av_error(rc))};
  AVDictionary* options = nullptr;
  // Cues go at the end (we learn them while writing); seeking needs them.
  av_dict_set(&options, "live", "0", 0);
  // Clusters of about a second reach the disk as they close, so a full disk shows
  // within a second or two instead of at the end.
  av_dict_set(&options, "cluster_time_limit", "1000", 0);
  av_dict_set(&options, "cluster_size_limit", "1048576", 0);
  rc = avformat_write_header(context, &options);
  av_dict_free(&options);
  if (rc < 0) {
    writer->failed_ = true;
    return Error{fmt::format("cannot write {}: {}", path, av_error(rc))};
  }
  if (context->pb->error < 0) {
    writer->failed_ = true;
    return Error{fmt::format("cannot write {}: {}", path, av_error(context->pb->error))};
  }
  return writer;
}

MatroskaWriter::~MatroskaWriter() {
  if (!context_) return;
  if (!finished_) finish();
  avformat_free_context(context_);
}

Result<Done> MatroskaWriter::check(int rc, const char* what) {
  if (rc >= 0 && context_->pb && context_->pb->error < 0) rc = context_->pb->error;
  if (rc >= 0) return Done{};
  failed_ = true;
  return Error{fmt::format("{} {}: {}", what, path_, av_error(rc))};
}

Result<Done> MatroskaWriter::write(int track, std::int64_t pts_ms, bool keyframe, Bytes data) {
  if (failed_ || finished_) return Error{fmt::format("{} is closed", path_)};
  if (track < 0 || track >= static_cast<int>(last_pts_.size()) || data.empty())
    return Error{"no such track"};
  auto& last = last_pts_[static_cast<std::size_t>(track)];
  // Matroska needs each track's timestamps in order; a source switch may step back.
  if (last >= 0 && pts_ms <= last) pts_ms = last + 1;
  last = pts_ms;
  if (first_pts_ < 0 || pts_ms < first_pts_) first_pts_ = pts_ms;
  std::int64_t frame_ms = audio_[static_cast<std::size_t>(track)] ? kAudioFrameMs : kVideoFrameMs;
  end_pts_ = std::max(end_pts_, pts_ms + frame_ms);
  AVPacket* packet = av_packet_alloc();
  if (!packet) return Error{"out of memory"};
  int rc = av_new_packet(packet, static_cast<int>(data.size()));
  if (rc >= 0) {
    std::memcpy(packet->data, data.data(), data.size());
    packet->stream_index = track;
    packet->pts = packet->dts = pts_ms;
    packet->duration = frame_ms;
    if (keyframe) packet->flags |= AV_PKT_FLAG_KEY;
    rc = av_write_frame(context_, packet);
  }
  av_packet_free(&packet);
  // Push buffered bytes to the file about once a second: a failing disk is noticed
  // while recording, and a crash loses little.
  if (rc >= 0 && pts_ms - last_flush_pts_ >= kFlushIntervalMs) {
    last_flush_pts_ = pts_ms;
    avio_flush(context_->pb);
  }
  return check(rc, "cannot write");
}

Result<std::int64_t> MatroskaWriter::finish() {
  if (finished_) return Error{fmt::format("{} is closed", path_)};
  finished_ = true;
  int rc = 0;
  if (!failed_) {
    rc = av_write_trailer(context_);
    if (rc >= 0 && context_->pb->error < 0) rc = context_->pb->error;
  }
  std::int64_t size = context_->pb ? avio_size(context_->pb) : -1;
  int closed = avio_closep(&context_->pb);
  if (failed_) return Error{fmt::format("{} is incomplete (a write failed)", path_)};
  if (rc < 0) {
    failed_ = true;
    return Error{fmt::format("cannot finish {}: {}", path_, av_error(rc))};
  }
  if (closed < 0) {
    failed_ = true;
    return Error{fmt::format("cannot close {}: {}", path_, av_error(closed))};
  }
  return size < 0 ? std::int64_t{0} : size;
}

std::int64_t MatroskaWriter::duration_ms() const {
  return first_pts_ < 0 ? 0 : end_pts_ - first_pts_;
}

Result<Repaired> repair_matroska(const std::string& path) {
  AVFormatContext* input = nullptr;
  int rc = avformat_open_input(&input, path.c_str(), nullptr, nullptr);
  if (rc < 0) return Error{fmt::format("cannot read {}: {}", path, av_error(rc))};
  // Everything below closes what it opened on every path.
  struct Contexts {
    AVFormatContext*& input;
    AVFormatContext* output = nullptr;
    AVPacket* packet = nullptr;
    ~Contexts() {
      av_packet_free(&packet);
      if (output) {
        if (output->pb) avio_closep(&output->pb);
        avformat_free_context(output);
      }
      avformat_close_input(&input);
    }
  } contexts{input};
  std::string temporary = path + ".repair";
  bool webm = true;  // VP8, VP9 and Opus only; anything else was written as Matroska
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    AVCodecID id = input->streams[i]->codecpar->codec_id;
    if (id != AV_CODEC_ID_VP8 && id != AV_CODEC_ID_VP9 && id != AV_CODEC_ID_OPUS) webm = false;
  }
  rc = avformat_alloc_output_context2(&contexts.output, nullptr, webm ? "webm" : "matroska",
                                      temporary.c_str());
  if (rc < 0 || !contexts.output) return Error{fmt::format("{}: {}", temporary, av_error(rc))};
  AVFormatContext* output = contexts.output;
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    AVStream* from = input->streams[i];
    AVStream* to = avformat_new_stream(output, nullptr);
    if (!to) return Error{"out of memory"};
    if ((rc = avcodec_parameters_copy(to->codecpar, from->codecpar)) < 0)
      return Error{fmt::format("{}: {}", path, av_error(rc))};
    to->codecpar->codec_tag = 0;
    to->time_base = AVRational{1, 1000};
    av_dict_copy(&to->metadata, from->metadata, 0);
  }
  av_dict_copy(&output->metadata, input->metadata, 0);
  if ((rc = avio_open2(&output->pb, temporary.c_str(), AVIO_FLAG_WRITE, nullptr, nullptr)) < 0)
    return Error{fmt::format("cannot create {}: {}", temporary, av_error(rc))};
  AVDictionary* options = nullptr;
  av_dict_set(&options, "live", "0", 0);
  rc = avformat_write_header(output, &options);
  av_dict_free(&options);
  if (rc < 0) return Error{fmt::format("cannot write {}: {}", temporary, av_error(rc))};

  contexts.packet = av_packet_alloc();
  if (!contexts.packet) return Error{"out of memory"};
  AVPacket* packet = contexts.packet;
  std::vector<std::int64_t> last(input->nb_streams, INT64_MIN);
  Repaired out;
  std::int64_t first = -1, end = 0;
  // Up to the end of what was written, or the first frame the demuxer cannot read.
  while (av_read_frame(input, packet) >= 0) {
    auto index = static_cast<std::size_t>(packet->stream_index);
    if (index >= last.size() || packet->pts == AV_NOPTS_VALUE || (packet->flags & AV_PKT_FLAG_CORRUPT)) {
      av_packet_unref(packet);
      continue;
    }
    AVRational base = input->streams[index]->time_base;
    std::int64_t pts = av_rescale_q(packet->pts, base, AVRational{1, 1000});
    std::int64_t duration = av_rescale_q(packet->duration, base, AVRational{1, 1000});
    if (pts <= last[index]) {  // never in a file this writer wrote; skip rather than fail
      av_packet_unref(packet);
      continue;
    }
    last[index] = pts;
    packet->pts = packet->dts = pts;
    packet->duration = duration;
    packet->pos = -1;
    if (first < 0 || pts < first) first = pts;
    end = std::max(end, pts + duration);
    ++out.frames;
    rc = av_interleaved_write_frame(output, packet);  // unrefs the packet
    if (rc < 0) return Error{fmt::format("cannot write {}: {}", temporary, av_error(rc))};
  }
  if (out.frames == 0) {
    std::remove(temporary.c_str());
    return Error{fmt::format("{} holds no whole frame", path)};
  }
  rc = av_write_trailer(output);
  if (rc >= 0 && output->pb->error < 0) rc = output->pb->error;
  out.bytes = avio_size(output->pb);
  int closed = avio_closep(&output->pb);
  if (rc < 0 || closed < 0) {
    std::remove(temporary.c_str());
    return Error{fmt::format("cannot write {}: {}", temporary, av_error(rc < 0 ? rc : closed))};
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Error{fmt::format("cannot replace {}: {}", path, std::strerror(errno))};
  }
  out.first_ms = std::max<std::int64_t>(first, 0);
  out.duration_ms = first < 0 ? 0 : end - first;
  return out;
}

}  // namespace podium::record
