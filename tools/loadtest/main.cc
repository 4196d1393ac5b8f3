// podium-loadtest: many WebRTC participants from one process, against a Podium server.
// See docs/loadtest.md.
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "srtp/srtp_session.h"
#include "tools/loadtest/media_library.h"
#include "tools/loadtest/scenario.h"
#include "util/bytes.h"
#include "util/log.h"

namespace podium::loadtest {
namespace {

constexpr const char* kUsage = R"(usage: podium-loadtest [options]
  --server URL            the server's HTTP address (Podium: http://127.0.0.1:8080,
                          Janus: http://127.0.0.1:8088, API at /janus)
  --target T              podium | janus (a Janus VideoRoom over its HTTP API) (podium)
  --janus-room ID         Janus room of the first conference; room i is ID + i (4200)
  --data-dir DIR          read the server's token key from DIR/server.key (./data)
  --key FILE              or from this file (64 hex digits, as in server.key)
  --layout L              conference | webinar | audio (webinar)
  --publishers N          publishers per room (1)
  --subscribers M         subscribers per room (0)
  --video-publishers K    publishers that also send video (all; 0 in the audio layout)
  --rooms R               conferences, each with N publishers and M subscribers (1)
  --duration S            seconds of media after the last participant started joining (10)
  --join-rate J           participants starting to join per second (50)
  --conference PREFIX     conference names PREFIX-0, PREFIX-1, ... (random)
  --layers 1|2|3          simulcast layers: 1280x720, 640x360, 320x180 (3)
  --video-bitrate KBPS    bitrate of the top layer (1500); lower layers scale down
  --fps F                 video frame rate (30)
  --audio-bitrate BPS     Opus bitrate (32000)
  --video-height H        the height subscribers say they show video at (720)
  --connect-timeout S     a participant not connected by then counts as failed (10)
  --local-address IP      the address the clients' UDP sockets bind to (127.0.0.1)
  --phases P              spread | aligned: publishers' frame clocks each at a phase
                          of its own, or all sending at the same instant (spread)
  --pacing F              video leaves through a pacer at F times its bitrate in 5 ms
                          steps, as libwebrtc's does (2.5 there); 0: each frame's
                          packets at once (0)
  --transport-cc on|off   offer transport-wide-cc and abs-send-time as browsers do;
                          where agreed, number every packet, send transport-cc
                          feedback every 100 ms and no REMB (on)
  --keyframe-interval S   seconds of video in the replayed loop, which starts with a
                          keyframe (2)
  --poll-us U             poll the sockets every U microseconds instead of sleeping in
                          epoll_wait, so the server's CPU does not pay for waking the
                          client over loopback (0: sleep in epoll_wait)
  --json FILE             write every number to FILE
  --warmup S              measure from S s into --duration, or from 1 s after the last
                          connection if later (the run then ends that much later) (off)
  --server-pid PID        report this process's CPU time and RSS over the window
  --window-command CMD    run CMD (sh -c) at the window's start and end; its output
                          goes to the JSON (window.command_output)
  --log-level LEVEL       trace | debug | info | warn | error (warn)
Exit status: 0 when every expected track was received, 1 when not, 2 on bad usage.
)";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "podium-loadtest: %s\n%s", message.c_str(), kUsage);
  return 2;
}

std::optional<double> number(const std::string& text) {
  try {
    std::size_t used = 0;
    double value = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(value)) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::vector<std::uint8_t>> read_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto key = from_hex(text);
  if (key.size() < 16) return std::nullopt;
  return key;
}

std::string random_prefix() {
  unsigned char bytes[3];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "loadtest";
  return fmt::format("loadtest-{:02x}{:02x}{:02x}", bytes[0], bytes[1], bytes[2]);
}

