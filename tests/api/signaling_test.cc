#include "api/signaling.h"

#include "api/conference_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace podium::api {
namespace {

using nlohmann::json;

const std::filesystem::path kProtocolDir = std::filesystem::path(PODIUM_SOURCE_DIR) / "docs/protocol";

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParseClientMessage, Join) {
  auto message = parse_client_message(R"({"type":"join","version":1,"token":"abc"})");
  ASSERT_TRUE(message) << message.error();
  auto& join = std::get<JoinMessage>(*message);
  EXPECT_EQ(join.token, "abc");
  auto without_token = parse_client_message(R"({"type":"join","version":1})");
  ASSERT_TRUE(without_token);
  EXPECT_FALSE(std::get<JoinMessage>(*without_token).token);
  EXPECT_FALSE(std::get<JoinMessage>(*without_token).batch);
  auto batching = parse_client_message(R"({"type":"join","version":1,"batch":true})");
  ASSERT_TRUE(batching) << batching.error();
  EXPECT_TRUE(std::get<JoinMessage>(*batching).batch);
}

TEST(ParseClientMessage, Offer) {
  auto message = parse_client_message(
      R"({"type":"offer","sdp":"v=0\r\n","subscriptions":{"2":"t1","3":"t2"}})");
  ASSERT_TRUE(message) << message.error();
  auto& offer = std::get<OfferMessage>(*message);
  EXPECT_EQ(offer.sdp, "v=0\r\n");
  EXPECT_EQ(offer.subscriptions.at("2"), "t1");
  EXPECT_EQ(offer.subscriptions.at("3"), "t2");
}

TEST(ParseClientMessage, LeaveAndPing) {
  EXPECT_TRUE(std::holds_alternative<LeaveMessage>(parse_client_message(R"({"type":"leave"})").value()));
  EXPECT_TRUE(std::holds_alternative<PingMessage>(parse_client_message(R"({"type":"ping"})").value()));
  auto size = parse_client_message(R"({"type":"video-size","mid":"3","height":180})");
  ASSERT_TRUE(size) << size.error();
  EXPECT_EQ(std::get<VideoSizeMessage>(*size).mid, "3");
  EXPECT_EQ(std::get<VideoSizeMessage>(*size).height, 180);
}

TEST(ParseClientMessage, RejectsWithReason) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const auto& c : std::vector<Case>{
           {"", "message is not valid JSON"},
           {R"({"type":"join")", "message is not valid JSON"},
           {"[1]", "message must be a JSON object"},
           {"{}", "missing 'type'"},
           {R"({"type":7})", "'type' must be a string"},
           {R"({"type":"dance"})", R"(unknown message type "dance")"},
           {R"({"type":"join"})", "join: missing 'version'"},
           {R"({"type":"join","version":"1"})", "join: 'version' must be an integer"},
           {R"({"type":"join","version":2})", "join: unsupported version 2 (server speaks 1)"},
           {R"({"type":"join","version":1,"token":5})", "join: 'token' must be a string"},
           {R"({"type":"join","version":1,"batch":"yes"})", "join: 'batch' must be a boolean"},
           {R"({"type":"offer"})", "offer: missing 'sdp'"},
           {R"({"type":"offer","sdp":""})", "offer: 'sdp' length out of range"},
           {R"({"type":"offer","sdp":"v=0","subscriptions":[]})",
            "offer: 'subscriptions' must be an object"},
           {R"({"type":"offer","sdp":"v=0","subscriptions":{"0":1}})",
            "offer: subscription '0' must name a track id string"},
           {R"({"type":"ping","extra":1})", "unknown field 'extra'"},
           {R"({"type":"video-size","mid":"3"})", "video-size: 'height' must be an integer from 0 to 4320"},
           {R"({"type":"video-size","mid":"3","height":-1})",
            "video-size: 'height' must be an integer from 0 to 4320"},
           {R"({"type":"video-size","mid":"","height":180})", "video-size: mid length out of range"},
           {R"({"type":"video-size","height":180})", "video-size: 'mid' must be a string"},
       }) {
    auto result = parse_client_message(c.text);
    ASSERT_FALSE(result) << c.text;
    EXPECT_EQ(result.error(), c.error) << c.text;
  }
}

TEST(ServerMessages, WelcomeShape) {
  auto text = welcome_message({"p3", "Alice", "speaker"}, "demo", {.publish = true, .subscribe = true},
                              {{"p1", "Bob", "moderator"}}, {{"t1", "p1", "audio"}}, {}, 412);
  auto message = json::parse(text);
  EXPECT_EQ(message, json::parse(R"({"type":"welcome","version":1,
      "participant":{"id":"p3","name":"Alice","role":"speaker"},"conference":"demo",
      "permissions":{"publish":true,"subscribe":true},"participants":[{"id":"p1","name":"Bob","role":"moderator"}],
      "tracks":[{"id":"t1","participant":"p1","kind":"audio"}],"audience":412})"));
  EXPECT_EQ(json::parse(audience_message(7)), (json{{"type", "audience"}, {"count", 7}}));
}

