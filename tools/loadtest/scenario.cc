#include "tools/loadtest/scenario.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "api/auth.h"
#include "dtls/certificate.h"
#include "net/event_loop.h"
#include "tools/loadtest/report.h"
#include "tools/loadtest/rtc_client.h"
#include "tools/loadtest/signaling_client.h"
#include "util/log.h"

namespace podium::loadtest {

using nlohmann::json;

const char* to_string(Layout layout) {
  switch (layout) {
    case Layout::kConference: return "conference";
    case Layout::kWebinar: return "webinar";
    case Layout::kAudio: return "audio";
  }
  return "?";
}

namespace {

// CPU time (utime + stime, µs; user_us the utime part) and resident memory (bytes) of a
// process, from /proc.
struct ProcessSample {
  bool valid = false;
  double cpu_us = 0;
  double user_us = 0;
  double rss_bytes = 0;
};

ProcessSample sample_process(int pid) {
  ProcessSample sample;
  if (pid <= 0) return sample;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name in parentheses (which may hold spaces): state is 3,
  // utime 14, stime 15, rss 24 (pages).
  auto close = text.rfind(')');
  if (close == std::string::npos) return sample;
  std::vector<std::string> fields;
  std::size_t at = close + 2;
  while (at < text.size()) {
    auto space = text.find(' ', at);
    if (space == std::string::npos) space = text.size();
    fields.push_back(text.substr(at, space - at));
    at = space + 1;
  }
  if (fields.size() < 22) return sample;
  try {
    double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    sample.user_us = std::stod(fields[11]) * 1e6 / ticks;
    sample.cpu_us = sample.user_us + std::stod(fields[12]) * 1e6 / ticks;
    sample.rss_bytes = std::stod(fields[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
    sample.valid = true;
  } catch (const std::exception&) {
  }
  return sample;
}

// What every receiver got so far, and the server's CPU and memory at that moment.
struct WindowSample {
  TimePoint at{};
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::int64_t lost = 0;
  std::uint64_t packets_sent = 0;
  ProcessSample server;
  ProcessSample client;  // this process
};

// The samples of one labelled metric in a /metrics text: `prefix` is the name and the
// label up to its value's opening quote (`name{label="`); calls fn(label value, sample)
// for each line. False if a sample does not parse.
template <typename Fn>
bool for_each_sample(const std::string& text, const std::string& prefix, Fn fn) {
  std::size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    at += prefix.size();
    std::size_t quote = text.find('"', at);
    std::size_t space = text.find(' ', quote);
    if (quote == std::string::npos || space == std::string::npos) break;
    std::size_t end = text.find('\n', space);
    try {
      fn(text.substr(at, quote - at), std::stod(text.substr(space + 1, end - space - 1)));
    } catch (const std::exception&) {
      return false;
    }
  }
  return true;
}

// Podium's podium_forwarding_delay_seconds histogram from a /metrics text: cumulative
// counts by upper bound (seconds; +Inf as infinity). Empty when absent (Janus, old builds).
std::vector<std::pair<double, double>> parse_delay_histogram(const std::string& text) {
  std::vector<std::pair<double, double>> buckets;
  bool parsed = for_each_sample(text, "podium_forwarding_delay_seconds_bucket{le=\"",
                                [&](const std::string& le, double count) {
                                  double bound = le == "+Inf" ? std::numeric_limits<double>::infinity()
                                                              : std::stod(le);
                                  buckets.emplace_back(bound, count);
                                });
  return parsed ? buckets : decltype(buckets){};
}

// One unlabelled sample (a counter or gauge) from a /metrics text; nullopt when absent.
std::optional<double> parse_metric(const std::string& text, const std::string& name) {
  const std::string line_start = name + " ";
  std::size_t at = 0;
  while ((at = text.find(line_start, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      try {
        return std::stod(text.substr(at + line_start.size()));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
    at += line_start.size();
  }
  return std::nullopt;
}

// What `command` prints (sh -c), or an empty string when it cannot run.
std::string command_output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  if (int status = pclose(pipe); status != 0)
    log::warn("loadtest", "--window-command exited with status {}", status);
  return out;
}

// Podium's podium_packets_dropped_total by reason from a /metrics text.
std::map<std::string, double> parse_drops(const std::string& text) {
  std::map<std::string, double> drops;
  bool parsed = for_each_sample(text, "podium_packets_dropped_total{reason=\"",
                                [&](const std::string& reason, double count) { drops[reason] = count; });
  return parsed ? drops : decltype(drops){};
}

// What the server dropped during the window, by reason (the reasons with any).
json drops_json(const std::string& before, const std::string& after) {
  if (after.empty()) return nullptr;
  auto a = parse_drops(before);
  json out = json::object();
  for (auto& [reason, count] : parse_drops(after))
    if (count - a[reason] > 0) out[reason] = count - a[reason];
  return out;
}

// The server's own forwarding delay over the window: the difference of two scrapes,
// percentiles interpolated linearly inside a bucket (the +Inf bucket reports its lower
// bound).
json delay_histogram_json(const std::string& before, const std::string& after) {
  auto a = parse_delay_histogram(before);
  auto b = parse_delay_histogram(after);
  if (b.empty() || a.size() != b.size()) return nullptr;
  std::vector<double> counts;
  for (std::size_t i = 0; i < b.size(); ++i) counts.push_back(b[i].second - a[i].second);
  double total = counts.back();
  if (total <= 0) return nullptr;
  auto percentile = [&](double q) {
    double rank = q / 100 * total;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] < rank) continue;
      double lower = i == 0 ? 0.0 : b[i - 1].first;
      if (std::isinf(b[i].first)) return lower * 1000;
      double below = i == 0 ? 0.0 : counts[i - 1];
      double share = counts[i] > below ? (rank - below) / (counts[i] - below) : 1.0;
      return (lower + (b[i].first - lower) * share) * 1000;
    }
    return b.back().first * 1000;
  };
  auto round3 = [](double v) { return std::round(v * 1000) / 1000; };
  return json{{"packets", total}, {"p50", round3(percentile(50))}, {"p90", round3(percentile(90))},
              {"p99", round3(percentile(99))}, {"p999", round3(percentile(99.9))}};
}

class Run {
 public:
  Run(const ScenarioOptions& options, const MediaLibrary& media, const dtls::Certificate& certificate)
      : options_(options), media_(media), certificate_(certificate) {}

