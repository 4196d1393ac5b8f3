#include "tools/loadtest/report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace podium::loadtest {

using nlohmann::json;

namespace {

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile of a sorted sample; nullopt when empty.
template <typename T>
std::optional<double> percentile(const std::vector<T>& sorted, double p) {
  if (sorted.empty()) return std::nullopt;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]);
}

json percentiles_json(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  json out = json::object();
  for (auto [name, p] : {std::pair{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"max", 100.0}}) {
    auto v = percentile(values, p);
    out[name] = v ? json(std::round(*v * 1000) / 1000) : json(nullptr);
  }
  out["samples"] = values.size();
  return out;
}

std::string format_bitrate(double bps) {
  if (bps >= 1e6) return fmt::format("{:.2f} Mbps", bps / 1e6);
  return fmt::format("{:.0f} kbps", bps / 1e3);
}

std::string format_ms(const std::optional<double>& v) { return v ? fmt::format("{:.1f}", *v) : "-"; }

// What a group of receiving participants got (one row of the table).
struct Tally {
  std::string label;
  int participants = 0;
  int tracks_expected = 0;
  int tracks_received = 0;
  double bitrate_bps = 0;
  std::uint64_t packets = 0;
  std::int64_t lost = 0;
  std::uint64_t nacks = 0;
  double jitter_ms_sum = 0;
  int jitter_count = 0;
  std::vector<double> delays_ms;
  std::vector<double> first_frame_ms;
  // Where join to first frame goes: signaling (join to the server's welcome) and
  // then offer/answer, ICE and DTLS (to the transport connected).
  std::vector<double> welcome_ms;
  std::vector<double> connected_ms;
  std::string error;

  void add(const Tally& other) {
    participants += other.participants;
    tracks_expected += other.tracks_expected;
    tracks_received += other.tracks_received;
    bitrate_bps += other.bitrate_bps;
    packets += other.packets;
    lost += other.lost;
    nacks += other.nacks;
    jitter_ms_sum += other.jitter_ms_sum;
    jitter_count += other.jitter_count;
    delays_ms.insert(delays_ms.end(), other.delays_ms.begin(), other.delays_ms.end());
    first_frame_ms.insert(first_frame_ms.end(), other.first_frame_ms.begin(), other.first_frame_ms.end());
    welcome_ms.insert(welcome_ms.end(), other.welcome_ms.begin(), other.welcome_ms.end());
    connected_ms.insert(connected_ms.end(), other.connected_ms.begin(), other.connected_ms.end());
    if (error.empty()) error = other.error;
  }
  double loss_percent() const {
    double expected = static_cast<double>(packets) + static_cast<double>(std::max<std::int64_t>(lost, 0));
    return expected > 0 ? 100.0 * static_cast<double>(std::max<std::int64_t>(lost, 0)) / expected : 0;
  }
  json to_json() const {
    json out = {{"participants", participants},
                {"tracks_expected", tracks_expected},
                {"tracks_received", tracks_received},
                {"bitrate_bps", std::round(bitrate_bps)},
                {"packets", packets},
                {"lost", std::max<std::int64_t>(lost, 0)},
                {"loss_percent", std::round(loss_percent() * 1000) / 1000},
                {"nacks_sent", nacks},
                {"jitter_ms", jitter_count ? std::round(jitter_ms_sum / jitter_count * 1000) / 1000 : 0.0},
                {"delay_ms", percentiles_json(delays_ms)},
                {"join_to_first_frame_ms", percentiles_json(first_frame_ms)},
                {"join_to_welcome_ms", percentiles_json(welcome_ms)},
                {"join_to_connected_ms", percentiles_json(connected_ms)}};
    return out;
  }
};