TEST(ServerMessages, WelcomeCarriesAnyNameAndTheState) {
  auto text = welcome_message({"p3", "Ana \"the chair\"", "moderator"}, "demo", {.subscribe = true},
                              {{"p1", "Bob\n\\", "attendee"}, {"p2", "Zo\xeb", "press"}},
                              {{"t1", "p1", "audio"}, {"t2", "p1", "video"}},
                              R"({"conference":"live","participants":[]})");
  auto message = json::parse(text);
  EXPECT_EQ(message["participant"]["name"], "Ana \"the chair\"");
  ASSERT_EQ(message["participants"].size(), 2u);
  EXPECT_EQ(message["participants"][0]["name"], "Bob\n\\");
  EXPECT_EQ(message["participants"][1]["name"], "Zo\uFFFD");  // not UTF-8: replaced
  EXPECT_EQ(message["participants"][1]["role"], "press");
  EXPECT_EQ(message["tracks"][1], json::parse(R"({"id":"t2","participant":"p1","kind":"video"})"));
  EXPECT_EQ(message["state"], json::parse(R"({"conference":"live","participants":[]})"));
  EXPECT_EQ(json::parse(welcome_message({}, "c", {}, {}, {})).count("state"), 0u);
}

TEST(ServerMessages, ErrorCodes) {
  EXPECT_EQ(error_code_for_status(400), ErrorCode::kBadRequest);
  EXPECT_EQ(error_code_for_status(403), ErrorCode::kForbidden);
  EXPECT_EQ(error_code_for_status(404), ErrorCode::kNotFound);
  EXPECT_EQ(error_code_for_status(503), ErrorCode::kInternal);
  auto message = json::parse(error_message(ErrorCode::kNotFound, "gone"));
  EXPECT_EQ(message, json::parse(R"({"type":"error","code":"not-found","message":"gone"})"));
  // Invalid UTF-8 from a client cannot break the JSON we send back.
  EXPECT_NO_THROW(json::parse(error_message(ErrorCode::kBadRequest, "\xff\xfe")));
}

// The schema is the definition; these tests keep the C++ side in step with it.
class SchemaAgreement : public ::testing::Test {
 protected:
  json schema_ = read_json(kProtocolDir / "signaling.schema.json");

  std::set<std::string> types_of(const char* group) {
    std::set<std::string> types;
    for (const auto& ref : schema_["$defs"][group]["oneOf"]) {
      auto name = ref["$ref"].get<std::string>().substr(std::string("#/$defs/").size());
      types.insert(schema_["$defs"][name]["properties"]["type"]["const"].get<std::string>());
    }
    return types;
  }
};

TEST_F(SchemaAgreement, ClientTypesAreExactlyTheParsedOnes) {
  EXPECT_EQ(types_of("ClientMessage"), (std::set<std::string>{"join", "offer", "leave", "ping", "command", "video-size"}));
}

TEST_F(SchemaAgreement, ServerTypesAreExactlyTheBuiltOnes) {
  std::set<std::string> built;
  for (const auto& text :
       {welcome_message({}, "c", {}, {}, {}), answer_message("v=0", {}),
        permissions_message("attendee", {}),
        participant_joined_message({}), participant_left_message("p1"),
        track_published_message({}), track_removed_message("t1"), active_speaker_message("p1"),
        error_message(ErrorCode::kInternal, "x"), pong_message(), result_message(1, true),
        event_message({{"seq", 1}}), batch_message({pong_message(), pong_message()}),
        audience_message(3)}) {
    built.insert(json::parse(text)["type"].get<std::string>());
  }
  EXPECT_EQ(types_of("ServerMessage"), built);
}

TEST_F(SchemaAgreement, CommandNamesAreExactlyTheServedOnes) {
  std::set<std::string> in_schema;
  for (const auto& name : schema_["$defs"]["Command"]["properties"]["command"]["enum"]) {
    in_schema.insert(name.get<std::string>());
  }
  std::set<std::string> served(command_names().begin(), command_names().end());
  EXPECT_EQ(in_schema, served);
}

TEST_F(SchemaAgreement, ClientExamplesParseAndInvalidOnesDoNot) {
  int valid = 0;
  int invalid = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kProtocolDir / "examples")) {
    auto name = entry.path().filename().string();
    if (name.rfind("client-", 0) != 0) continue;
    auto result = parse_client_message(read_text(entry.path()));
    EXPECT_TRUE(result) << name << ": " << (result ? "" : result.error());
    ++valid;
  }
  for (const auto& entry : std::filesystem::directory_iterator(kProtocolDir / "examples/invalid")) {
    EXPECT_FALSE(parse_client_message(read_text(entry.path()))) << entry.path().filename();
    ++invalid;
  }
  EXPECT_GE(valid, 4);
  EXPECT_GE(invalid, 3);
}

TEST_F(SchemaAgreement, ServerExamplesUseOnlySchemaFields) {
  // Every server example names a defined message and only the properties it declares.
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kProtocolDir / "examples")) {
    auto name = entry.path().filename().string();
    if (name.rfind("server-", 0) != 0) continue;
    auto message = read_json(entry.path());
    bool found = false;
    for (const auto& [def_name, def] : schema_["$defs"].items()) {
      if (!def.contains("properties") || !def["properties"].contains("type")) continue;
      if (def["properties"]["type"].value("const", "") != message["type"]) continue;
      found = true;
      for (const auto& [key, value] : message.items()) {
        EXPECT_TRUE(def["properties"].contains(key)) << name << ": " << key;
      }
      for (const auto& required : def.value("required", json::array())) {
        EXPECT_TRUE(message.contains(required.get<std::string>())) << name << ": " << required;
      }
    }
    EXPECT_TRUE(found) << name;
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace podium::api