  ScenarioResult run() {
    plan();
    TimePoint start = loop_.now();
    Duration spacing{static_cast<std::int64_t>(1e6 / std::max(0.001, options_.join_rate))};
    for (std::size_t i = 0; i < participants_.size(); ++i) {
      Participant* p = participants_[i].get();
      loop_.add_timer(spacing * static_cast<std::int64_t>(i), [this, p] { join(*p); });
    }
    Duration join_phase = spacing * static_cast<std::int64_t>(participants_.size());
    Duration steady{static_cast<std::int64_t>(options_.duration_seconds * 1e6)};
    start_media_clocks();
    loop_.add_periodic(std::chrono::milliseconds(10), [this] {
      TimePoint now = loop_.now();
      for (auto& p : participants_) tick(*p, now);
    });
    loop_.on_iteration_end([this] {
      for (auto& p : participants_)
        if (p->rtc) p->rtc->flush();
    });
    Duration warmup{static_cast<std::int64_t>(options_.warmup_seconds * 1e6)};
    before_joins_ = sample_process(options_.server_pid);
    if (options_.warmup_seconds > 0 && warmup < steady) {
      loop_.add_timer(join_phase + warmup, [this, length = steady - warmup] {
        open_window(loop_.now(), loop_.now() + connect_timeout(), length);
      });
    } else {
      loop_.add_timer(join_phase + steady, [this] { finish(); });
    }
    loop_.set_poll_interval(options_.poll_interval);
    loop_.run();
    TimePoint end = loop_.now();
    log::info("loadtest", "ran {:.1f} s", std::chrono::duration<double>(end - start).count());
    return report(end);
  }

