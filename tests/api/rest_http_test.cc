#include "api/rest_http.h"

#include <gtest/gtest.h>

#include "api/rest_conferences.h"

namespace podium::api {
namespace {

using nlohmann::json;

TEST(RestHttp, ProblemDetailsFollowRfc9457) {
  auto response = problem(404, "no such conference");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  auto body = json::parse(response.body);
  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["title"], "Not Found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["detail"], "no such conference");
}

TEST(RestHttp, StoreErrorsMapToStatuses) {
  using store::StoreErrc;
  EXPECT_EQ(store_problem({StoreErrc::kNotFound, "x"}).status, 404);
  EXPECT_EQ(store_problem({StoreErrc::kAlreadyExists, "x"}).status, 409);
  EXPECT_EQ(store_problem({StoreErrc::kVersionConflict, "x"}).status, 412);
  EXPECT_EQ(store_problem({StoreErrc::kInvalidArgument, "x"}).status, 422);
  auto storage = store_problem({StoreErrc::kStorage, "disk I/O error at /secret/path"});
  EXPECT_EQ(storage.status, 500);
  EXPECT_EQ(storage.body.find("/secret/path"), std::string::npos);
}

TEST(RestHttp, JsonBodyChecks) {
  HttpRequest request{"POST", "/", "", "application/json", "{\"a\":1}", "", ""};
  EXPECT_TRUE(parse_json_body(request));
  request.content_type = "application/merge-patch+json; charset=utf-8";
  EXPECT_TRUE(parse_json_body(request));
  request.content_type = "text/plain";
  EXPECT_EQ(parse_json_body(request).failure().status, 415);
  request.content_type = "application/json";
  request.body = "{\"a\":";
  EXPECT_EQ(parse_json_body(request).failure().status, 400);
  request.body = "[1]";
  EXPECT_EQ(parse_json_body(request).failure().status, 400);
  request.body = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(parse_json_body(request).failure().status, 400);
  request.body = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";  // brackets in strings do not count
  EXPECT_TRUE(parse_json_body(request));
  request.body = std::string(kMaxRestBody + 1, ' ');
  EXPECT_EQ(parse_json_body(request).failure().status, 413);
}

TEST(RestHttp, IfMatch) {
  EXPECT_EQ(parse_if_match("\"3\"")->version, 3);
  EXPECT_TRUE(parse_if_match("*")->any);
  EXPECT_FALSE(parse_if_match("3"));
  EXPECT_FALSE(parse_if_match("W/\"3\""));  // weak tags never match If-Match
  EXPECT_FALSE(parse_if_match("\"x\""));
  EXPECT_FALSE(parse_if_match("\"\""));
  EXPECT_EQ(etag_of(7), "\"7\"");
}

TEST(RestHttp, BearerCredentials) {
  EXPECT_EQ(bearer_credentials("Bearer abc"), "abc");
  EXPECT_EQ(bearer_credentials("bearer abc"), "abc");
  EXPECT_EQ(bearer_credentials("Basic abc"), "");
  EXPECT_EQ(bearer_credentials("Bearerabc"), "");
  EXPECT_EQ(bearer_credentials(""), "");
}

TEST(RestHttp, Rfc3339) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2025-05-01T09:00:00Z"), 1746090000);
  EXPECT_EQ(parse_rfc3339("2025-05-01T11:00:00+02:00"), 1746090000);
  EXPECT_EQ(parse_rfc3339("2025-05-01T09:00:00.250Z"), 1746090000);
  EXPECT_FALSE(parse_rfc3339("2025-05-01 09:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2025-04-31T09:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2025-05-01T09:00:00"));
  EXPECT_FALSE(parse_rfc3339("2025-05-01T09:00:00Zjunk"));
  EXPECT_FALSE(parse_rfc3339("2025-13-01T09:00:00Z"));
  EXPECT_EQ(format_rfc3339(1746090000), "2025-05-01T09:00:00Z");
}

TEST(ConferenceDocument, DefaultsAreFilledIn) {
  auto document = validate_conference_document({{"title", "Strategic Partnership"}});
  ASSERT_TRUE(document) << document.error();
  EXPECT_EQ((*document)["description"], "");
  EXPECT_EQ((*document)["languages"], json::array());
  EXPECT_EQ((*document)["settings"]["registration"], "closed");
  EXPECT_EQ((*document)["settings"]["lobby"], false);
  EXPECT_FALSE(document->contains("start"));
}

TEST(ConferenceDocument, RefusesWhatBreaksARule) {
  const json cases[] = {
      json::object(),
      {{"title", ""}},
      {{"title", 5}},
      {{"title", "a\nb"}},
      {{"title", std::string(201, 'x')}},
      {{"title", "t"}, {"colour", "red"}},
      {{"title", "t"}, {"languages", {"en", "en"}}},
      {{"title", "t"}, {"languages", {"english language"}}},
      {{"title", "t"}, {"languages", "en"}},
      {{"title", "t"}, {"start", "tomorrow"}},
      {{"title", "t"}, {"start", "2025-05-01T10:00:00Z"}, {"end", "2025-05-01T09:00:00Z"}},
      {{"title", "t"}, {"settings", {{"chat", "sometimes"}}}},
      {{"title", "t"}, {"settings", {{"lobby", "yes"}}}},
      {{"title", "t"}, {"settings", {{"owner", 3}}}},
      {{"title", "t"}, {"settings", 1}},
  };
  for (const auto& fields : cases) {
    EXPECT_FALSE(validate_conference_document(fields)) << fields.dump();
  }
  auto ok = validate_conference_document({{"title", "Título ☃"},
                                          {"languages", {"en", "de-CH", "zh-Hant"}},
                                          {"start", "2025-05-01T09:00:00Z"},
                                          {"end", "2025-05-01T17:00:00+02:00"},
                                          {"settings", {{"registration", "open"}}}});
  EXPECT_TRUE(ok) << ok.error();
}

TEST(ConferenceDocument, AgendaItemsGetIdsAndDefaults) {
  auto document = validate_conference_document(json::parse(R"({"title": "t", "agenda": [
      {"title": "Opening", "speakers": ["Chair"], "planned_ms": 300000},
      {"id": "qa", "title": "Questions", "language": "az"}]})"));
  ASSERT_TRUE(document) << document.error();
  const auto& agenda = (*document)["agenda"];
  ASSERT_EQ(agenda.size(), 2u);
  EXPECT_EQ(agenda[0]["id"], "i1");
  EXPECT_EQ(agenda[0]["speakers"], json::parse(R"(["Chair"])"));
  EXPECT_EQ(agenda[0]["planned_ms"], 300000);
  EXPECT_EQ(agenda[1]["id"], "qa");
  EXPECT_EQ(agenda[1]["speakers"], json::array());
  EXPECT_EQ(agenda[1]["language"], "az");
  EXPECT_EQ(validate_conference_document({{"title", "t"}}).value()["agenda"], json::array());
}

TEST(ConferenceDocument, RefusesABadAgenda) {
  const char* cases[] = {
      R"({"title": "t", "agenda": "Opening"})",
      R"({"title": "t", "agenda": [1]})",
      R"({"title": "t", "agenda": [{"speakers": ["A"]}]})",
      R"({"title": "t", "agenda": [{"title": ""}]})",
      R"({"title": "t", "agenda": [{"title": "x", "planned_ms": -1}]})",
      R"({"title": "t", "agenda": [{"title": "x", "planned_ms": 1.5}]})",
      R"({"title": "t", "agenda": [{"title": "x", "speakers": [""]}]})",
      R"({"title": "t", "agenda": [{"title": "x", "id": "a b"}]})",
      R"({"title": "t", "agenda": [{"title": "x", "id": "a"}, {"title": "y", "id": "a"}]})",
      R"({"title": "t", "agenda": [{"title": "x", "status": "done"}]})",
      R"({"title": "t", "agenda": [{"title": "x", "language": "english language"}]})",
  };
  for (const char* text : cases) {
    EXPECT_FALSE(validate_conference_document(json::parse(text))) << text;
  }
}

}  // namespace
}  // namespace podium::api
