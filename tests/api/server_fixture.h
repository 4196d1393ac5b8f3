// A real Server (no store) on a loopback port with a real MediaServer, an HTTP client
// and a WebSocket client: the fixture of the api tests that talk over sockets.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/media_event_sink.h"
#include "api/server.h"
#include "sfu/media_server.h"

namespace podium::api::test_support {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

struct HttpResult {
  int status = 0;
  std::string body;
  http::fields headers;
};

class WsClient {
 public:
  WsClient(std::uint16_t port, const std::string& target) {
    tcp::resolver resolver(ioc_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", target);
  }
  void send(const std::string& text) { ws_.write(asio::buffer(text)); }
  void send(const json& message) { send(message.dump()); }
  // Conference events (tests/api/conference_signaling_test.cc) are skipped: these tests
  // are about the media signaling around them.
  json read() {
    for (;;) {
      beast::flat_buffer buffer;
      ws_.read(buffer);
      auto message = json::parse(beast::buffers_to_string(buffer.data()));
      if (message["type"] != "event") return message;
    }
  }
  // The next message as sent, conference events and batches included.
  json read_any() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return json::parse(beast::buffers_to_string(buffer.data()));
  }
  // Reads until the next message of this type; fails on anything else in between.
  json expect(const std::string& type) {
    auto message = read();
    EXPECT_EQ(message["type"], type) << message.dump();
    return message;
  }
  // A ping answered by a pong proves nothing else was queued for this client before it.
  void expect_nothing_pending() {
    send(json{{"type", "ping"}});
    expect("pong");
  }
  bool closed_by_server() {
    for (;;) {
      beast::flat_buffer buffer;
      beast::error_code ec;
      ws_.read(buffer, ec);
      if (ec) return ec == websocket::error::closed;
      if (json::parse(beast::buffers_to_string(buffer.data()))["type"] != "event") return false;
    }
  }
  void close() { ws_.close(websocket::close_code::normal); }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
};

// One HTTP/1.1 request to the server on 127.0.0.1:port, on a connection of its own.
inline HttpResult http_request(std::uint16_t port, http::verb verb, const std::string& target,
                               const std::string& body = "",
                               const std::vector<std::pair<http::field, std::string>>& fields = {}) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  tcp::resolver resolver(ioc);
  asio::connect(socket, resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : fields) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  HttpResult result;
  result.status = static_cast<int>(res.result_int());
  result.body = res.body();
  for (const auto& field : res) result.headers.set(field.name_string(), field.value());
  return result;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("podium-server-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "web" / "js");
    std::ofstream(dir_ / "web" / "index.html") << "<!doctype html><title>podium</title>";
    std::ofstream(dir_ / "web" / "js" / "app.js") << "export const x = 1;";
    std::ofstream(dir_ / "secret.txt") << "top secret";
    // The browser app as Vite builds it: an entry page and content-hashed assets.
    std::filesystem::create_directories(dir_ / "app" / "assets");
    std::ofstream(dir_ / "app" / "index.html") << "<!doctype html><title>podium app</title>";
    std::ofstream(dir_ / "app" / "assets" / "index-3f9a1c.js") << "console.log(1);";

    sfu::MediaServerConfig media_config;
    media_config.udp_port = 0;  // any free loopback port
    media_ = std::make_unique<sfu::MediaServer>(media_config, sink_.events());
    media_->start();
    ServerConfig config;
    config.port = 0;
    config.web_root = dir_ / "web";
    config.app_root = dir_ / "app";
    config.key = key_;
    server_ = std::make_unique<Server>(config, *media_, &sink_);
    server_->start();
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    server_->stop();
    thread_.join();
    server_.reset();
    media_->stop();
    media_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string token(const std::string& conference, const std::string& name, Role role,
                    std::chrono::seconds ttl = std::chrono::hours(1)) {
    return issue_access_token(key_, conference, name, role, ttl);
  }

  HttpResult request(http::verb verb, const std::string& target, const std::string& body = "",
                     const std::vector<std::pair<http::field, std::string>>& fields = {}) {
    return http_request(server_->port(), verb, target, body, fields);
  }

  HttpResult post_sdp(const std::string& target, const std::string& bearer,
                      const std::string& content_type = "application/sdp") {
    std::vector<std::pair<http::field, std::string>> fields = {
        {http::field::content_type, content_type}};
    if (!bearer.empty()) fields.emplace_back(http::field::authorization, "Bearer " + bearer);
    return request(http::verb::post, target, "v=0\r\n", fields);
  }

  std::string metrics() { return request(http::verb::get, "/metrics").body; }

  std::unique_ptr<WsClient> join(const std::string& conference, const std::string& name,
                                 Role role = Role::kSpeaker) {
    auto client = std::make_unique<WsClient>(server_->port(),
                                             "/rtc?token=" + token(conference, name, role));
    client->send(json{{"type", "join"}, {"version", 1}});
    return client;
  }

  static void expect_json_error(const HttpResult& result, int status) {
    EXPECT_EQ(result.status, status) << result.body;
    auto body = json::parse(result.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << result.body;
    EXPECT_TRUE(body["error"].is_string()) << result.body;
  }

  std::filesystem::path dir_;
  std::vector<std::uint8_t> key_ = std::vector<std::uint8_t>(32, 0x5a);
  MediaEventSink sink_;
  std::unique_ptr<sfu::MediaServer> media_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

}  // namespace podium::api::test_support