 private:
  void plan() {
    std::string prefix = options_.conference_prefix;
    int video_publishers = options_.video_publishers;
    if (video_publishers < 0) video_publishers = options_.layout == Layout::kAudio ? 0 : options_.publishers;
    if (options_.layout == Layout::kAudio) video_publishers = 0;
    video_publishers = std::min(video_publishers, options_.publishers);
    for (int room = 0; room < options_.rooms; ++room) {
      std::string conference = fmt::format("{}-{}", prefix, room);
      for (int i = 0; i < options_.publishers; ++i) {
        auto p = std::make_unique<Participant>();
        p->conference = conference;
        p->room = room;
        p->name = fmt::format("pub-{}-{}", room, i);
        p->publisher = true;
        p->sends_video = i < video_publishers;
        p->subscribes = options_.layout != Layout::kWebinar;
        participants_.push_back(std::move(p));
      }
    }
    // Publishers first, so subscribers find the tracks in their welcome.
    for (int room = 0; room < options_.rooms; ++room) {
      for (int i = 0; i < options_.subscribers; ++i) {
        auto p = std::make_unique<Participant>();
        p->conference = fmt::format("{}-{}", prefix, room);
        p->room = room;
        p->name = fmt::format("sub-{}-{}", room, i);
        p->subscribes = true;
        participants_.push_back(std::move(p));
      }
    }
    if (options_.target == Target::kJanus) {
      // Janus receives on a subscriber handle of its own: a receiving publisher becomes a
      // publisher plus a receiver that skips the publisher's own feed.
      std::vector<std::unique_ptr<Participant>> receivers;
      for (auto& p : participants_) {
        if (!p->publisher || !p->subscribes) continue;
        p->subscribes = false;
        auto r = std::make_unique<Participant>();
        r->conference = p->conference;
        r->room = p->room;
        r->name = p->name + "-recv";
        r->subscribes = true;
        r->receives_for = p.get();
        receivers.push_back(std::move(r));
      }
      auto first_subscriber = std::find_if(participants_.begin(), participants_.end(),
                                           [](const auto& p) { return !p->publisher; });
      participants_.insert(first_subscriber, std::make_move_iterator(receivers.begin()),
                           std::make_move_iterator(receivers.end()));
    }
    for (auto& p : participants_) {
      if (!p->subscribes) continue;
      for (auto& other : participants_) {
        if (other->room != p->room || !other->publisher || other.get() == p.get() ||
            other.get() == p->receives_for)
          continue;
        p->tracks_expected += 1 + (other->sends_video ? 1 : 0);
      }
    }
  }

  // Every publisher's audio and video run on clocks of their own. With spread phases
  // (the default) publisher i starts them at fraction frac(i * golden ratio) of the frame
  // interval, so the frames of a room's publishers arrive spread over the interval, as
  // from independent capture devices; with aligned phases every publisher sends at the
  // same instant, the worst burst a server can get.
  void start_media_clocks() {
    const Duration audio_interval = std::chrono::milliseconds(20);
    const Duration video_interval{1'000'000 / std::max(1, media_.fps)};
    std::size_t index = 0;
    for (auto& owned : participants_) {
      Participant* p = owned.get();
      if (!p->publisher) continue;
      const double phase = options_.aligned_phases ? 0.0 : std::fmod(static_cast<double>(index++) * 0.6180339887, 1.0);
      auto start_clock = [this, phase](Duration interval, std::function<void()> send) {
        Duration offset{static_cast<std::int64_t>(phase * static_cast<double>(interval.count()))};
        loop_.add_periodic(interval, offset, std::move(send));
      };
      start_clock(audio_interval, [this, p] {
        if (p->rtc) p->rtc->send_audio_frame(loop_.now());
      });
      if (!p->sends_video) continue;
      start_clock(video_interval, [this, p] {
        if (p->rtc) p->rtc->send_video_frame(loop_.now());
      });
      if (options_.pacing_factor > 0)
        start_clock(std::chrono::milliseconds(5), [this, p] {
          if (p->rtc) p->rtc->pace(loop_.now());
        });
    }
  }

  void join(Participant& p) {
    p.join_started = loop_.now();
    if (options_.target == Target::kJanus) return janus_join(p);
    std::string token;
    try {
      token = api::issue_access_token(options_.key, p.conference, p.name,
                                      p.publisher ? api::Role::kSpeaker : api::Role::kAttendee,
                                      std::chrono::hours(2));
    } catch (const std::exception& e) {
      return fail(p, std::string("token: ") + e.what());
    }
    Participant* self = &p;
    WebSocketClient::Callbacks callbacks;
    callbacks.on_open = [this, self] {
      loop_.post([self] { self->ws->send(R"({"type":"join","version":1,"batch":true})"); });
    };
    callbacks.on_message = [this, self](std::string text) {
      loop_.post([this, self, text = std::move(text)] { on_message(*self, text); });
    };
    callbacks.on_close = [this, self](std::string reason) {
      loop_.post([this, self, reason = std::move(reason)] {
        if (!finishing_ && !self->left) fail(*self, "signaling closed: " + reason);
      });
    };
    p.ws = WebSocketClient::connect(signaling_, options_.host, options_.port, "/rtc?token=" + token,
                                    std::move(callbacks));
  }

  void on_message(Participant& p, const std::string& text) {
    auto message = json::parse(text, nullptr, false);
    if (message.is_object()) handle(p, message);
  }

