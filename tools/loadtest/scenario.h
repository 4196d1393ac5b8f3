// A load-test run: who joins which conference, when, what they publish and subscribe
// to, and the numbers at the end. Signaling runs on its own thread (SignalingThread),
// everything else on one media loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/loadtest/media_library.h"
#include "util/clock.h"

namespace podium::loadtest {

// conference: every publisher also receives every other publisher;
// webinar: publishers only send, subscribers receive everything;
// audio: like conference, audio only.
enum class Layout { kConference, kWebinar, kAudio };
const char* to_string(Layout layout);

enum class Target { kPodium, kJanus };

struct ScenarioOptions {
  Target target = Target::kPodium;
  std::string janus_path = "/janus";  // the Janus HTTP API's base path
  std::uint64_t janus_room_base = 4200;  // room i is janus_room_base + i
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::vector<std::uint8_t> key;  // the server's token key
  std::string conference_prefix;  // conference i is "<prefix>-<i>"
  int rooms = 1;
  int publishers = 1;         // per room
  int subscribers = 0;        // per room
  int video_publishers = -1;  // per room; -1: every publisher (none in the audio layout)
  Layout layout = Layout::kWebinar;
  double duration_seconds = 10;  // after the last participant started joining
  double join_rate = 50;         // participants per second
  double connect_timeout_seconds = 10;
  int video_height = 720;  // what subscribers say they show (video-size)
  std::uint64_t remb_bps = 20'000'000;
  bool simulcast = true;
  // Negotiate transport-wide-cc as browsers do (RtcClient::Options::transport_cc).
  bool transport_cc = true;
  std::string local_address = "127.0.0.1";
  // Publishers' frame clocks: each at a phase of its own (false), or all at once (true).
  bool aligned_phases = false;
  // Video leaves through a pacer at this multiple of its bitrate (RtcClient::Options).
  double pacing_factor = 0;
  // Non-zero: the client's loop polls its sockets at this interval instead of sleeping in
  // epoll_wait (EventLoop::set_poll_interval), so the server's CPU does not pay for waking it.
  Duration poll_interval{0};
  // The measuring window: from `warmup_seconds` after the last participant started
  // joining to the end. Its packet counts go to the JSON's `window`, with the CPU time and
  // RSS of process `server_pid` (from /proc) when that is set.
  double warmup_seconds = 0;
  int server_pid = 0;
  // Run with /bin/sh at each edge of the window, right after its sample; what it prints
  // goes to the JSON's window.command_output (a counter the tool cannot read itself, such
  // as an nftables rule's).
  std::string window_command;
};

struct ScenarioResult {
  nlohmann::json json;  // everything measured (see docs/loadtest.md)
  std::string table;    // the human summary
  bool all_tracks_received = false;
};

ScenarioResult run_scenario(const ScenarioOptions& options, const MediaLibrary& media);

}  // namespace podium::loadtest
