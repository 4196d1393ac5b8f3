// A real Server on a loopback port with a real SQLite store in a temp dir, two organizers,
// and an HTTP client. Every response a test receives is checked against docs/openapi.yaml
// when the test ends.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/rest_accounts.h"
#include "api/server.h"
#include "store/sqlite_store.h"

namespace podium::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

// Operations of docs/openapi.yaml: path template → method → documented statuses.
using OpenApiOperations = std::map<std::string, std::map<std::string, std::set<int>>>;
const OpenApiOperations& openapi_operations();
// "/api/v1/conferences/x/invitations/y" → "/api/v1/conferences/{name}/invitations/{id}".
std::string openapi_template(std::string_view path);

struct Seen {
  std::string method;
  std::string path;
  int status;
};

constexpr std::string_view kAlicePassword = "alice-has-a-long-password";
constexpr std::string_view kBobPassword = "bob-has-another-long-one";

struct Reply {
  int status = 0;
  std::string body;
  http::fields headers;
  json document() const { return json::parse(body, nullptr, false); }
};

class RestApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium-rest-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto opened = store::SqliteStore::open(dir_);
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(*opened);
    // Before the server thread starts, this thread may use the store.
    ASSERT_TRUE(create_organizer(*store_, "alice@example.org", kAlicePassword));
    ASSERT_TRUE(create_organizer(*store_, "bob@example.org", kBobPassword));

    sfu::MediaServerConfig media_config;
    media_config.udp_port = 0;
    media_ = std::make_unique<sfu::MediaServer>(media_config, sink_.events());
    media_->start();
    ServerConfig config;
    config.port = 0;
    config.key = key_;
    config.store = store_.get();
    config.data_dir = dir_;
    server_ = std::make_unique<Server>(config, *media_, &sink_);
    server_->start();
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    expect_documented();
    server_->stop();
    thread_.join();
    server_.reset();
    media_->stop();
    media_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply request(http::verb verb, const std::string& target, const std::string& body = "",
                const std::string& bearer = "",
                std::vector<std::pair<http::field, std::string>> fields = {}) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    tcp::resolver resolver(ioc);
    asio::connect(socket, resolver.resolve("127.0.0.1", std::to_string(server_->port())));
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "podium.test:8080");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    for (const auto& [name, value] : fields) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    http::read(socket, buffer, parser);
    auto res = parser.release();
    Reply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    for (const auto& field : res) reply.headers.set(field.name_string(), field.value());
    std::string_view path(target);
    seen_.push_back({std::string(req.method_string()), std::string(path.substr(0, path.find('?'))),
                     reply.status});
    return reply;
  }

  std::string login(std::string_view email, std::string_view password) {
    auto reply = request(http::verb::post, "/api/v1/login",
                         json{{"email", email}, {"password", password}}.dump());
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.document().value("token", "");
  }

  Reply create(const std::string& token, const std::string& name, json extra = json::object()) {
    extra["name"] = name;
    if (!extra.contains("title")) extra["title"] = "Conference " + name;
    return request(http::verb::post, "/api/v1/conferences", extra.dump(), token);
  }

  static void expect_problem(const Reply& reply, int status) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.headers[http::field::content_type], "application/problem+json") << reply.body;
    auto body = reply.document();
    ASSERT_TRUE(body.is_object()) << reply.body;
    EXPECT_EQ(body["status"], status);
    EXPECT_TRUE(body["title"].is_string());
    EXPECT_TRUE(body["detail"].is_string());
    EXPECT_EQ(body["type"], "about:blank");
  }

  std::filesystem::path dir_;
  std::vector<std::uint8_t> key_ = std::vector<std::uint8_t>(32, 0x42);
  std::unique_ptr<store::SqliteStore> store_;
  MediaEventSink sink_;
  std::unique_ptr<sfu::MediaServer> media_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::vector<Seen> seen_;

 private:
  // A documented operation answers only documented statuses; anything else is 404 (no such
  // path) or 405 (no such method).
  void expect_documented() const {
    const auto& spec = openapi_operations();
    for (const auto& seen : seen_) {
      auto path = spec.find(openapi_template(seen.path));
      std::string method = seen.method;
      for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (path == spec.end()) {
        EXPECT_EQ(seen.status, 404) << seen.method << " " << seen.path << " is not documented";
        continue;
      }
      auto operation = path->second.find(method);
      if (operation == path->second.end()) {
        EXPECT_EQ(seen.status, 405) << seen.method << " " << path->first << " is not documented";
        continue;
      }
      EXPECT_TRUE(operation->second.count(seen.status))
          << seen.method << " " << path->first << " answered " << seen.status
          << ", which docs/openapi.yaml does not list";
    }
  }
};


}  // namespace podium::api
