#include "app/config.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace podium::app {
namespace {

// The files the tests wrote, removed when the test binary exits.
struct WrittenFiles {
  std::vector<std::string> paths;
  ~WrittenFiles() {
    for (const auto& path : paths) std::remove(path.c_str());
  }
};
WrittenFiles written;

std::string write_file(const std::string& text) {
  std::string path = ::testing::TempDir() + "podium-config-" + std::to_string(written.paths.size()) + ".toml";
  std::ofstream(path) << text;
  written.paths.push_back(path);
  return path;
}

TEST(Config, FileSettingsApplyOverDefaults) {
  auto path = write_file("http = \"127.0.0.1:9000\"\nworkers = 3\nannounce = \"10.0.0.1\"\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->http, "127.0.0.1:9000");
  EXPECT_EQ(config->workers, 3);
  EXPECT_EQ(config->announce, "10.0.0.1");
  EXPECT_EQ(config->udp, "127.0.0.1:40000");
}

TEST(Config, BadValueNamesFileLineAndReason) {
  auto path = write_file("http = \"127.0.0.1:9000\"\n\nworkers = \"many\"\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), path + ":3: workers must be an integer between 1 and 256");
}

TEST(Config, BadAddressNamesTheLine) {
  auto path = write_file("udp = \"localhost\"\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find(path + ":1: udp: 'localhost' is not an IP:PORT address"), std::string::npos)
      << config.error();
}

TEST(Config, UnknownKeyIsAnError) {
  auto path = write_file("wrokers = 2\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), path + ":1: unknown setting 'wrokers'");
}

TEST(Config, SyntaxErrorNamesTheLine) {
  auto path = write_file("http = \"127.0.0.1:9000\"\nworkers = = 2\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().rfind(path + ":2: ", 0), 0u) << config.error();
}

TEST(Config, MissingFileIsAnError) {
  auto config = load_config_file("/nonexistent/podium.toml", ServeConfig{});
  EXPECT_FALSE(config);
}

TEST(Config, HostPortSplitting) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(split_host_port("[::1]:8080", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(split_host_port("127.0.0.1", host, port));
  EXPECT_FALSE(split_host_port("127.0.0.1:99999", host, port));
  EXPECT_FALSE(split_host_port(":80", host, port));
}

TEST(Config, ValidateRejectsBadLogLevel) {
  ServeConfig config;
  config.log_level = "loud";
  auto ok = validate(config);
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().find("log_level"), std::string::npos);
}

TEST(Config, TcpIsAnAddressOrOff) {
  auto path = write_file("tcp = \"127.0.0.1:443\"\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->tcp, "127.0.0.1:443");
  ServeConfig off;
  off.tcp = "off";
  EXPECT_TRUE(validate(off));
  ServeConfig bad;
  bad.tcp = "somewhere:1";
  auto result = validate(bad);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find("tcp: 'somewhere:1'"), std::string::npos) << result.error();
  bad.tcp = "127.0.0.1:0";
  EXPECT_FALSE(validate(bad));
}

TEST(Config, UdpGsoIsOnOrOff) {
  EXPECT_EQ(ServeConfig{}.udp_gso, "on");
  auto path = write_file("udp_gso = \"off\"\n");
  auto config = load_config_file(path, ServeConfig{});
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->udp_gso, "off");
  auto bad = write_file("workers = 2\nudp_gso = \"yes\"\n");
  auto refused = load_config_file(bad, ServeConfig{});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), bad + ":2: udp_gso: 'yes' must be on or off");
}

}  // namespace
}  // namespace podium::app