  void handle(Participant& p, const json& message) {
    std::string type = message.value("type", "");
    if (type == "batch") {  // news of others arriving and leaving, grouped (we join with batch)
      if (message.contains("messages") && message["messages"].is_array())
        for (const auto& inner : message["messages"])
          if (inner.is_object()) handle(p, inner);
    } else if (type == "welcome") {
      p.welcomed_at = loop_.now();
      p.self_id = message["participant"].value("id", "");
      RtcClient::Options rtc_options;
      rtc_options.local_address = options_.local_address;
      rtc_options.simulcast = options_.simulcast;
      rtc_options.remb_bps = options_.remb_bps;
      rtc_options.pacing_factor = options_.pacing_factor;
      rtc_options.transport_cc = options_.transport_cc;
      try {
        p.rtc = std::make_unique<RtcClient>(loop_, certificate_, media_, rtc_options);
      } catch (const std::exception& e) {
        return fail(p, e.what());
      }
      if (p.publisher) {
        p.rtc->add_send_section("audio");
        if (p.sends_video) p.rtc->add_send_section("video");
      }
      if (message.contains("tracks") && message["tracks"].is_array())
        for (const auto& track : message["tracks"]) consider_track(p, track);
      negotiate(p);
    } else if (type == "answer") {
      on_answer(p, message);
    } else if (type == "track-published") {
      if (message.contains("track")) consider_track(p, message["track"]);
      if (!p.offer_pending && p.rtc) negotiate(p);
    } else if (type == "error") {
      std::string error = fmt::format("{}: {}", message.value("code", ""), message.value("message", ""));
      p.offer_pending = false;
      p.errors.push_back(error);
      log::warn("loadtest", "{}: server error {}", p.name, error);
    }
  }

  void consider_track(Participant& p, const json& track) {
    if (!p.subscribes || !track.is_object()) return;
    std::string id = track.value("id", "");
    std::string owner = track.value("participant", "");
    std::string kind = track.value("kind", "");
    if (id.empty() || owner == p.self_id || (kind != "audio" && kind != "video")) return;
    if (!p.known_tracks.insert(id).second) return;
    p.pending.emplace_back(id, kind);
  }

  void negotiate(Participant& p) {
    if (p.offer_pending || !p.rtc) return;
    bool first = !p.offered;
    for (auto& [id, kind] : p.pending) {
      std::string mid = p.rtc->add_receive_section(kind, id);
      p.subscriptions[mid] = id;
      p.new_video_mids.push_back(kind == "video" ? mid : "");
    }
    if (!first && p.pending.empty()) return;
    // Nothing to send and nothing published yet: wait for track-published.
    if (first && p.pending.empty() && !p.publisher) return;
    p.pending.clear();
    json offer = {{"type", "offer"}, {"sdp", p.rtc->make_offer()}};
    if (!p.subscriptions.empty()) offer["subscriptions"] = p.subscriptions;
    p.offer_pending = true;
    p.offered = true;
    p.ws->send(offer.dump());
  }

  void on_answer(Participant& p, const json& message) {
    p.offer_pending = false;
    if (!p.rtc) return;
    std::string error = p.rtc->apply_answer(message.value("sdp", ""));
    if (!error.empty()) return fail(p, error);
    if (message.contains("published") && message["published"].is_array()) {
      for (const auto& track : message["published"]) {
        std::string id = track.value("id", "");
        p.rtc->set_published_track(track.value("mid", ""), &send_times(id));
      }
      p.rtc->start_sending();
    }
    for (auto& track : p.rtc->received()) track.send_times = &send_times(track.track_id);
    for (const auto& mid : p.new_video_mids) {
      if (mid.empty()) continue;
      p.ws->send(json{{"type", "video-size"}, {"mid", mid}, {"height", options_.video_height}}.dump());
    }
    p.new_video_mids.clear();
    if (!p.pending.empty()) negotiate(p);
  }

  // ---- Janus VideoRoom over its HTTP API -------------------------------------------

  void janus_post(const std::string& path, json body, std::function<void(json)> done) {
    body["transaction"] = fmt::format("t{}", ++transaction_);
    http_request(signaling_, "POST", options_.host, options_.port, options_.janus_path + path, body.dump(),
                 [this, done = std::move(done)](int status, std::string text) {
                   loop_.post([status, text = std::move(text), done] {
                     json reply = status == 200 ? json::parse(text, nullptr, false) : json();
                     if (!reply.is_object()) reply = json{{"janus", "error"}, {"error", {{"reason", text}}}};
                     done(std::move(reply));
                   });
                 });
  }

