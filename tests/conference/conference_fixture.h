// A conference on a FakeClock with a few helpers for the tests.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conference/conference.h"
#include "util/clock.h"

namespace podium::conference {

inline constexpr UnixMillis kEpoch = 1'760'000'000'000;  // unix ms at FakeClock zero

inline ConferenceInfo model_info() {
  return ConferenceInfo{.id = "sp-2025",
                        .title = "Strategic Partnership — online conference",
                        .description = "Members of both parliaments and experts",
                        .languages = {"az", "he", "en", "ru"},
                        .scheduled_start = kEpoch + 3'600'000,
                        .scheduled_end = kEpoch + 3 * 3'600'000};
}

inline std::vector<std::string> types(const Events& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.emplace_back(type_name(e.body));
  return out;
}

template <typename T>
std::vector<T> all_of_type(const Events& events) {
  std::vector<T> out;
  for (const Event& e : events) {
    if (const T* t = get_if<T>(e)) out.push_back(*t);
  }
  return out;
}

class ConferenceTest : public ::testing::Test {
 protected:
  explicit ConferenceTest(Settings settings = {})
      : conf(model_info(), settings, WallClock{clock, kEpoch}) {}

  Events ok(Outcome o) {
    EXPECT_TRUE(o.ok()) << o.error();
    return o.ok() ? std::move(*o) : Events{};
  }
  // Refused, with a reason, and nothing changed.
  void refused(Outcome o, const std::string& reason_part = "") {
    ASSERT_FALSE(o.ok()) << "expected a refusal";
    EXPECT_FALSE(o.error().empty());
    if (!reason_part.empty()) {
      EXPECT_NE(o.error().find(reason_part), std::string::npos) << o.error();
    }
  }
  Events join(const std::string& id, Role role) {
    return ok(conf.join(JoinRequest{.id = id, .name = "Name of " + id, .role = role}));
  }
  void advance_ms(std::int64_t ms) { clock.advance(std::chrono::milliseconds(ms)); }
  UnixMillis now_ms() const { return WallClock{clock, kEpoch}.now(); }

  // organizer "org" and moderator "mod" joined, conference open.
  void open_with_hosts() {
    join("org", Role::organizer);
    join("mod", Role::moderator);
    ok(conf.open("mod"));
  }
  void go_live() {
    open_with_hosts();
    ok(conf.go_live("mod"));
  }

  FakeClock clock;
  Conference conf;
};

}  // namespace podium::conference
