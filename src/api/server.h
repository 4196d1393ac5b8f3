// The control plane's one listening port: HTTP/1.1 (health, metrics, WHIP/WHEP, static
// files) and the /rtc signaling WebSocket, on one thread. Routes: docs/api.md and
// docs/protocol.md.
//
//   api::MediaEventSink sink;
//   sfu::MediaServer media(media_config, sink.events());
//   api::Server server(config, media, &sink);
//   server.start();   // throws std::runtime_error if it cannot listen
//   server.run();     // until stop() from another thread or a signal handler
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/media_event_sink.h"
#include "sfu/media_server.h"
#include "store/store.h"

namespace podium::api {

struct ServerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (tests), see Server::port()
  std::filesystem::path web_root;  // empty: no static files
  std::filesystem::path app_root;  // the built browser app, served at /app/; empty: none
  std::vector<std::uint8_t> key;   // token signing key (load_or_create_server_key)
  // Serves the /api/v1 REST API; null: no REST API (503). Used only on the server's
  // thread; must outlive the Server.
  store::Store* store = nullptr;
  std::string public_url;  // base of join links (e.g. "https://podium.example"); empty: Host
  // Recording paths in the store are relative to it (the press kit packs them); empty: none.
  std::filesystem::path data_dir;
};

class Server {
 public:
  // events: where the media plane reports sessions that closed on their own; may be null.
  Server(ServerConfig config, sfu::MediaServer& media, MediaEventSink* events = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Throws std::runtime_error("cannot listen on ADDR:PORT: reason").
  void start();
  // Serves on the calling thread until stop().
  void run();
  // Thread-safe: closes the listener, the connections and the media sessions, then makes
  // run() return.
  void stop();
  // The bound port (the real one when the config asked for port 0).
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace podium::api