  static std::string janus_error(const json& reply) {
    if (reply.value("janus", "") == "error") return "janus: " + reply["error"].value("reason", "error");
    const json& data = reply.contains("plugindata") ? reply["plugindata"]["data"] : json();
    if (data.is_object() && data.contains("error")) return "videoroom: " + data.value("error", "");
    return {};
  }

  static int janus_error_code(const json& event) {
    const json& data = event.contains("plugindata") ? event["plugindata"]["data"] : json();
    return data.is_object() ? data.value("error_code", 0) : 0;
  }

  void janus_join(Participant& p) {
    Participant* self = &p;
    janus_post("", {{"janus", "create"}}, [this, self](json reply) {
      if (auto error = janus_error(reply); !error.empty()) return fail(*self, error);
      self->janus_session = reply["data"].value("id", std::uint64_t{0});
      janus_poll(*self);
      janus_post(fmt::format("/{}", self->janus_session), {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}},
                 [this, self](json reply) {
                   if (auto error = janus_error(reply); !error.empty()) return fail(*self, error);
                   self->janus_handle = reply["data"].value("id", std::uint64_t{0});
                   if (self->publisher) return janus_publish(*self);
                   self->janus_waiting = true;
                   janus_subscribe_ready();
                 });
    });
  }

  std::string janus_handle_path(const Participant& p) const {
    return fmt::format("/{}/{}", p.janus_session, p.janus_handle);
  }

  std::uint64_t janus_room(const Participant& p) const { return options_.janus_room_base + p.room; }

  // Long poll (Janus HTTP transport): events for every handle of the session.
  void janus_poll(Participant& p) {
    Participant* self = &p;
    http_request(signaling_, "GET", options_.host, options_.port,
                 fmt::format("{}/{}?maxev=10", options_.janus_path, p.janus_session), "",
                 [this, self](int status, std::string text) {
                   loop_.post([this, self, status, text = std::move(text)] {
                     if (finishing_ || self->failed) return;
                     json events = status == 200 ? json::parse(text, nullptr, false) : json();
                     if (events.is_object()) events = json::array({events});
                     if (!events.is_array()) return fail(*self, fmt::format("janus long poll: {} {}", status, text));
                     for (const auto& event : events) janus_event(*self, event);
                     janus_poll(*self);
                   });
                 });
  }

  void janus_publish(Participant& p) {
    Participant* self = &p;
    // Rooms are made on first use; "already exists" (427) is fine.
    json create = {{"request", "create"}, {"room", janus_room(p)}, {"publishers", options_.publishers + 1},
                   {"bitrate", 0}, {"audiocodec", "opus"}, {"videocodec", "vp8"}, {"notify_joining", false}};
    janus_post(janus_handle_path(p), {{"janus", "message"}, {"body", create}}, [this, self](json) {
      if (!make_rtc(*self)) return;
      self->rtc->add_send_section("audio");
      if (self->sends_video) self->rtc->add_send_section("video");
      json body = {{"request", "joinandconfigure"}, {"room", janus_room(*self)}, {"ptype", "publisher"},
                   {"display", self->name}};
      json jsep = {{"type", "offer"}, {"sdp", self->rtc->make_offer()}};
      janus_post(janus_handle_path(*self), {{"janus", "message"}, {"body", body}, {"jsep", jsep}},
                 [this, self](json reply) {
                   if (auto error = janus_error(reply); !error.empty()) fail(*self, error);
                 });
    });
  }

  bool make_rtc(Participant& p) {
    RtcClient::Options rtc_options;
    rtc_options.local_address = options_.local_address;
    rtc_options.simulcast = options_.simulcast;
    rtc_options.remb_bps = options_.remb_bps;
    rtc_options.pacing_factor = options_.pacing_factor;
    rtc_options.transport_cc = options_.transport_cc;
    try {
      p.rtc = std::make_unique<RtcClient>(loop_, certificate_, media_, rtc_options);
    } catch (const std::exception& e) {
      fail(p, e.what());
      return false;
    }
    return true;
  }

