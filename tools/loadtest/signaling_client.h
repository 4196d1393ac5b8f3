// WebSocket clients for Podium's signaling (/rtc) and an HTTP client for Janus, all on
// one Boost.Asio thread so hundreds of simulated participants need no thread each.
// Callbacks run on that thread; the owner moves work to its own loop. Boost stays in
// the .cc file.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace podium::loadtest {

class SignalingThread {
 public:
  SignalingThread();
  ~SignalingThread();  // stops and joins
  SignalingThread(const SignalingThread&) = delete;
  SignalingThread& operator=(const SignalingThread&) = delete;
  void stop();

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

class WebSocketClient {
 public:
  struct Callbacks {
    std::function<void()> on_open;
    std::function<void(std::string)> on_message;
    std::function<void(std::string)> on_close;  // reason; once, after open or a failed connect
  };
  // ws://HOST:PORT/TARGET; connects at once.
  static std::shared_ptr<WebSocketClient> connect(SignalingThread& thread, const std::string& host,
                                                  const std::string& port, const std::string& target,
                                                  Callbacks callbacks);
  virtual ~WebSocketClient() = default;
  // Thread-safe; messages go out in order.
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
};

// One HTTP/1.1 request on a fresh connection; thread-safe. `done` gets the status (0 on a
// transport error) and the body.
void http_request(SignalingThread& thread, const std::string& method, const std::string& host,
                  const std::string& port, const std::string& target, const std::string& body,
                  std::function<void(int, std::string)> done);

}  // namespace podium::loadtest
