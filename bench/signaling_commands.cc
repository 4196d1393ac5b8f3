// Conference commands per second through the real server: one WebSocket client sends
// raise-hand / lower-hand pairs (pipelined, `depth` in flight), each decided by the
// domain, persisted to SQLite (snapshot + timeline) and answered.
//
//   build/bench/bench/signaling_commands [commands=4000] [depth=32]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/media_event_sink.h"
#include "api/server.h"
#include "sfu/media_server.h"
#include "store/sqlite_store.h"
#include "util/log.h"

using namespace podium;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using nlohmann::json;

int main(int argc, char** argv) {
  int commands = argc > 1 ? std::atoi(argv[1]) : 4000;
  int depth = argc > 2 ? std::atoi(argv[2]) : 32;
  log::set_level(log::Level::kWarn);
  auto dir = std::filesystem::temp_directory_path() / ("podium-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto store = std::move(*store::SqliteStore::open(dir));
  std::vector<std::uint8_t> key(32, 7);
  api::MediaEventSink sink;
  sfu::MediaServerConfig media_config;
  media_config.udp_port = 0;
  media_config.workers = 1;
  sfu::MediaServer media(media_config, sink.events());
  media.start();
  api::ServerConfig config;
  config.port = 0;
  config.key = key;
  config.store = store.get();
  api::Server server(config, media, &sink);
  server.start();
  std::thread thread([&] { server.run(); });

  asio::io_context ioc;
  beast::websocket::stream<tcp::socket> ws(ioc);
  tcp::resolver resolver(ioc);
  asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server.port())));
  auto token = api::issue_access_token(key, "bench", "Viewer", api::Role::kAttendee, std::chrono::hours(1));
  ws.handshake("127.0.0.1", "/rtc?token=" + token);
  ws.write(asio::buffer(json{{"type", "join"}, {"version", 1}}.dump()));
  auto read = [&] {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return json::parse(beast::buffers_to_string(buffer.data()));
  };
  while (read()["type"] != "welcome") {
  }
  int sent = 0, answered = 0, refused = 0;
  auto send = [&] {
    json command = {{"type", "command"}, {"id", sent}, {"command", sent % 2 ? "lower-hand" : "raise-hand"}};
    if (sent % 2 == 0) command["topic"] = "a question";
    ws.write(asio::buffer(command.dump()));
    ++sent;
  };
  auto start = std::chrono::steady_clock::now();
  while (sent < std::min(depth, commands)) send();
  while (answered < commands) {
    auto message = read();
    if (message["type"] != "result") continue;
    ++answered;
    if (!message["ok"].get<bool>()) ++refused;
    if (sent < commands) send();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d commands (%d refused) in %.2f s: %.0f commands/s, pipelined %d deep, SQLite store\n",
              answered, refused, seconds, answered / seconds, depth);
  ws.close(beast::websocket::close_code::normal);
  server.stop();
  thread.join();
  media.stop();
  std::filesystem::remove_all(dir);
  return refused == 0 ? 0 : 1;
}
