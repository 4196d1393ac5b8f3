// All of the Boost.Beast code lives here: the listener, the HTTP connection and the
// WebSocket connection. What a request means is decided in HttpRouter and SignalingHub.
#include "api/server.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "api/file_slice_body.h"
#include "api/http_router.h"
#include "api/recordings.h"
#include "api/rest_router.h"
#include "api/signaling_hub.h"
#include "util/log.h"

namespace podium::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::string_view kLog = "api";
constexpr auto kHttpTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxRequestBody = 256 * 1024;  // an SDP offer with many m-sections fits
constexpr std::uint32_t kMaxRequestHeader = 16 * 1024;

// Posts onto the control thread while the server lives; afterwards (media callbacks that
// arrive late) the work is dropped instead of touching a destroyed io_context.
class ControlThread {
 public:
  explicit ControlThread(asio::io_context& ioc) : ioc_(&ioc) {}
  void post(std::function<void()> work) {
    std::lock_guard lock(mutex_);
    if (ioc_) asio::post(*ioc_, std::move(work));
  }
  void detach() {
    std::lock_guard lock(mutex_);
    ioc_ = nullptr;
  }

 private:
  std::mutex mutex_;
  asio::io_context* ioc_;
};

}  // namespace

class WebSocketSession;

// Everything the connections share; Server::Impl is this (the sessions cannot name a
// private nested type).
struct ServerCore {
  ServerCore(ServerConfig config_in, sfu::MediaServer& media_in, MediaEventSink* events_in)
      : config(std::move(config_in)),
        media(media_in),
        events(events_in),
        control(std::make_shared<ControlThread>(ioc)),
        hub(media, config.key,
            [control = control](std::function<void()> work) { control->post(std::move(work)); },
            config.store),
        rest(config.store ? std::make_unique<RestRouter>(
                                *config.store, RestConfig{config.key, config.public_url, {}, config.data_dir})
                          : nullptr),
        router(config.web_root, hub,
               {[this] { return websocket_count; }, [this] { return media.metrics_text(); }},
               rest.get()) {
    router.set_app_root(config.app_root);
    if (rest) {
      rest->participants().set_control(
          {.list = [this](std::string_view conference) { return hub.participants(conference); },
           .talk = [this](std::string_view conference) { return hub.talk(conference); },
           .change_role = [this](std::string_view conference, const std::string& participant,
                                 Role role) -> Result<bool> {
             auto events = hub.change_role(conference, participant, role);
             if (!events) return Error{events.error()};
             return true;
           },
           .remove = [this](std::string_view conference, const std::string& participant) {
             return hub.remove(conference, participant);
           }});
    }
    // Recording (docs/recording.md): files under the data directory.
    if (!config.data_dir.empty()) {
      recordings = std::make_unique<Recordings>(
          media, config.store, config.data_dir,
          [control = control](std::function<void()> work) { control->post(std::move(work)); });
      hub.set_recordings(recordings.get());
      if (rest) {
        rest->recordings().set_recording_control(
            [this](std::string_view conference, bool on) -> Result<bool> {
              auto events = hub.set_recording(conference, on);
              if (!events) return Error{events.error()};
              return on;
            });
      }
    }
  }

  void do_accept();
  void do_tick();
  void shutdown();

  ServerConfig config;
  sfu::MediaServer& media;
  MediaEventSink* events;
  // Declared before everything that holds a socket or a handler: destroyed last.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer tick_timer{ioc};
  std::shared_ptr<ControlThread> control;
  // Before the hub, which uses it: destroyed after it.
  std::unique_ptr<Recordings> recordings;
  SignalingHub hub;
  std::unique_ptr<RestRouter> rest;
  HttpRouter router;
  std::size_t websocket_count = 0;
  std::map<const WebSocketSession*, std::weak_ptr<WebSocketSession>> websockets;
  std::atomic<std::uint16_t> bound_port{0};
  bool shut_down = false;
};

struct Server::Impl : ServerCore {
  using ServerCore::ServerCore;
};

