// docs/openapi.yaml and the server agree: every documented operation is served, and (in
// RestApiTest::TearDown) every response of every REST test has a documented status.
// Not a full validator: the YAML is read by indentation, which the file keeps regular.
#include <fstream>

#include "rest_fixture.h"

namespace podium::api {

const OpenApiOperations& openapi_operations() {
  static const OpenApiOperations operations = [] {
    OpenApiOperations out;
    std::ifstream in(std::string(PODIUM_SOURCE_DIR) + "/docs/openapi.yaml");
    EXPECT_TRUE(in) << "docs/openapi.yaml is missing";
    std::string line, path, method;
    bool in_paths = false, in_responses = false;
    auto indent_of = [](const std::string& text) { return text.find_first_not_of(' '); };
    while (std::getline(in, line)) {
      if (line.empty() || line.find_first_not_of(' ') == std::string::npos) continue;
      auto indent = indent_of(line);
      auto text = line.substr(indent);
      if (indent == 0) {
        in_paths = text == "paths:";
        continue;
      }
      if (!in_paths) continue;
      if (indent == 2 && text.back() == ':') {
        path = text.substr(0, text.size() - 1);
        method.clear();
      } else if (indent == 4) {
        auto name = text.substr(0, text.find(':'));
        method = (name == "get" || name == "post" || name == "patch" || name == "delete") ? name : "";
        if (!method.empty()) out[path][method];
        in_responses = false;
      } else if (indent == 6 && !method.empty()) {
        in_responses = text == "responses:";
      } else if (indent == 8 && in_responses && text.size() > 5 && text[0] == '\'') {
        out[path][method].insert(std::stoi(text.substr(1, 3)));
      }
    }
    return out;
  }();
  return operations;
}

std::string openapi_template(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    parts.emplace_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // api, v1, conferences, {name}, collection, {id}
  if (parts.size() >= 4 && parts[2] == "conferences") parts[3] = "{name}";
  if (parts.size() >= 6 && (parts[4] == "invitations" || parts[4] == "participants")) parts[5] = "{id}";
  // api, v1, recordings, {id}, file
  if (parts.size() >= 4 && parts[2] == "recordings") parts[3] = "{id}";
  std::string out;
  for (const auto& part : parts) out += "/" + part;
  return out;
}

namespace {

TEST(OpenApi, DocumentsTheRestApi) {
  const auto& spec = openapi_operations();
  EXPECT_EQ(spec.size(), 18u);
  ASSERT_TRUE(spec.count("/api/v1/conferences/{name}"));
  ASSERT_TRUE(spec.count("/api/v1/conferences/{name}/timeline"));
  EXPECT_TRUE(spec.at("/api/v1/conferences/{name}/timeline").at("get").count(400));
  const auto& conference = spec.at("/api/v1/conferences/{name}");
  EXPECT_TRUE(conference.count("patch"));
  EXPECT_TRUE(conference.at("patch").count(428));
  EXPECT_TRUE(conference.at("patch").count(412));
  for (const auto& [path, methods] : spec) {
    for (const auto& [method, statuses] : methods) {
      EXPECT_FALSE(statuses.empty()) << method << " " << path << " lists no responses";
      bool public_operation = path == "/api/v1/login" ||
                              (path.ends_with("/registrations") && method == "post");
      if (!public_operation) {
        EXPECT_TRUE(statuses.count(401)) << method << " " << path << " must document 401";
      }
    }
  }
}

TEST(OpenApi, Templates) {
  EXPECT_EQ(openapi_template("/api/v1/conferences"), "/api/v1/conferences");
  EXPECT_EQ(openapi_template("/api/v1/conferences/x"), "/api/v1/conferences/{name}");
  EXPECT_EQ(openapi_template("/api/v1/conferences/x/invitations/abc"),
            "/api/v1/conferences/{name}/invitations/{id}");
  EXPECT_EQ(openapi_template("/api/v1/conferences/x/participants/p3"),
            "/api/v1/conferences/{name}/participants/{id}");
}

// Each documented operation is routed: its answer is never "no such path" or "wrong method".
TEST_F(RestApiTest, EveryDocumentedOperationIsServed) {
  auto token = login("alice@example.org", kAlicePassword);
  ASSERT_EQ(create(token, "demo").status, 201);
  for (const auto& [path, methods] : openapi_operations()) {
    std::string target = path;
    if (auto at = target.find("{name}"); at != std::string::npos) target.replace(at, 6, "demo");
    if (auto at = target.find("{id}"); at != std::string::npos) target.replace(at, 4, "none");
    for (const auto& [method, statuses] : methods) {
      auto verb = http::string_to_verb(method == "delete" ? "DELETE"
                                       : method == "patch" ? "PATCH"
                                       : method == "post"  ? "POST"
                                                           : "GET");
      if (path == "/api/v1/logout") continue;  // would end the session the others use
      auto reply = request(verb, target, "{}", token, {{http::field::if_match, "\"1\""}});
      EXPECT_NE(reply.status, 405) << method << " " << target;
      if (reply.status == 404) {
        EXPECT_NE(reply.body.find("no such"), std::string::npos) << reply.body;
        EXPECT_EQ(reply.body.find("no such resource"), std::string::npos)
            << method << " " << target << " is not routed";
      }
    }
  }
  EXPECT_EQ(request(http::verb::post, "/api/v1/logout", "", token).status, 204);
}

}  // namespace
}  // namespace podium::api
