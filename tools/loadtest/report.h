// What one simulated participant did, and the summary of a run built from all of them:
// the table printed at the end and the JSON written with --json.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tools/loadtest/rtc_client.h"
#include "tools/loadtest/scenario.h"
#include "tools/loadtest/signaling_client.h"

namespace podium::loadtest {

struct Participant {
  std::string conference;
  int room = 0;
  std::string name;
  std::string self_id;
  bool publisher = false;
  bool sends_video = false;
  bool subscribes = false;
  int tracks_expected = 0;

  std::shared_ptr<WebSocketClient> ws;
  std::unique_ptr<RtcClient> rtc;
  std::optional<TimePoint> join_started;
  std::optional<TimePoint> welcomed_at;
  bool offered = false;
  bool offer_pending = false;
  bool left = false;
  bool failed = false;
  std::vector<std::string> errors;
  std::set<std::string> known_tracks;
  std::vector<std::pair<std::string, std::string>> pending;  // track id, kind
  std::map<std::string, std::string> subscriptions;          // mid -> track id
  std::vector<std::string> new_video_mids;

  // Janus: one session and one VideoRoom handle per participant. A publisher that also
  // receives gets a second participant (`receives_for`) for its subscriber handle.
  std::uint64_t janus_session = 0;
  std::uint64_t janus_handle = 0;
  std::uint64_t janus_feed = 0;
  const Participant* receives_for = nullptr;
  bool janus_waiting = false;  // a subscriber waiting for the room's publishers
  bool janus_subscribed = false;
  int janus_retries = 0;  // subscribe requests refused because a feed was not known yet
  bool janus_announced = false;  // a publisher whose PeerConnection came up
};

struct ReportInput {
  const ScenarioOptions& options;
  const MediaLibrary& media;
  std::vector<const Participant*> participants;
  TimePoint end;
};

ScenarioResult build_report(const ReportInput& input);

}  // namespace podium::loadtest