// One /rtc connection: reads text frames into the hub, writes its messages in order.
class WebSocketSession final : public SignalingPeer,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream&& stream, ServerCore& server)
      : ws_(std::move(stream)), server_(server) {}

  void start(http::request<http::string_body> request) {
    if (auto token = query_parameter(request.target(), "token")) query_token = *token;
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timers
    // Small messages, answered as soon as their input is stored: Nagle would hold a result
    // behind an unacknowledged event until the client's delayed ACK (~40 ms).
    beast::error_code nodelay;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), nodelay);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "podium"); }));
    ws_.read_message_max(kMaxSignalingMessage);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      self->on_accept(ec);
    });
  }

  void send(std::string text) override {
    if (closed_ || close_requested_) return;
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) do_write();
  }

  void close() override {
    if (close_requested_) return;
    close_requested_ = true;
    if (queue_.empty()) do_close();
  }

  void shut_down() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      log::info(kLog, "websocket handshake failed: {}", ec.message());
      return;
    }
    accepted_ = true;
    ++server_.websocket_count;
    server_.websockets[this] = weak_from_this();
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_disconnect(ec);
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!ws_.got_text()) {
      send(error_message(ErrorCode::kBadRequest, "binary frames are not part of the protocol"));
    } else {
      server_.hub.on_message(shared_from_this(), text);
    }
    if (!closed_) do_read();
  }

  void do_write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      queue_.clear();
      return on_disconnect(ec);
    }
    queue_.pop_front();
    if (!queue_.empty()) return do_write();
    if (close_requested_) do_close();
  }

  void do_close() {
    if (closing_ || closed_) return;
    closing_ = true;
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code) { self->on_disconnect({}); });
  }

  void on_disconnect(beast::error_code ec) {
    if (closed_) return;
    closed_ = true;
    if (!accepted_) return;
    --server_.websocket_count;
    server_.websockets.erase(this);
    server_.hub.on_closed(*this);
    if (ec && ec != websocket::error::closed && ec != asio::error::operation_aborted) {
      log::debug(kLog, "websocket closed: {}", ec.message());
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool accepted_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

namespace {

// One HTTP/1.1 connection: read a request, answer it, keep alive until the client is done.
class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, ServerCore& server)
      : stream_(std::move(socket)), server_(server) {}

  void run() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    parser_->header_limit(kMaxRequestHeader);
    // Covers slow senders and idle keep-alive connections alike.
    stream_.expires_after(kHttpTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return shut_down();
    if (ec == http::error::body_limit) {
      return write(json_response(413, "request body too large"), 11, false, false);
    }
    if (ec == http::error::header_limit) {
      return write(json_response(431, "request header too large"), 11, false, false);
    }
    if (ec) return;  // timeout, reset, garbage: nothing sensible to answer
    auto request = parser_->release();
    std::string_view target = request.target();
    auto path = target.substr(0, target.find('?'));
    if (websocket::is_upgrade(request) && path == "/rtc") {
      std::make_shared<WebSocketSession>(std::move(stream_), server_)->start(std::move(request));
      return;
    }
    HttpRequest routed{std::string(request.method_string()), std::string(target),
                       std::string(request[http::field::authorization]),
                       std::string(request[http::field::content_type]),
                       std::move(request.body()),
                       std::string(request[http::field::if_match]),
                       std::string(request[http::field::host]),
                       std::string(request[http::field::range])};
    bool head = request.method() == http::verb::head;
    server_.router.handle(routed, [self = shared_from_this(), version = request.version(),
                                   keep_alive = request.keep_alive(),
                                   head](HttpResponse response) {
      self->write(std::move(response), version, keep_alive, head);
    });
  }

  static HttpResponse json_response(int status, std::string_view message) {
    auto reply = json_error_reply(status, message);
    return {reply.status, reply.content_type, reply.body, {}};
  }

  void write(HttpResponse response, unsigned version, bool keep_alive, bool head) {
    if (response.file) return write_file(std::move(response), version, keep_alive, head);
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version);
    message->set(http::field::server, "podium");
    if (!response.content_type.empty()) message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive);
    message->body() = std::move(response.body);
    message->prepare_payload();
    if (head) message->body().clear();  // Content-Length stays that of the GET
    stream_.expires_after(kHttpTimeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!message->keep_alive()) return self->shut_down();
                        self->do_read();
                      });
  }

  // A body read from a file while it is sent (recordings, docs/recording.md).
  void write_file(HttpResponse response, unsigned version, bool keep_alive, bool head) {
    FileSliceBody::value_type body;
    beast::error_code ec;
    body.file.open(response.file->path.c_str(), beast::file_mode::read, ec);
    if (ec) return write(json_response(404, "the file is gone"), version, keep_alive, false);
    body.offset = response.file->offset;
    body.length = head ? 0 : response.file->length;
    auto message = std::make_shared<http::response<FileSliceBody>>(
        std::piecewise_construct, std::make_tuple(std::move(body)),
        std::make_tuple(static_cast<http::status>(response.status), version));
    message->set(http::field::server, "podium");
    if (!response.content_type.empty()) message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive);
    message->content_length(response.file->length);  // HEAD: that of the GET
    stream_.expires_never();  // a large file may take longer than kHttpTimeout
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!message->keep_alive()) return self->shut_down();
                        self->do_read();
                      });
  }

  void shut_down() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void ServerCore::do_accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<HttpSession>(std::move(socket), *this)->run();
    } else {
      log::warn(kLog, "accept failed: {}", ec.message());
    }
    do_accept();
  });
}

