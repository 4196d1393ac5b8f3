// Agenda edits once the conference runs, and the timeline from the start for those who
// join late: a real server with a real SQLite store, real WebSocket and HTTP clients.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/api/member_client.h"
#include "tests/api/server_fixture.h"
#include "tests/api/stored_conference_fixture.h"

namespace podium::api {
namespace {

using namespace test_support;

class LiveAgendaTest : public StoredConferenceTest {
 protected:
  std::string conference_name() const override { return "plenary"; }
  json conference_document() const override {
    return json{{"title", "Plenary"},
                {"agenda", json::array({{{"id", "i1"}, {"title", "Opening"}, {"planned_ms", 60000}},
                                        {{"id", "i2"}, {"title", "Members"}, {"planned_ms", 60000}}})}};
  }

  static std::vector<std::string> titles(const json& agenda) {
    std::vector<std::string> out;
    for (const auto& item : agenda) out.push_back(item["title"]);
    return out;
  }
  // The agenda of the last agenda_changed event the member saw.
  static json last_agenda(const Member& m) {
    json agenda;
    for (const auto& e : m.events) {
      if (e["type"] == "agenda_changed") agenda = e["agenda"];
    }
    return agenda;
  }

  HttpResult get(const std::string& target, const std::string& bearer) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    tcp::resolver resolver(ioc);
    asio::connect(socket, resolver.resolve("127.0.0.1", std::to_string(server_->port())));
    http::request<http::string_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return {static_cast<int>(res.result_int()), res.body(), {}};
  }
};

TEST_F(LiveAgendaTest, HostsEditTheAgendaLiveAndEveryoneSeesItAtOnce) {
  auto chair = member("plenary", "Chair", Role::kModerator);
  ASSERT_TRUE(chair->command("open")["ok"]);
  auto viewer = member("plenary", "Viewer", Role::kAttendee);
  ASSERT_TRUE(chair->command("go-live")["ok"]);
  ASSERT_TRUE(chair->command("start-item", {{"item", "i1"}})["ok"]);

  auto added = chair->command("add-item", {{"title", "Urgent statement"}, {"planned_ms", 120000}, {"index", 1}});
  ASSERT_TRUE(added["ok"]) << added.dump();
  viewer->sync();
  EXPECT_EQ(titles(last_agenda(*viewer)),
            (std::vector<std::string>{"Opening", "Urgent statement", "Members"}));
  std::string id = last_agenda(*viewer)[1]["id"];
  EXPECT_EQ(id, "i3") << "the first free id";

  ASSERT_TRUE(chair->command("edit-item", {{"item", id}, {"title", "Statement by the minister"}})["ok"]);
  ASSERT_TRUE(chair->command("move-item", {{"item", "i2"}, {"index", 0}})["ok"]);
  ASSERT_TRUE(chair->command("remove-item", {{"item", id}})["ok"]);
  viewer->sync();
  auto agenda = last_agenda(*viewer);
  EXPECT_EQ(titles(agenda), (std::vector<std::string>{"Members", "Opening"}));
  EXPECT_EQ(agenda[1]["status"], "running") << "the running item keeps running";
  EXPECT_EQ(agenda[1]["planned_ms"], 60000) << "edit-item changes only what it is given";

  // Refusals change nothing.
  std::vector<std::pair<std::string, json>> bad = {
      {"add-item", json::object()},                                    // no title
      {"add-item", {{"title", "x"}, {"item", "i2"}}},                  // id taken
      {"add-item", {{"title", "x"}, {"item", "bad id!"}}},             // not an id
      {"add-item", {{"title", "x"}, {"speakers", "Dr. Berg"}}},        // not a list
      {"add-item", {{"title", "x"}, {"planned_ms", -5}}},
      {"add-item", {{"title", "x"}, {"index", 9}}},
      {"edit-item", {{"item", "nope"}, {"title", "x"}}},
      {"move-item", {{"item", "i1"}, {"index", 5}}},
      {"remove-item", {{"item", "i1"}}},                               // running
      {"remove-item", {{"item", "i2"}, {"extra", 1}}},
  };
  for (const auto& [command, args] : bad) {
    auto result = chair->command(command, args);
    EXPECT_FALSE(result["ok"]) << command << " " << args.dump();
    EXPECT_FALSE(result.value("reason", "").empty()) << result.dump();
  }
  auto refused = viewer->command("add-item", {{"title", "Mine"}});
  EXPECT_FALSE(refused["ok"]) << "an attendee cannot edit the agenda";
  viewer->sync();
  EXPECT_EQ(titles(last_agenda(*viewer)), (std::vector<std::string>{"Members", "Opening"}));

  // Someone joining now gets the edited agenda in the welcome.
  auto late = member("plenary", "Late", Role::kAttendee);
  EXPECT_EQ(titles(late->welcome["state"]["agenda"]), (std::vector<std::string>{"Members", "Opening"}));
}

TEST_F(LiveAgendaTest, LatePressSeeTheTimelineFromTheStartPageByPage) {
  auto chair = member("plenary", "Chair", Role::kModerator);
  auto speaker = member("plenary", "Member A", Role::kSpeaker);
  ASSERT_TRUE(chair->command("open")["ok"]);
  ASSERT_TRUE(chair->command("go-live")["ok"]);
  ASSERT_TRUE(chair->command("grant-floor", {{"participant", speaker->id}, {"ms", 60000}})["ok"]);
  ASSERT_TRUE(chair->command("revoke-floor")["ok"]);
  ASSERT_TRUE(chair->command("start-item", {{"item", "i1"}})["ok"]);

  // The press joins after all that; the welcome is the present, the REST timeline the past.
  auto press_token = token("plenary", "Reporter", Role::kPress);
  auto press = member(press_token);
  auto whole = get("/api/v1/conferences/plenary/timeline?limit=1000", press_token);
  ASSERT_EQ(whole.status, 200) << whole.body;
  auto all = json::parse(whole.body);
  EXPECT_FALSE(all.contains("next_before"));
  std::vector<std::string> types;
  for (const auto& e : all["events"]) {
    types.push_back(e["type"]);
    EXPECT_EQ(e["audience"], "everyone") << "the press sees what everyone saw: " << e.dump();
  }
  auto index_of = [&](const std::string& type) {
    return std::find(types.begin(), types.end(), type) - types.begin();
  };
  ASSERT_LT(index_of("conference_state_changed"), static_cast<long>(types.size())) << json(types).dump();
  EXPECT_LT(index_of("conference_state_changed"), index_of("floor_granted"));
  EXPECT_LT(index_of("floor_granted"), index_of("floor_released"));
  EXPECT_LT(index_of("floor_released"), index_of("agenda_item_started"));

  // Pages of 2 from the newest back to the start give the same events in the same order.
  std::vector<json> paged;
  std::string target = "/api/v1/conferences/plenary/timeline?limit=2";
  for (int pages = 0; pages < 100; ++pages) {
    auto page = get(target, press_token);
    ASSERT_EQ(page.status, 200) << page.body;
    auto body = json::parse(page.body);
    paged.insert(paged.begin(), body["events"].begin(), body["events"].end());
    if (!body.contains("next_before")) break;
    target = "/api/v1/conferences/plenary/timeline?limit=2&before=" + std::to_string(body["next_before"].get<long>());
  }
  EXPECT_EQ(json(paged), all["events"]);

  // The moderator may read it too; the others may not.
  auto chair_view = get("/api/v1/conferences/plenary/timeline?limit=1000", token("plenary", "Chair", Role::kModerator));
  ASSERT_EQ(chair_view.status, 200);
  EXPECT_GE(json::parse(chair_view.body)["events"].size(), all["events"].size());
  EXPECT_EQ(get("/api/v1/conferences/plenary/timeline", token("plenary", "Viewer", Role::kAttendee)).status, 403);
  EXPECT_EQ(get("/api/v1/conferences/plenary/timeline", token("other", "Reporter", Role::kPress)).status, 403);
  EXPECT_EQ(get("/api/v1/conferences/plenary/timeline", "").status, 401);
  EXPECT_EQ(get("/api/v1/conferences/plenary/timeline?limit=0", press_token).status, 400);
  EXPECT_EQ(get("/api/v1/conferences/plenary/timeline?before=x", press_token).status, 400);
  EXPECT_EQ(get("/api/v1/conferences/nowhere/timeline", press_token).status, 404);
}

}  // namespace
}  // namespace podium::api