Tally tally_participant(const Participant& p, TimePoint end, json& tracks_json) {
  Tally t;
  t.label = p.name;
  t.participants = 1;
  t.tracks_expected = p.tracks_expected;
  if (!p.errors.empty()) t.error = p.errors.front();
  if (p.join_started && p.welcomed_at) t.welcome_ms.push_back(ms(*p.welcomed_at - *p.join_started));
  if (!p.rtc) return t;
  if (p.join_started)
    if (auto at = p.rtc->connected_at()) t.connected_ms.push_back(ms(*at - *p.join_started));
  std::optional<double> first_video, first_audio;
  for (const auto& track : p.rtc->received()) {
    bool video = track.kind == "video";
    bool received = track.packets > 0 && (!video || track.keyframes > 0);
    if (received) ++t.tracks_received;
    double seconds = track.first_packet_at ? std::chrono::duration<double>(end - *track.first_packet_at).count() : 0;
    double bps = seconds > 0 ? static_cast<double>(track.bytes) * 8 / seconds : 0;
    t.bitrate_bps += bps;
    t.packets += track.packets;
    std::int64_t lost = track.statistics ? std::max<std::int64_t>(track.statistics->cumulative_lost(), 0) : 0;
    t.lost += lost;
    t.nacks += track.nacks_sent;
    double jitter_ms = 0;
    if (track.statistics && track.statistics->valid()) {
      jitter_ms = 1000.0 * track.statistics->jitter() / (video ? 90000.0 : 48000.0);
      t.jitter_ms_sum += jitter_ms;
      ++t.jitter_count;
    }
    for (auto d : track.delays_us) t.delays_ms.push_back(d / 1000.0);
    std::optional<double> first;
    if (p.join_started) {
      if (video && track.first_keyframe_at) first = ms(*track.first_keyframe_at - *p.join_started);
      if (!video && track.first_packet_at) first = ms(*track.first_packet_at - *p.join_started);
    }
    if (first) t.first_frame_ms.push_back(*first);
    std::vector<double> delays;
    for (auto d : track.delays_us) delays.push_back(d / 1000.0);
    tracks_json.push_back({{"track", track.track_id},
                           {"kind", track.kind},
                           {"received", received},
                           {"answered_inactive", track.answered_inactive},
                           {"packets", track.packets},
                           {"bytes", track.bytes},
                           {"bitrate_bps", std::round(bps)},
                           {"lost", lost},
                           {"jitter_ms", std::round(jitter_ms * 1000) / 1000},
                           {"nacks_sent", track.nacks_sent},
                           {"plis_sent", track.plis_sent},
                           {"keyframes", track.keyframes},
                           {"join_to_first_frame_ms", first ? json(std::round(*first * 10) / 10) : json(nullptr)},
                           {"delay_ms", percentiles_json(delays)}});
  }
  return t;
}

std::string table_row(const Tally& t) {
  std::vector<double> delays = t.delays_ms, first = t.first_frame_ms;
  std::sort(delays.begin(), delays.end());
  std::sort(first.begin(), first.end());
  return fmt::format("{:<16} {:>9} {:>11} {:>9} {:>15} {:>7} {:>22} {:>15}  {}\n", t.label,
                     fmt::format("{}/{}", t.tracks_received, t.tracks_expected),
                     format_bitrate(t.bitrate_bps), t.packets,
                     fmt::format("{} ({:.2f}%)", std::max<std::int64_t>(t.lost, 0), t.loss_percent()),
                     t.nacks,
                     fmt::format("{}/{}/{}", format_ms(percentile(delays, 50)), format_ms(percentile(delays, 90)),
                                 format_ms(percentile(delays, 99))),
                     fmt::format("{}/{}", format_ms(percentile(first, 50)), format_ms(percentile(first, 90))),
                     t.error.empty() ? "-" : t.error);
}

}  // namespace