  void janus_event(Participant& p, const json& event) {
    std::string kind = event.value("janus", "");
    log::debug("loadtest", "{}: janus {}", p.name, event.dump().substr(0, 300));
    if (kind != "event") {
      if (kind == "hangup") fail(p, "janus hung up: " + event.value("reason", ""));
      return;
    }
    // The VideoRoom knows a feed a moment after the publisher's side of the connection
    // is up: a subscriber that asked too early (428, no such feed) asks again shortly.
    if (!p.publisher && p.janus_subscribed && !p.rtc && janus_error_code(event) == 428 &&
        p.janus_retries < 50) {
      ++p.janus_retries;
      p.janus_subscribed = false;
      Participant* self = &p;
      loop_.add_timer(std::chrono::milliseconds(100), [this, self] {
        self->janus_waiting = true;
        janus_subscribe_ready();
      });
      return;
    }
    if (auto error = janus_error(event); !error.empty()) return fail(p, error);
    const json& data = event["plugindata"]["data"];
    std::string what = data.value("videoroom", "");
    const json jsep = event.contains("jsep") ? event["jsep"] : json();
    if (what == "joined" && p.publisher && jsep.is_object()) {
      p.janus_feed = data.value("id", std::uint64_t{0});
      std::string error = p.rtc->apply_answer(jsep.value("sdp", ""));
      if (!error.empty()) return fail(p, error);
      for (const char* k : {"audio", "video"}) {
        std::string mid = std::string(k) == "audio" ? "0" : "1";
        p.rtc->set_published_track(mid, &send_times(fmt::format("janus-{}-{}", p.janus_feed, k)));
      }
      p.rtc->start_sending();
      janus_subscribe_ready();
    } else if (what == "attached" && jsep.is_object()) {
      std::map<std::string, std::string> tracks;
      if (data.contains("streams") && data["streams"].is_array())
        for (const auto& stream : data["streams"])
          tracks[stream.value("mid", "")] =
              fmt::format("janus-{}-{}", stream.value("feed_id", std::uint64_t{0}), stream.value("type", ""));
      if (!make_rtc(p)) return;
      std::string answer;
      std::string error = p.rtc->apply_offer(jsep.value("sdp", ""), tracks, answer);
      if (!error.empty()) return fail(p, error);
      for (auto& track : p.rtc->received()) track.send_times = &send_times(track.track_id);
      Participant* self = &p;
      janus_post(janus_handle_path(p),
                 {{"janus", "message"}, {"body", {{"request", "start"}}}, {"jsep", {{"type", "answer"}, {"sdp", answer}}}},
                 [this, self](json reply) {
                   if (auto error = janus_error(reply); !error.empty()) fail(*self, error);
                 });
    }
  }

  // Subscribers join once every publisher of their room has a feed (the tool knows them
  // all, so it needs no discovery), with one stream per publisher feed.
  void janus_subscribe_ready() {
    for (auto& p : participants_) {
      if (!p->janus_waiting) continue;
      std::vector<std::uint64_t> feeds;
      bool all = true;
      for (auto& other : participants_) {
        if (!other->publisher || other->room != p->room || other.get() == p->receives_for) continue;
        // Janus knows a feed once its publisher's PeerConnection is up.
        bool up = other->janus_feed != 0 && other->rtc && other->rtc->connected();
        if (!up) all = other->failed ? all : false;
        else feeds.push_back(other->janus_feed);
      }
      if (!all) continue;
      p->janus_waiting = false;
      if (feeds.empty()) {
        fail(*p, "no publisher feed to subscribe to");
        continue;
      }
      json streams = json::array();
      for (auto feed : feeds) streams.push_back({{"feed", feed}});
      json body = {{"request", "join"}, {"room", janus_room(*p)}, {"ptype", "subscriber"}, {"streams", streams}};
      Participant* self = p.get();
      janus_post(janus_handle_path(*p), {{"janus", "message"}, {"body", body}}, [this, self](json reply) {
        if (auto error = janus_error(reply); !error.empty()) fail(*self, error);
      });
      p->janus_subscribed = true;
    }
  }

  void janus_leave(Participant& p) {
    if (!p.janus_session) return;
    janus_post(fmt::format("/{}", p.janus_session), {{"janus", "destroy"}}, [](json) {});
  }

  SendTimes& send_times(const std::string& track_id) {
    auto& slot = send_times_[track_id];
    if (!slot) slot = std::make_unique<SendTimes>();
    return *slot;
  }

  void tick(Participant& p, TimePoint now) {
    if (!p.rtc) {
      if (p.join_started && !p.failed && !p.janus_waiting && now - *p.join_started > connect_timeout())
        fail(p, "no welcome from the server");
      return;
    }
    p.rtc->tick(now);
    if (p.publisher && options_.target == Target::kJanus && p.rtc->connected() && !p.janus_announced) {
      p.janus_announced = true;
      janus_subscribe_ready();
    }
    if (p.rtc->failed()) return fail(p, p.rtc->failure());
    if (!p.rtc->connected() && !p.failed && now - *p.join_started > connect_timeout())
      fail(p, "media did not connect");
  }