int run(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  const std::vector<std::string> known = {
      "server", "target", "janus-room", "data-dir", "key", "layout", "publishers", "subscribers", "video-publishers", "rooms",
      "duration", "join-rate", "conference", "layers", "video-bitrate", "fps", "audio-bitrate",
      "video-height", "connect-timeout", "local-address", "json", "log-level", "warmup", "server-pid",
      "phases", "keyframe-interval", "poll-us", "pacing", "transport-cc", "window-command"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg.rfind("--", 0) != 0) return usage_error(fmt::format("unexpected argument '{}'", arg));
    std::string name = arg.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= argc) return usage_error(fmt::format("option '--{}' needs a value", name));
      value = argv[++i];
    }
    if (std::find(known.begin(), known.end(), name) == known.end())
      return usage_error(fmt::format("unknown option '--{}'", name));
    flags[name] = value;
  }
  auto get = [&](const std::string& name, const std::string& fallback) {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  };
  // A whole number within [low, high], or an error naming the flag.
  std::string problem;
  auto integer = [&](const std::string& name, int fallback, int low, int high) {
    if (!flags.count(name)) return fallback;
    auto v = number(flags[name]);
    if (!v || *v != std::floor(*v) || *v < low || *v > high) {
      problem = fmt::format("--{} '{}': expected a whole number from {} to {}", name, flags[name], low, high);
      return fallback;
    }
    return static_cast<int>(*v);
  };
  auto positive = [&](const std::string& name, double fallback) {
    if (!flags.count(name)) return fallback;
    auto v = number(flags[name]);
    if (!v || *v <= 0) {
      problem = fmt::format("--{} '{}': expected a positive number", name, flags[name]);
      return fallback;
    }
    return *v;
  };

  log::Level level = log::Level::kWarn;
  if (!log::parse_level(get("log-level", "warn"), level))
    return usage_error(fmt::format("--log-level '{}' is not one of trace, debug, info, warn, error", get("log-level", "")));
  log::set_level(level);

  ScenarioOptions options;
  std::string target = get("target", "podium");
  if (target == "janus") options.target = Target::kJanus;
  else if (target != "podium") return usage_error(fmt::format("--target '{}' is not one of podium, janus", target));
  bool janus = options.target == Target::kJanus;
  std::string server = get("server", janus ? "http://127.0.0.1:8088" : "http://127.0.0.1:8080");
  for (std::string scheme : {"http://", "ws://"})
    if (server.rfind(scheme, 0) == 0) server = server.substr(scheme.size());
  if (auto slash = server.find('/'); slash != std::string::npos) {
    if (janus && server.size() > slash + 1) options.janus_path = server.substr(slash);
    server = server.substr(0, slash);
  }
  auto colon = server.rfind(':');
  if (server.empty() || colon == std::string::npos || colon + 1 == server.size())
    return usage_error(fmt::format("--server '{}': expected http://HOST:PORT", get("server", "")));
  options.host = server.substr(0, colon);
  options.port = server.substr(colon + 1);
  if (!options.host.empty() && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);

  std::string key_path = flags.count("key") ? flags["key"] : get("data-dir", "./data") + "/server.key";
  if (!janus) {
    auto key = read_key(key_path);
    if (!key) return usage_error(fmt::format("cannot read a token key from '{}'", key_path));
    options.key = *key;
  }

  std::string layout = get("layout", "webinar");
  if (layout == "conference") options.layout = Layout::kConference;
  else if (layout == "webinar") options.layout = Layout::kWebinar;
  else if (layout == "audio") options.layout = Layout::kAudio;
  else return usage_error(fmt::format("--layout '{}' is not one of conference, webinar, audio", layout));

  options.publishers = integer("publishers", 1, 0, 1000);
  options.subscribers = integer("subscribers", 0, 0, 100000);
  options.video_publishers = integer("video-publishers", -1, 0, 1000);
  options.rooms = integer("rooms", 1, 1, 1000);
  options.duration_seconds = positive("duration", 10);
  options.join_rate = positive("join-rate", 50);
  options.connect_timeout_seconds = positive("connect-timeout", 10);
  options.video_height = integer("video-height", 720, 0, 4320);
  options.janus_room_base = static_cast<std::uint64_t>(integer("janus-room", 4200, 1, 1'000'000'000));
  options.conference_prefix = get("conference", random_prefix());
  options.local_address = get("local-address", "127.0.0.1");
  options.warmup_seconds = positive("warmup", 0);
  options.server_pid = integer("server-pid", 0, 1, 1 << 22);
  options.window_command = get("window-command", "");
  MediaOptions media_options;
  int layers = integer("layers", 3, 1, 3);
  int video_kbps = integer("video-bitrate", 1500, 100, 20000);
  media_options.fps = integer("fps", 30, 1, 60);
  media_options.audio_bitrate_bps = integer("audio-bitrate", 32000, 6000, 510000);
  media_options.layers = default_layers(layers, video_kbps);
  options.simulcast = layers > 1;
  media_options.loop_seconds = positive("keyframe-interval", 2);
  if (media_options.loop_seconds < 0.1 || media_options.loop_seconds > 60)
    return usage_error(fmt::format("--keyframe-interval '{}': expected seconds from 0.1 to 60", get("keyframe-interval", "")));
  options.poll_interval = Duration{integer("poll-us", 0, 0, 100'000)};
  if (flags.count("pacing")) {
    auto factor = number(flags["pacing"]);
    if (!factor || *factor < 0 || (*factor > 0 && *factor < 1) || *factor > 100)
      return usage_error(fmt::format("--pacing '{}': expected 0 (off) or a factor from 1 to 100", flags["pacing"]));
    options.pacing_factor = *factor;
  }
  std::string transport_cc = get("transport-cc", "on");
  if (transport_cc == "off") options.transport_cc = false;
  else if (transport_cc != "on") return usage_error(fmt::format("--transport-cc '{}' is not one of on, off", transport_cc));
  std::string phases = get("phases", "spread");
  if (phases == "aligned") options.aligned_phases = true;
  else if (phases != "spread") return usage_error(fmt::format("--phases '{}' is not one of spread, aligned", phases));
  if (!problem.empty()) return usage_error(problem);
  if (options.publishers == 0) return usage_error("--publishers must be at least 1");
  if (flags.count("warmup") && options.warmup_seconds >= options.duration_seconds)
    return usage_error("--warmup must be shorter than --duration");

  srtp::initialize();
  auto started = std::chrono::steady_clock::now();
  auto media = build_media_library(media_options);
  if (!media) {
    std::fprintf(stderr, "podium-loadtest: %s\n", media.error().c_str());
    return 1;
  }
  std::fprintf(stderr, "podium-loadtest: media ready in %.2f s (%zu video layers, %zu Opus frames)\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
               media->video.size(), media->audio.size());

  ScenarioResult result = run_scenario(options, *media);
  std::fputs(result.table.c_str(), stdout);
  if (flags.count("json")) {
    std::ofstream out(flags["json"]);
    out << result.json.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "podium-loadtest: cannot write %s\n", flags["json"].c_str());
      return 1;
    }
  }
  return result.all_tracks_received ? 0 : 1;
}

}  // namespace
}  // namespace podium::loadtest

int main(int argc, char** argv) { return podium::loadtest::run(argc, argv); }