ScenarioResult build_report(const ReportInput& input) {
  ScenarioResult result;
  const auto& o = input.options;
  json participants = json::array();
  json publishers = json::array();
  std::vector<Tally> rows;
  std::map<std::string, Tally> groups;
  Tally total;
  total.label = "Total";
  int receivers = 0;
  for (const Participant* p : input.participants)
    if (p->subscribes) ++receivers;
  bool per_participant = receivers <= 16;
  std::uint64_t sent_packets = 0, sent_bytes = 0, transport_feedback = 0, transport_cc_peers = 0;
  int failed = 0;
  for (const Participant* p : input.participants) {
    if (p->failed) ++failed;
    if (p->publisher) {
      json pub = {{"name", p->name}, {"conference", p->conference}, {"video", p->sends_video}};
      if (p->rtc) {
        pub["packets_sent"] = p->rtc->packets_sent();
        pub["payload_bytes_sent"] = p->rtc->bytes_sent();
        pub["retransmissions_sent"] = p->rtc->retransmissions_sent();
        pub["keyframe_requests_received"] = p->rtc->plis_received();
        sent_packets += p->rtc->packets_sent();
        sent_bytes += p->rtc->bytes_sent();
      }
      pub["errors"] = p->errors;
      publishers.push_back(pub);
    }
    if (!p->subscribes) continue;
    json tracks = json::array();
    Tally t = tally_participant(*p, input.end, tracks);
    json entry = t.to_json();
    entry["name"] = p->name;
    entry["conference"] = p->conference;
    entry["role"] = p->publisher ? "publisher" : "subscriber";
    entry["connected"] = p->rtc && p->rtc->connected();
    if (p->rtc) {
      entry["transport_cc"] = p->rtc->transport_cc_id() != 0;
      entry["transport_feedback_sent"] = p->rtc->transport_feedback_sent();
      transport_feedback += p->rtc->transport_feedback_sent();
      if (p->rtc->transport_cc_id()) ++transport_cc_peers;
    }
    entry["errors"] = p->errors;
    entry["tracks"] = tracks;
    participants.push_back(entry);
    total.add(t);
    if (per_participant) {
      rows.push_back(t);
    } else {
      std::string key = fmt::format("{} {}", p->publisher ? "pubs" : "subs", p->room);
      Tally& g = groups[key];
      g.label = fmt::format("{}{} ({})", o.rooms > 1 ? fmt::format("room {} ", p->room) : "",
                            p->publisher ? "publishers" : "subscribers", g.participants + 1);
      g.add(t);
    }
  }
  for (auto& [key, g] : groups) rows.push_back(g);

  std::string table = fmt::format(
      "\nLayout {}: {} room(s) x {} publisher(s) ({} with video), {} subscriber(s); {} s\n\n", to_string(o.layout),
      o.rooms, o.publishers, o.video_publishers < 0 ? (o.layout == Layout::kAudio ? 0 : o.publishers) : o.video_publishers,
      o.subscribers, o.duration_seconds);
  table += fmt::format("{:<16} {:>9} {:>11} {:>9} {:>15} {:>7} {:>22} {:>15}  {}\n", "Tester", "Tracks",
                       "Bitrate", "Packets", "Lost", "NACKs", "Delay p50/p90/p99 ms", "1st frame ms", "Error");
  for (const auto& row : rows) table += table_row(row);
  table += table_row(total);
  total.label = "Total";
  table += fmt::format("\nTracks {}/{} received; publishers sent {} packets ({}); {} participant(s) failed\n",
                       total.tracks_received, total.tracks_expected, sent_packets,
                       fmt::format("{:.1f} MB payload", sent_bytes / 1e6), failed);

  json config = {{"server", fmt::format("{}:{}", o.host, o.port)},
                 {"layout", to_string(o.layout)},
                 {"rooms", o.rooms},
                 {"publishers", o.publishers},
                 {"subscribers", o.subscribers},
                 {"video_publishers", o.video_publishers},
                 {"duration_s", o.duration_seconds},
                 {"join_rate", o.join_rate},
                 {"fps", input.media.fps},
                 {"simulcast", o.simulcast},
                 {"transport_cc", o.transport_cc}};
  json layers = json::array();
  for (const auto& layer : input.media.video) {
    const EncodedVideoFrame& key = layer.frames.front();
    std::size_t delta_bytes = 0, delta_packets = 0;
    for (std::size_t i = 1; i < layer.frames.size(); ++i) {
      delta_bytes += layer.frames[i].frame_bytes;
      delta_packets += layer.frames[i].payloads.size();
    }
    const double deltas = static_cast<double>(std::max<std::size_t>(1, layer.frames.size() - 1));
    layers.push_back({{"rid", layer.spec.rid},
                      {"width", layer.spec.width},
                      {"height", layer.spec.height},
                      {"target_kbps", layer.spec.bitrate_kbps},
                      {"encoded_kbps", std::round(layer.average_kbps)},
                      {"loop_frames", layer.frames.size()},
                      {"keyframe_bytes", key.frame_bytes},
                      {"keyframe_packets", key.payloads.size()},
                      {"delta_frame_bytes_mean", std::round(static_cast<double>(delta_bytes) / deltas)},
                      {"delta_frame_packets_mean", std::round(static_cast<double>(delta_packets) / deltas * 10) / 10}});
  }
  config["video_layers"] = layers;
  result.json = {{"config", config},
                 {"totals", total.to_json()},
                 {"failed_participants", failed},
                 {"publishers", publishers},
                 {"receivers", participants}};
  result.json["totals"]["publisher_packets_sent"] = sent_packets;
  // Receivers whose server agreed on transport-wide-cc, and the feedback they sent.
  result.json["totals"]["transport_cc_receivers"] = transport_cc_peers;
  result.json["totals"]["transport_feedback_sent"] = transport_feedback;
  result.table = table;
  result.all_tracks_received = failed == 0 && total.tracks_received == total.tracks_expected;
  return result;
}

}  // namespace podium::loadtest
