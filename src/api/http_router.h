// HTTP routes of the control plane, independent of the socket code: /healthz, /metrics,
// WHIP/WHEP, static files and CORS. See docs/api.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/signaling_hub.h"

namespace podium::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as received
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string if_match;  // the REST API's edits (RFC 9110 §13.1.1)
  std::string host;      // the base of join links when no public URL is configured
  std::string range;     // RFC 9110 §14.2, for file downloads
};

// A body read from a file as it is sent, instead of `body` (large recordings).
struct FileSlice {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<FileSlice> file = std::nullopt;  // when set, the body (Content-Length: file->length)
};

// Maps a request path to a file under root: rejects "..", backslashes, NUL and anything
// that resolves (symlinks included) outside root. "/" is index.html.
std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root,
                                                         std::string_view path);
std::string_view content_type_for(const std::filesystem::path& file);
// %XX decoding of a path; nullopt on a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text);
// The value of a query parameter in "path?a=1&b=2", percent-decoded.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

class RestRouter;

class HttpRouter {
 public:
  struct Gauges {
    std::function<std::size_t()> websocket_connections;
    std::function<std::string()> media_metrics;
  };

  // rest: serves /api/v1 (null: those paths answer 503, there is no store).
  // The built browser app is served under /app/ from app_root (empty: none).
  void set_app_root(std::filesystem::path app_root) { app_root_ = std::move(app_root); }

  HttpRouter(std::filesystem::path web_root, SignalingHub& hub, Gauges gauges,
             RestRouter* rest = nullptr);

  // done runs exactly once, possibly later (WHIP/WHEP wait for the media plane). Any
  // exception becomes a JSON 500; the caller's socket code does not see it.
  void handle(const HttpRequest& request, std::function<void(HttpResponse)> done);

 private:
  void route(const HttpRequest& request, const std::function<void(HttpResponse)>& done);
  HttpResponse static_file(std::string_view path) const;
  // The browser app under /app/: its files, and index.html for every app route.
  HttpResponse app_file(std::string_view path) const;
  std::string metrics_text() const;
  void count(int status) { ++responses_by_status_[status]; }

  std::filesystem::path web_root_;
  std::filesystem::path app_root_;
  SignalingHub& hub_;
  Gauges gauges_;
  RestRouter* rest_;
  std::map<int, std::uint64_t> responses_by_status_;
};

}  // namespace podium::api
