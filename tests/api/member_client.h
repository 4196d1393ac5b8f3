// A signaling client for the conference tests: joins on construction, keeps every
// conference event and every other message it reads, sends commands and waits for their
// results.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace podium::api::test_support {

class Member {
 public:
  using json = nlohmann::json;
  using tcp = boost::asio::ip::tcp;

  Member(std::uint16_t port, std::string token)
      : ws_(std::make_unique<boost::beast::websocket::stream<tcp::socket>>(ioc_)) {
    tcp::resolver resolver(ioc_);
    boost::asio::connect(ws_->next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_->handshake("127.0.0.1", "/rtc?token=" + token);
    send(json{{"type", "join"}, {"version", 1}});
    welcome = next_of("welcome");
    id = welcome["participant"]["id"];
  }

  void send(const json& message) { ws_->write(boost::asio::buffer(message.dump())); }

  json read() {
    boost::beast::flat_buffer buffer;
    ws_->read(buffer);
    auto message = json::parse(boost::beast::buffers_to_string(buffer.data()));
    if (message["type"] == "event") {
      events.push_back(message["event"]);
    } else {
      messages.push_back(message);
    }
    return message;
  }

  json next_of(const std::string& type) {
    for (;;) {
      auto message = read();
      if (message["type"] == type) return message;
    }
  }

  // Sends a command and returns its result (events read meanwhile are kept).
  json command(const std::string& name, json args = json::object()) {
    args["type"] = "command";
    args["id"] = ++next_id_;
    args["command"] = name;
    send(args);
    for (;;) {
      auto message = read();
      if (message["type"] == "result" && message["id"] == next_id_) return message;
    }
  }

  // Reads until a pong: everything sent to this client before the ping has arrived.
  void sync() {
    send(json{{"type", "ping"}});
    next_of("pong");
  }

  // True when the server closed the connection (after any messages still queued).
  bool closed_by_server() {
    for (;;) {
      boost::beast::flat_buffer buffer;
      boost::beast::error_code ec;
      ws_->read(buffer, ec);
      if (ec) return ec == boost::beast::websocket::error::closed;
      auto message = json::parse(boost::beast::buffers_to_string(buffer.data()));
      if (message["type"] == "event") {
        events.push_back(message["event"]);
      } else {
        messages.push_back(message);
      }
    }
  }

  std::vector<std::string> event_types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e["type"]);
    return out;
  }
  bool saw(const std::string& type) const {
    for (const auto& e : events)
      if (e["type"] == type) return true;
    return false;
  }
  // The non-event messages of this type read so far.
  std::vector<json> messages_of(const std::string& type) const {
    std::vector<json> out;
    for (const auto& m : messages)
      if (m["type"] == type) out.push_back(m);
    return out;
  }

  json welcome;
  std::string id;
  std::vector<json> events;    // conference events, in the order received
  std::vector<json> messages;  // everything else, the welcome included

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::websocket::stream<tcp::socket>> ws_;
  int next_id_ = 0;
};

}  // namespace podium::api::test_support