  Duration connect_timeout() const {
    return Duration{static_cast<std::int64_t>(options_.connect_timeout_seconds * 1e6)};
  }

  void fail(Participant& p, std::string reason) {
    if (p.failed) return;
    p.failed = true;
    p.errors.push_back(reason);
    log::warn("loadtest", "{}: {}", p.name, reason);
  }

  WindowSample sample_window() {
    WindowSample w;
    w.at = loop_.now();
    for (auto& p : participants_) {
      if (!p->rtc) continue;
      w.packets_sent += p->rtc->packets_sent();
      for (const auto& track : p->rtc->received()) {
        w.packets += track.packets;
        w.bytes += track.bytes;
        if (track.statistics) w.lost += std::max<std::int64_t>(track.statistics->cumulative_lost(), 0);
      }
    }
    w.server = sample_process(options_.server_pid);
    w.client = sample_process(static_cast<int>(getpid()));
    return w;
  }

  // The window opens `--warmup` after the last participant started joining, or later: once
  // every participant has connected or failed, and a second after the last connection
  // (its first keyframe), so that no handshake of a slow join storm falls inside it. It
  // then lasts `--duration` minus `--warmup`, and the run ends with it.
  void open_window(TimePoint due, TimePoint give_up_at, Duration length) {
    TimePoint now = loop_.now();
    std::size_t waiting = 0;
    TimePoint last_connection = due;
    for (auto& p : participants_) {
      if (p->failed || (p->rtc && p->rtc->failed())) continue;
      if (!p->rtc || !p->rtc->connected()) {
        ++waiting;
      } else if (auto at = p->rtc->connected_at(); at && *at > last_connection) {
        last_connection = *at;
      }
    }
    const TimePoint settled = last_connection + std::chrono::seconds(1);
    if ((waiting > 0 || now < settled) && now < give_up_at) {
      loop_.add_timer(std::chrono::milliseconds(100), [this, due, give_up_at, length] {
        open_window(due, give_up_at, length);
      });
      return;
    }
    if (waiting > 0)
      log::warn("loadtest", "the window opens with {} participant(s) still connecting", waiting);
    else if (now - due > std::chrono::milliseconds(150))
      log::info("loadtest", "the window opens {:.1f} s late, a second after the last participant connected",
                std::chrono::duration<double>(now - due).count());
    window_start_ = sample_window();
    if (!options_.window_command.empty()) command_at_start_ = command_output(options_.window_command);
    scrape_metrics(metrics_at_start_);
    loop_.add_timer(length, [this] {
      window_end_ = sample_window();
      if (!options_.window_command.empty()) command_at_end_ = command_output(options_.window_command);
      // The participants leave once the server has answered: a scrape that raced the
      // leaves would count the packets of closing sessions as the window's drops.
      if (options_.target != Target::kPodium) return finish();
      scrape_metrics(metrics_at_end_, [this] { finish(); });
      loop_.add_timer(std::chrono::seconds(3), [this] {
        if (finishing_) return;
        log::warn("loadtest", "the server's /metrics did not answer at the window's end");
        finish();
      });
    });
  }

  // Podium's /metrics at a window edge, for its own forwarding delay histogram and drop
  // counters. The answer arrives on the signaling thread and lands in `into` on the
  // loop, then `then` runs there (also when the request failed).
  void scrape_metrics(std::string& into, std::function<void()> then = {}) {
    if (options_.target != Target::kPodium) return;
    std::string* target = &into;
    http_request(signaling_, "GET", options_.host, options_.port, "/metrics", "",
                 [this, target, then = std::move(then)](int status, std::string text) mutable {
                   loop_.post([target, status, text = std::move(text), then = std::move(then)]() mutable {
                     if (status == 200) *target = std::move(text);
                     if (then) then();
                   });
                 });
  }

