// The model event, scripted on a FakeClock: three agenda items with two speakers each, an
// attendee's question picked and answered, a chat line, interpreters handing over. The
// record tests read the record built from it.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conference/conference.h"
#include "record/conference_record.h"
#include "util/clock.h"

namespace podium::record {

namespace c = podium::conference;

inline constexpr c::UnixMillis kEpoch = 1'760'000'000'000;  // unix ms at FakeClock zero
inline constexpr std::int64_t kMinute = 60'000;

class ModelEvent {
 public:
  ModelEvent() : conf(info(), c::Settings{}, c::WallClock{clock, kEpoch}) { clock.set(TimePoint{}); }

  static c::ConferenceInfo info() {
    return c::ConferenceInfo{.id = "sp-2025",
                             .title = "Strategic Partnership — online conference",
                             .description = "Members of both parliaments & experts",
                             .languages = {"az", "he", "en", "ru"},
                             .scheduled_start = kEpoch + 10 * kMinute,
                             .scheduled_end = kEpoch + 3 * 60 * kMinute};
  }

  void ok(c::Outcome o) {
    ASSERT_TRUE(o.ok()) << o.error();
    for (const auto& e : *o) {
      if (c::is_recorded(e.body)) timeline.push_back(c::to_json(e));
    }
  }
  void join(const std::string& id, const std::string& name, c::Role role,
            std::optional<std::string> organization = std::nullopt) {
    ok(conf.join({.id = id, .name = name, .role = role, .organization = organization}));
  }
  void advance(std::int64_t ms) { clock.advance(std::chrono::milliseconds(ms)); }
  c::UnixMillis now() const { return c::WallClock{clock, kEpoch}.now(); }
  // A booth event as the interpretation records it: who is live in a language now.
  void booth(const std::string& language, const std::string& live) {
    timeline.push_back({{"type", "booth_live_changed"},
                        {"seq", 100000 + timeline.size()},
                        {"at", now()},
                        {"language", language},
                        {"from", booth_live_[language]},
                        {"to", live},
                        {"reason", "handover"}});
    booth_live_[language] = live;
  }
  std::map<std::string, std::string> booth_live_;

  // Runs the whole conference. Times (minutes after the epoch) are in the comments.
  void run() {
    join("org", "Olga Organizer", c::Role::organizer, "Podium Secretariat");
    join("mod", "Maya Moderator", c::Role::moderator, "Podium Secretariat");
    ok(conf.add_item("org", {.id = "opening", .title = "Opening", .speakers = {"mod", "az-1"},
                             .planned_ms = 10 * kMinute, .language = "en"}));
    ok(conf.add_item("org", {.id = "mps", .title = "Members of both parliaments",
                             .speakers = {"az-1", "il-1"}, .planned_ms = 20 * kMinute,
                             .language = "az"}));
    ok(conf.add_item("org", {.id = "experts", .title = "Experts", .speakers = {"ex-1", "ex-2"},
                             .planned_ms = 15 * kMinute, .language = "ru"}));
    join("az-1", "Aysel Mammadova", c::Role::speaker, "Milli Majlis");
    join("il-1", "<script>alert(1)</script>", c::Role::speaker, "Knesset");
    join("ex-1", "Dr. Elena Petrova", c::Role::speaker, "Institute & Co");
    join("ex-2", "Ilya Sokolov", c::Role::speaker);
    join("int-he-1", "Hana Levi", c::Role::interpreter);
    join("int-he-2", "Noa Cohen", c::Role::interpreter);
    ok(conf.open("mod"));
    join("att-1", "Private Attendee", c::Role::attendee, "Citizen");
    join("att-2", "Another Attendee", c::Role::attendee);
    join("press-1", "Pat Press", c::Role::press, "Daily News");
    advance(10 * kMinute);
    ok(conf.go_live("mod"));  // 10
    booth("he", "int-he-1");

    ok(conf.start_item("mod", "opening"));  // 10: floor to mod
    advance(4 * kMinute);
    ok(conf.grant_floor("mod", "az-1", 5 * kMinute));  // 14
    advance(5 * kMinute);
    ok(conf.yield_floor("az-1"));  // 19
    ok(conf.end_item("mod"));

    advance(1 * kMinute);
    ok(conf.start_item("mod", "mps"));  // 20: floor to az-1
    advance(9 * kMinute);
    ok(conf.grant_floor("mod", "il-1", 10 * kMinute));  // 29
    advance(3 * kMinute);
    booth("he", "int-he-2");  // 32: handover in the middle of il-1's speech
    ok(conf.ask_question("att-1", "When will the agreement be signed?"));
    ok(conf.send_chat("att-2", "Sound is good <b>here</b>"));
    advance(7 * kMinute);
    ok(conf.yield_floor("il-1"));  // 39
    ok(conf.end_item("mod"));

    ok(conf.start_item("mod", "experts"));  // 39: floor to ex-1
    advance(6 * kMinute);
    ok(conf.pick_question("mod", 1));  // 45
    ok(conf.grant_floor("mod", "ex-2", 3 * kMinute));
    advance(3 * kMinute);
    ok(conf.yield_floor("ex-2"));  // 48
    ok(conf.answer_question("mod", 1));
    ok(conf.end_item("mod"));
    advance(1 * kMinute);
    ok(conf.end("mod"));  // 49
  }

  RecordSource source(std::vector<ProgramRecording> recordings = {}, bool known = true) const {
    return RecordSource{.conference = conf,
                        .timeline = timeline,
                        .now = now(),
                        .program_recordings = std::move(recordings),
                        .recordings_known = known};
  }

  FakeClock clock;
  c::Conference conf;
  std::vector<nlohmann::json> timeline;
};

}  // namespace podium::record
