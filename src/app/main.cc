// podium: the conference server and its small command-line companions.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/media_event_sink.h"
#include "api/rest_accounts.h"
#include "api/server.h"
#include "app/config.h"
#include "sfu/media_server.h"
#include "store/sqlite_store.h"
#include "util/log.h"

#ifndef PODIUM_DEFAULT_APP_ROOT
#define PODIUM_DEFAULT_APP_ROOT "web/app/dist"
#endif
#ifndef PODIUM_DEFAULT_WEB_ROOT
#define PODIUM_DEFAULT_WEB_ROOT "web/static"
#endif

namespace podium::app {
namespace {

constexpr const char* kUsage = R"(usage:
  podium serve [--config FILE] [--http ADDR:PORT] [--udp ADDR:PORT] [--tcp ADDR:PORT|off]
               [--announce IP] [--workers N] [--worker-sessions-before-spread N] [--udp-gso on|off]
               [--data-dir DIR] [--web-root DIR] [--log-level LEVEL]
  podium token --conference NAME --name DISPLAY --role ROLE [--ttl DURATION] [--data-dir DIR]
  podium admin create-organizer --email EMAIL [--password-stdin] [--data-dir DIR]
  podium version

roles: organizer, moderator, speaker, interpreter, attendee, press
durations: 90s, 30m, 24h, 7d
)";

int fail(const std::string& message) {
  std::fprintf(stderr, "podium: %s\n", message.c_str());
  return 2;
}

// Flags of the form --name VALUE; every flag takes a value.
std::optional<std::string> parse_flags(int argc, char** argv, int first,
                                       const std::vector<std::string>& known,
                                       std::vector<std::pair<std::string, std::string>>& out) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (arg.rfind("--", 0) != 0) return fmt::format("unexpected argument '{}'", arg);
    std::string name = arg.substr(2);
    if (std::find(known.begin(), known.end(), name) == known.end())
      return fmt::format("unknown option '{}'", arg);
    if (!has_value) {
      if (i + 1 >= argc) return fmt::format("option '{}' needs a value", arg);
      value = argv[++i];
    }
    out.emplace_back(name, value);
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  char unit = text.back();
  std::string digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  long long n = std::stoll(digits);
  switch (unit) {
    case 's': return std::chrono::seconds(n);
    case 'm': return std::chrono::seconds(n * 60);
    case 'h': return std::chrono::seconds(n * 3600);
    case 'd': return std::chrono::seconds(n * 86400);
    default: return std::nullopt;
  }
}

int run_token(int argc, char** argv) {
  std::vector<std::pair<std::string, std::string>> flags;
  if (auto err = parse_flags(argc, argv, 2, {"conference", "name", "role", "ttl", "data-dir"}, flags))
    return fail(*err + "\n" + kUsage);
  std::string conference, name, role_text, ttl_text = "24h", data_dir = "./data";
  for (auto& [k, v] : flags) {
    if (k == "conference") conference = v;
    else if (k == "name") name = v;
    else if (k == "role") role_text = v;
    else if (k == "ttl") ttl_text = v;
    else if (k == "data-dir") data_dir = v;
  }
  if (conference.empty() || name.empty() || role_text.empty())
    return fail("token needs --conference, --name and --role");
  if (!api::is_valid_conference_name(conference))
    return fail(fmt::format("--conference '{}': use 1-64 characters of A-Z a-z 0-9 . _ -", conference));
  auto role = api::parse_role(role_text);
  if (!role) return fail(fmt::format("--role '{}' is not one of organizer, moderator, speaker, "
                                     "interpreter, attendee, press", role_text));
  auto ttl = parse_duration(ttl_text);
  if (!ttl || ttl->count() <= 0) return fail(fmt::format("--ttl '{}' is not a duration like 30m or 24h", ttl_text));
  auto key = api::load_or_create_server_key(data_dir);
  if (!key) return fail(key.error());
  try {
    std::cout << api::issue_access_token(*key, conference, name, *role, *ttl) << "\n";
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  }
  return 0;
}

// Prints a generated one-time password, or takes one line from stdin with --password-stdin.
// There is no default password: an organizer exists only once this has run.
int run_create_organizer(int argc, char** argv) {
  std::string email, data_dir = "./data";
  bool password_stdin = false;
  std::vector<std::string> rest;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--password-stdin") == 0) {
      password_stdin = true;
    } else {
      rest.emplace_back(argv[i]);
    }
  }
  std::vector<char*> rest_argv;
  for (auto& arg : rest) rest_argv.push_back(arg.data());
  std::vector<std::pair<std::string, std::string>> flags;
  if (auto err = parse_flags(static_cast<int>(rest_argv.size()), rest_argv.data(), 0,
                             {"email", "data-dir"}, flags))
    return fail(*err + "\n" + kUsage);
  for (auto& [k, v] : flags) {
    if (k == "email") email = v;
    else if (k == "data-dir") data_dir = v;
  }
  if (email.empty()) return fail("create-organizer needs --email");
  std::string password;
  if (password_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = api::generate_password(24);
  }
  auto database = store::SqliteStore::open(data_dir);
  if (!database) return fail(database.error());
  auto organizer = api::create_organizer(**database, email, password);
  if (!organizer) return fail(organizer.error());
  if (password_stdin) {
    std::printf("organizer %s created\n", organizer->email.c_str());
  } else {
    std::printf("organizer %s created; one-time password (shown only now):\n%s\n",
                organizer->email.c_str(), password.c_str());
  }
  return 0;
}