  // The measuring window's numbers (docs/loadtest.md "Measuring window").
  json window_json() const {
    if (!window_start_ || !window_end_) return nullptr;
    const WindowSample& a = *window_start_;
    const WindowSample& b = *window_end_;
    double seconds = std::chrono::duration<double>(b.at - a.at).count();
    double packets = static_cast<double>(b.packets - a.packets);
    double lost = static_cast<double>(std::max<std::int64_t>(b.lost - a.lost, 0));
    json out = {{"seconds", std::round(seconds * 1000) / 1000},
                {"packets_received", b.packets - a.packets},
                {"bytes_received", b.bytes - a.bytes},
                {"lost", lost},
                {"loss_percent", packets + lost > 0 ? std::round(1e5 * lost / (packets + lost)) / 1000 : 0.0},
                {"packets_sent", b.packets_sent - a.packets_sent},
                {"received_packets_per_second", seconds > 0 ? std::round(packets / seconds) : 0.0}};
    if (auto delay = delay_histogram_json(metrics_at_start_, metrics_at_end_); !delay.is_null())
      out["server_forwarding_delay_ms"] = delay;
    if (auto drops = drops_json(metrics_at_start_, metrics_at_end_); !drops.is_null())
      out["server_drops"] = drops;
    // Podium: the RTP packets it sent in the window (every copy; with the tool's own
    // count of what arrived, what the server sent that got lost on the way).
    auto sent_before = parse_metric(metrics_at_start_, "podium_rtp_packets_sent_total");
    auto sent_after = parse_metric(metrics_at_end_, "podium_rtp_packets_sent_total");
    if (sent_before && sent_after) out["server_rtp_packets_sent"] = *sent_after - *sent_before;
    if (!options_.window_command.empty())
      out["command_output"] = {{"start", command_at_start_}, {"end", command_at_end_}};
    if (a.client.valid && b.client.valid && seconds > 0)
      out["client_cpu_share"] = (b.client.cpu_us - a.client.cpu_us) / 1e6 / seconds;
    if (options_.server_pid > 0 && a.server.valid && b.server.valid) {
      double cpu_us = b.server.cpu_us - a.server.cpu_us;
      // User time alone: the server's own code, without the kernel's socket work (which
      // over loopback also carries the receivers' side) and with less of its noise.
      double user_us = b.server.user_us - a.server.user_us;
      json server = {{"pid", options_.server_pid},
                     {"cpu_seconds", cpu_us / 1e6},
                     {"cpu_share", seconds > 0 ? cpu_us / 1e6 / seconds : 0.0},
                     {"cpu_us_per_received_packet", packets > 0 ? cpu_us / packets : 0.0},
                     {"user_cpu_seconds", user_us / 1e6},
                     {"user_us_per_received_packet", packets > 0 ? user_us / packets : 0.0},
                     {"rss_bytes_before_joins", before_joins_.valid ? before_joins_.rss_bytes : 0.0},
                     {"rss_bytes_window_start", a.server.rss_bytes},
                     {"rss_bytes_window_end", b.server.rss_bytes}};
      out["server"] = server;
    }
    return out;
  }

  void finish() {
    if (finishing_) return;
    finishing_ = true;
    for (auto& p : participants_) {
      if (p->rtc) p->rtc->stop_sending();
      if (options_.target == Target::kJanus) janus_leave(*p);
      if (p->ws) {
        p->left = true;
        p->ws->send(R"({"type":"leave"})");
        p->ws->close();
      }
    }
    // Let the leave messages go out before the loop ends.
    loop_.add_timer(std::chrono::milliseconds(300), [this] { loop_.stop(); });
  }

  ScenarioResult report(TimePoint end) {
    std::vector<const Participant*> list;
    for (auto& p : participants_) list.push_back(p.get());
    ReportInput input{options_, media_, list, end};
    auto result = build_report(input);
    result.json["window"] = window_json();
    signaling_.stop();
    return result;
  }

  const ScenarioOptions& options_;
  const MediaLibrary& media_;
  const dtls::Certificate& certificate_;
  net::EventLoop loop_;
  SignalingThread signaling_;
  std::vector<std::unique_ptr<Participant>> participants_;
  std::map<std::string, std::unique_ptr<SendTimes>> send_times_;
  bool finishing_ = false;
  std::uint64_t transaction_ = 0;
  ProcessSample before_joins_;
  std::optional<WindowSample> window_start_, window_end_;
  std::string metrics_at_start_, metrics_at_end_;  // Podium's /metrics at the window's edges
  std::string command_at_start_, command_at_end_;  // --window-command's output at the edges
};

}  // namespace

ScenarioResult run_scenario(const ScenarioOptions& options, const MediaLibrary& media) {
  auto certificate = dtls::Certificate::generate();
  if (!certificate) {
    ScenarioResult result;
    result.table = "cannot create a DTLS certificate: " + certificate.error();
    return result;
  }
  Run run(options, media, *certificate);
  return run.run();
}

}  // namespace podium::loadtest