// Floor timers are checked four times a second: warnings and time-up land within 250 ms.
void ServerCore::do_tick() {
  tick_timer.expires_after(std::chrono::milliseconds(250));
  tick_timer.async_wait([this](beast::error_code ec) {
    if (ec || shut_down) return;
    try {
      hub.tick();
    } catch (const std::exception& e) {
      log::error(kLog, "conference tick failed: {}", e.what());
    }
    do_tick();
  });
}

void ServerCore::shutdown() {
  if (shut_down) return;
  shut_down = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  tick_timer.cancel();
  for (auto& [raw, weak] : websockets) {
    if (auto session = weak.lock()) session->shut_down();
  }
  hub.close_all();
  log::info(kLog, "stopped");
}

Server::Server(ServerConfig config, sfu::MediaServer& media, MediaEventSink* events)
    : impl_(std::make_unique<Impl>(std::move(config), media, events)) {
  if (events) {
    events->connect([control = impl_->control, hub = &impl_->hub](
                        sfu::SessionId session, std::vector<std::string> removed) {
      control->post([hub, session, removed = std::move(removed)]() mutable {
        hub->on_media_session_closed(session, std::move(removed));
      });
    }, [control = impl_->control, hub = &impl_->hub](std::string conference, std::string participant) {
      control->post([hub, conference = std::move(conference), participant = std::move(participant)] {
        hub->on_active_speaker(conference, participant);
      });
    });
  }
}

Server::~Server() {
  if (impl_->events) impl_->events->disconnect();
  impl_->control->detach();
  impl_->shutdown();
}

void Server::start() {
  auto& acceptor = impl_->acceptor;
  const auto& config = impl_->config;
  auto fail = [&](const beast::error_code& ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{}: {}", config.address, config.port, ec.message()));
  };
  beast::error_code ec;
  auto address = asio::ip::make_address(config.address, ec);
  if (ec) fail(ec);
  tcp::endpoint endpoint(address, config.port);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail(ec);
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail(ec);
  acceptor.bind(endpoint, ec);
  if (ec) fail(ec);
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec);
  impl_->bound_port = acceptor.local_endpoint().port();
  log::info(kLog, "listening on http://{}:{}", config.address, impl_->bound_port.load());
  impl_->do_accept();
  impl_->do_tick();
}

void Server::run() { impl_->ioc.run(); }

void Server::stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] {
    impl->shutdown();
    impl->ioc.stop();
  });
}

std::uint16_t Server::port() const { return impl_->bound_port.load(); }

}  // namespace podium::api