volatile std::sig_atomic_t g_signal = 0;

int run_serve(int argc, char** argv) {
  std::vector<std::pair<std::string, std::string>> flags;
  if (auto err = parse_flags(argc, argv, 2,
                             {"config", "http", "udp", "tcp", "announce", "workers", "data-dir",
                              "web-root", "log-level", "worker-sessions-before-spread", "udp-gso"},
                             flags))
    return fail(*err + "\n" + kUsage);
  ServeConfig config;
  for (auto& [k, v] : flags) {
    if (k != "config") continue;
    auto loaded = load_config_file(v, config);
    if (!loaded) return fail(loaded.error());
    config = *loaded;
  }
  for (auto& [k, v] : flags) {
    if (k == "http") config.http = v;
    else if (k == "udp") config.udp = v;
    else if (k == "tcp") config.tcp = v;
    else if (k == "announce") config.announce = v;
    else if (k == "data-dir") config.data_dir = v;
    else if (k == "web-root") config.web_root = v;
    else if (k == "log-level") config.log_level = v;
    else if (k == "udp-gso") config.udp_gso = v;
    else if (k == "workers") {
      if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(v) < 1)
        return fail(fmt::format("--workers '{}' must be an integer between 1 and 256", v));
      config.workers = std::stoi(v);
    } else if (k == "worker-sessions-before-spread") {
      if (v.empty() || v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(v) > 1000000)
        return fail(fmt::format("--worker-sessions-before-spread '{}' must be an integer between 0 and 1000000", v));
      config.worker_sessions_before_spread = std::stoi(v);
    }
  }
  if (config.workers == 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
  if (auto ok = validate(config); !ok) return fail(ok.error());
  if (config.web_root.empty()) config.web_root = PODIUM_DEFAULT_WEB_ROOT;

  log::Level level;
  log::parse_level(config.log_level, level);
  log::set_level(level);

  auto key = api::load_or_create_server_key(config.data_dir);
  if (!key) return fail(key.error());

  sfu::MediaServerConfig media_config;
  std::string http_host, udp_host;
  std::uint16_t http_port = 0, udp_port = 0;
  split_host_port(config.http, http_host, http_port);
  split_host_port(config.udp, udp_host, udp_port);
  media_config.udp_address = udp_host;
  media_config.udp_port = udp_port;
  media_config.announce_address = config.announce;
  media_config.tcp_enabled = config.tcp != "off";
  if (media_config.tcp_enabled && !config.tcp.empty()) {
    std::string tcp_host;
    std::uint16_t tcp_port = 0;
    split_host_port(config.tcp, tcp_host, tcp_port);
    media_config.tcp_address = tcp_host;
    media_config.tcp_port = tcp_port;
  }
  media_config.workers = config.workers;
  media_config.worker_sessions_before_spread = config.worker_sessions_before_spread;
  media_config.udp_gso = config.udp_gso == "on";

  api::ServerConfig server_config;
  server_config.address = http_host;
  server_config.port = http_port;
  server_config.web_root = config.web_root;
  // The browser app as `make` builds it; `--web-root` points the test page elsewhere.
  server_config.app_root = PODIUM_DEFAULT_APP_ROOT;
  server_config.key = *key;
  server_config.data_dir = config.data_dir;

  // The REST API's conferences, accounts and invitations (docs/store.md).
  auto database = store::SqliteStore::open(config.data_dir);
  if (!database) return fail(database.error());
  server_config.store = database->get();

  try {
    // The media plane reports to the server through the sink (built first: each needs
    // the other at construction).
    api::MediaEventSink sink;
    sfu::MediaServer media(media_config, sink.events());
    media.start();
    api::Server service(server_config, media, &sink);
    service.start();
    std::signal(SIGINT, [](int s) { g_signal = s; });
    std::signal(SIGTERM, [](int s) { g_signal = s; });
    std::signal(SIGPIPE, SIG_IGN);
    std::string host = http_host.find(':') != std::string::npos ? "[" + http_host + "]" : http_host;
    std::printf("Podium is serving on http://%s:%u/ (media on udp %s, %d workers)\n", host.c_str(),
                service.port(), config.udp.c_str(), config.workers);
    std::fflush(stdout);
    std::thread waiter([&] {
      while (!g_signal) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      log::info("app", "signal {} received, shutting down", static_cast<int>(g_signal));
      service.stop();
    });
    service.run();
    g_signal = g_signal ? g_signal : SIGTERM;
    waiter.join();
    media.stop();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}

}  // namespace
}  // namespace podium::app

int main(int argc, char** argv) {
  using namespace podium::app;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  if (command == "serve") return run_serve(argc, argv);
  if (command == "token") return run_token(argc, argv);
  if (command == "admin") {
    if (argc >= 3 && std::string(argv[2]) == "create-organizer") return run_create_organizer(argc, argv);
    return fail(fmt::format("unknown admin command\n{}", kUsage));
  }
  if (command == "version" || command == "--version") {
    std::puts("podium 0.1.0");
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return fail(fmt::format("unknown command '{}'\n{}", command, kUsage));
}
