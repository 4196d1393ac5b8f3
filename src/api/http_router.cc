#include "api/http_router.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/rest_http.h"
#include "api/rest_router.h"
#include "sfu/media_server.h"
#include "util/log.h"

namespace podium::api {
namespace {

constexpr std::string_view kLog = "http";

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = path.find('/');
    parts.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return parts;
}

bool has_dot_dot_segment(std::string_view path) {
  for (auto part : split_path(path)) {
    if (part == "..") return true;
  }
  return false;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpResponse to_response(const HttpReply& reply) {
  HttpResponse response;
  response.status = reply.status;
  response.content_type = reply.content_type;
  response.body = reply.body;
  if (!reply.location.empty()) response.headers.emplace_back("Location", reply.location);
  return response;
}

HttpResponse json_error(int status, std::string_view message) {
  return to_response(json_error_reply(status, message));
}

void add_cors_headers(HttpResponse& response) {
  // Browsers on another origin (a WHIP encoder page, the dev server) may call us.
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  response.headers.emplace_back("Access-Control-Expose-Headers", "Location, Link, ETag");
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  auto query = target.substr(question + 1);
  while (!query.empty()) {
    auto end = query.find('&');
    auto pair = query.substr(0, end);
    auto equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return percent_decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root,
                                                         std::string_view path) {
  if (root.empty() || path.empty() || path.front() != '/') return std::nullopt;
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  if (has_dot_dot_segment(path)) return std::nullopt;
  std::filesystem::path relative;
  for (auto part : split_path(path)) {
    if (part == ".") continue;
    relative /= std::string(part);
  }
  if (relative.empty()) relative = "index.html";

  std::error_code ec;
  auto canonical_root = std::filesystem::canonical(root, ec);
  if (ec) return std::nullopt;
  auto file = std::filesystem::weakly_canonical(canonical_root / relative, ec);
  if (ec) return std::nullopt;
  // A symlink may still point outside the root: compare the resolved paths.
  auto [root_end, file_it] = std::mismatch(canonical_root.begin(), canonical_root.end(),
                                           file.begin(), file.end());
  if (root_end != canonical_root.end()) return std::nullopt;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

std::string_view content_type_for(const std::filesystem::path& file) {
  auto ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

HttpRouter::HttpRouter(std::filesystem::path web_root, SignalingHub& hub, Gauges gauges,
                       RestRouter* rest)
    : web_root_(std::move(web_root)), hub_(hub), gauges_(std::move(gauges)), rest_(rest) {}

void HttpRouter::handle(const HttpRequest& request, std::function<void(HttpResponse)> done) {
  auto finish = [this, done = std::move(done), method = request.method,
                 target = request.target](HttpResponse response) {
    count(response.status);
    if (response.status >= 400) {
      log::info(kLog, "{} {} -> {}: {}", method, target.substr(0, 200), response.status,
                response.body.substr(0, 200));
    }
    add_cors_headers(response);
    done(std::move(response));
  };
  // The one boundary: an exception in a request becomes a JSON error and the server goes on.
  try {
    route(request, finish);
  } catch (const std::exception& e) {
    log::error(kLog, "{} {} failed: {}", request.method, request.target.substr(0, 200), e.what());
    finish(json_error(500, e.what()));
  }
}

void HttpRouter::route(const HttpRequest& request,
                       const std::function<void(HttpResponse)>& done) {
  std::string_view target = request.target;
  std::string_view path = target.substr(0, target.find('?'));
  const auto& method = request.method;

  if (method == "OPTIONS") {
    // CORS preflight (Fetch standard §3.2.2): answer it for every path.
    HttpResponse response;
    response.status = 204;
    response.headers = {
        {"Access-Control-Allow-Methods", "GET, POST, DELETE, PATCH, OPTIONS"},
        {"Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match"},
        {"Access-Control-Max-Age", "86400"}};
    return done(std::move(response));
  }
  if (path == "/healthz") {
    if (method != "GET" && method != "HEAD") return done(json_error(405, "use GET"));
    return done({200, "text/plain; charset=utf-8", "ok", {}});
  }
  if (path == "/metrics") {
    if (method != "GET" && method != "HEAD") return done(json_error(405, "use GET"));
    return done({200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(), {}});
  }
  if (path == "/rtc") return done(json_error(426, "WebSocket upgrade required"));
  if (path == "/api/v1" || path.rfind("/api/v1/", 0) == 0) {
    if (!rest_) return done(problem(503, "the REST API needs a store (podium serve opens one)"));
    return done(rest_->handle(request));
  }

  auto parts = split_path(path);
  if (!parts.empty() && (parts[0] == "whip" || parts[0] == "whep")) {
    auto ingest = parts[0] == "whip" ? HttpIngest::kWhip : HttpIngest::kWhep;
    if (parts.size() < 2 || parts.size() > 3) return done(json_error(404, "no such resource"));
    if (!is_valid_conference_name(parts[1])) {
      return done(json_error(400, "invalid conference name: use 1-64 characters of A-Z a-z 0-9 . _ -"));
    }
    if (parts.size() == 2) {
      if (method != "POST") return done(json_error(405, "use POST to create a session"));
      // WHEP ?lang=xx: the program of language xx as the audio (docs/interpretation.md).
      std::string language;
      if (auto lang = query_parameter(target, "lang"); lang && ingest == HttpIngest::kWhep) {
        if (*lang != "floor" && !sfu::is_valid_language_code(*lang))
          return done(json_error(400, "invalid lang: use a language code (e.g. ru, pt-BR) or floor"));
        language = *lang;
      }
      return hub_.create_http_session(
          ingest, parts[1], request.authorization, request.content_type, request.body,
          [done](HttpReply reply) { done(to_response(reply)); }, std::move(language));
    }
    if (method == "DELETE") return done(to_response(hub_.delete_http_session(ingest, parts[1], parts[2])));
    if (method == "PATCH") {
      // RFC 9725 §4.3.1: the server is ICE-lite and its answer holds all its candidates,
      // so there is nothing to trickle.
      return done(json_error(405, "trickle ICE and ICE restarts are not supported"));
    }
    return done(json_error(405, "use DELETE to end the session"));
  }

  if (method != "GET" && method != "HEAD") return done(json_error(404, "not found"));
  if (!app_root_.empty() && (path == "/app" || path.substr(0, 5) == "/app/"))
    return done(app_file(path.substr(4)));
  return done(static_file(path));
}

HttpResponse HttpRouter::app_file(std::string_view raw_path) const {
  auto path = percent_decode(raw_path);
  if (!path) return json_error(400, "malformed percent-encoding in path");
  if (has_dot_dot_segment(*path)) return json_error(400, "'..' is not allowed in paths");
  auto file = resolve_static_path(app_root_, path->empty() ? "/" : *path);
  // A route of the app (/app/stage, /app/console/...) is the app's entry page.
  if (!file && path->rfind("/assets/", 0) != 0) file = resolve_static_path(app_root_, "/");
  if (!file) return json_error(404, "not found");
  std::ifstream in(*file, std::ios::binary);
  if (!in) return json_error(404, "not found");
  std::stringstream content;
  content << in.rdbuf();
  HttpResponse response{200, std::string(content_type_for(*file)), content.str(), {}};
  if (file->filename() == "index.html") {
    response.headers.emplace_back("Cache-Control", "no-cache");
  } else if (path->rfind("/assets/", 0) == 0) {
    // Vite names built assets by content hash: a new build means a new name.
    response.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  }
  return response;
}

HttpResponse HttpRouter::static_file(std::string_view raw_path) const {
  auto path = percent_decode(raw_path);
  if (!path) return json_error(400, "malformed percent-encoding in path");
  if (has_dot_dot_segment(*path)) return json_error(400, "'..' is not allowed in paths");
  auto file = resolve_static_path(web_root_, *path);
  if (!file) return json_error(404, "not found");
  std::ifstream in(*file, std::ios::binary);
  if (!in) return json_error(404, "not found");
  std::stringstream content;
  content << in.rdbuf();
  HttpResponse response{200, std::string(content_type_for(*file)), content.str(), {}};
  // The app's entry page must be revalidated so a new build reaches every browser.
  if (file->filename() == "index.html") response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

std::string HttpRouter::metrics_text() const {
  std::string out;
  out += "# HELP podium_http_requests_total HTTP responses by status code.\n";
  out += "# TYPE podium_http_requests_total counter\n";
  for (const auto& [status, count] : responses_by_status_) {
    out += fmt::format("podium_http_requests_total{{code=\"{}\"}} {}\n", status, count);
  }
  out += "# HELP podium_websocket_connections Open signaling WebSockets.\n";
  out += "# TYPE podium_websocket_connections gauge\n";
  out += fmt::format("podium_websocket_connections {}\n",
                     gauges_.websocket_connections ? gauges_.websocket_connections() : 0);
  out += "# HELP podium_conferences Conferences with at least one participant.\n";
  out += "# TYPE podium_conferences gauge\n";
  out += fmt::format("podium_conferences {}\n", hub_.conference_count());
  out += "# HELP podium_participants Participants (WebSocket, WHIP and WHEP).\n";
  out += "# TYPE podium_participants gauge\n";
  out += fmt::format("podium_participants {}\n", hub_.participant_count());
  out += "# HELP podium_signaling_messages_total Signaling messages by outcome.\n";
  out += "# TYPE podium_signaling_messages_total counter\n";
  out += fmt::format("podium_signaling_messages_total{{result=\"ok\"}} {}\n", hub_.messages_ok());
  out += fmt::format("podium_signaling_messages_total{{result=\"error\"}} {}\n",
                     hub_.messages_error());
  if (gauges_.media_metrics) out += gauges_.media_metrics();
  return out;
}

}  // namespace podium::api
