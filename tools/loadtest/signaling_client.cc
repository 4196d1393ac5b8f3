#include "tools/loadtest/signaling_client.h"

#include <deque>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace podium::loadtest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct SignalingThread::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
};

SignalingThread::SignalingThread() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

SignalingThread::~SignalingThread() { stop(); }

void SignalingThread::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
}

namespace {

class BeastWebSocket final : public WebSocketClient,
                             public std::enable_shared_from_this<BeastWebSocket> {
 public:
  BeastWebSocket(asio::io_context& io, Callbacks callbacks)
      : strand_(asio::make_strand(io)), resolver_(strand_), ws_(strand_),
        callbacks_(std::move(callbacks)) {}

  void start(std::string host, std::string port, std::string target) {
    host_ = host;
    target_ = std::move(target);
    resolver_.async_resolve(host, port, [self = shared_from_this()](beast::error_code ec,
                                                                    tcp::resolver::results_type results) {
      if (ec) return self->finish("resolve: " + ec.message());
      beast::get_lowest_layer(self->ws_).async_connect(
          results, [self](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return self->finish("connect: " + ec.message());
            beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true));
            self->ws_.async_handshake(self->host_, self->target_, [self](beast::error_code ec) {
              if (ec) return self->finish("handshake: " + ec.message());
              self->open_ = true;
              if (self->callbacks_.on_open) self->callbacks_.on_open();
              self->read();
              self->write_next();
            });
          });
    });
  }

  void send(std::string text) override {
    asio::post(strand_, [self = shared_from_this(), text = std::move(text)]() mutable {
      self->queue_.push_back(std::move(text));
      if (self->queue_.size() == 1 && self->open_) self->write_next();
    });
  }

  void close() override {
    asio::post(strand_, [self = shared_from_this()] {
      if (!self->open_ || self->closing_) return;
      self->closing_ = true;
      self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish(ec == websocket::error::closed ? "closed" : ec.message());
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->callbacks_.on_message) self->callbacks_.on_message(std::move(text));
      self->read();
    });
  }

  void write_next() {
    if (queue_.empty() || closing_ || done_) return;
    ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish("write: " + ec.message());
      self->queue_.pop_front();
      self->write_next();
    });
  }

  void finish(std::string reason) {
    if (done_) return;
    done_ = true;
    open_ = false;
    if (callbacks_.on_close) callbacks_.on_close(std::move(reason));
  }

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::string host_, target_;
  Callbacks callbacks_;
  bool open_ = false;
  bool closing_ = false;
  bool done_ = false;
};

struct HttpCall : std::enable_shared_from_this<HttpCall> {
  HttpCall(asio::io_context& io) : resolver(io), stream(io) {}
  tcp::resolver resolver;
  beast::tcp_stream stream;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  std::function<void(int, std::string)> done;

  void fail(const beast::error_code& ec) {
    if (done) done(0, ec.message());
    done = nullptr;
  }
};

}  // namespace

std::shared_ptr<WebSocketClient> WebSocketClient::connect(SignalingThread& thread, const std::string& host,
                                                          const std::string& port, const std::string& target,
                                                          Callbacks callbacks) {
  auto client = std::make_shared<BeastWebSocket>(thread.impl().io, std::move(callbacks));
  asio::post(thread.impl().io, [client, host, port, target] { client->start(host, port, target); });
  return client;
}

void http_request(SignalingThread& thread, const std::string& method, const std::string& host,
                  const std::string& port, const std::string& target, const std::string& body,
                  std::function<void(int, std::string)> done) {
  auto call = std::make_shared<HttpCall>(thread.impl().io);
  call->done = std::move(done);
  call->request.method_string(method);
  call->request.target(target);
  call->request.version(11);
  call->request.set(http::field::host, host);
  call->request.set(http::field::content_type, "application/json");
  call->request.body() = body;
  call->request.prepare_payload();
  asio::post(thread.impl().io, [call, host, port] {
    call->resolver.async_resolve(host, port, [call](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return call->fail(ec);
      call->stream.async_connect(results, [call](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return call->fail(ec);
        http::async_write(call->stream, call->request, [call](beast::error_code ec, std::size_t) {
          if (ec) return call->fail(ec);
          http::async_read(call->stream, call->buffer, call->response, [call](beast::error_code ec, std::size_t) {
            if (ec) return call->fail(ec);
            beast::error_code ignored;
            call->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            if (call->done) call->done(static_cast<int>(call->response.result_int()), call->response.body());
            call->done = nullptr;
          });
        });
      });
    });
  });
}

}  // namespace podium::loadtest
