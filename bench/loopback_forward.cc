// One publisher → N subscribers through a real MediaServer (one worker) on loopback:
// full ICE, DTLS, SRTP both ways. Reports the worker thread's CPU time per forwarded
// packet, read from /proc (the thread is named podium-w0).
//
//   taskset -c 1 build/bench/bench/loopback_forward [subscribers=20] [seconds=5] [pps=1000]
//
// Pin the whole process to one core with taskset for a per-core figure, or leave it
// free so the clients run beside the worker.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sfu/media_server.h"
#include "tests/integration/test_peer.h"
#include "util/log.h"

using namespace podium;

namespace {

// utime + stime of the named thread of this process, in seconds.
double thread_cpu_seconds(const std::string& name) {
  DIR* dir = opendir("/proc/self/task");
  double total = -1;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::string base = std::string("/proc/self/task/") + entry->d_name;
    std::ifstream comm(base + "/comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name) continue;
    std::ifstream stat(base + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    std::vector<std::string> values;
    while (fields >> field) values.push_back(field);
    // After the comm field: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    total = (std::stod(values[11]) + std::stod(values[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  closedir(dir);
  return total;
}

std::uint64_t metric(const std::string& text, const std::string& name) {
  auto pos = text.find("\n" + name + " ");
  return pos == std::string::npos ? 0 : std::stoull(text.substr(pos + name.size() + 2));
}

}  // namespace

int main(int argc, char** argv) {
  int subscribers = argc > 1 ? std::atoi(argv[1]) : 20;
  int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
  int pps = argc > 3 ? std::atoi(argv[3]) : 1000;
  log::set_level(log::Level::kWarn);

  sfu::MediaServerConfig config;
  config.udp_port = 21400;
  config.workers = 1;
  sfu::MediaServer media(config, {});
  media.start();

  auto negotiate = [&](sfu::SessionId id, std::string offer, std::map<std::string, std::string> subs) {
    std::promise<sfu::NegotiateResult> promise;
    sfu::NegotiateRequest request;
    request.sdp_offer = std::move(offer);
    request.subscriptions = std::move(subs);
    media.negotiate(id, request, [&](sfu::NegotiateResult r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  };

  testing::TestPeer publisher;
  auto pub_session = media.open_session({"bench", "publisher", "publisher", true});
  auto pub_answer = negotiate(pub_session, publisher.make_offer({{"video", "sendonly", 5555, "0"}}), {});
  if (!pub_answer.ok || !publisher.apply_answer(pub_answer.sdp_answer) || !publisher.connect()) {
    std::fprintf(stderr, "publisher failed: %s\n", pub_answer.error.c_str());
    return 1;
  }
  std::string track = pub_answer.published.at(0).id;
  std::vector<std::unique_ptr<testing::TestPeer>> subs;
  for (int i = 0; i < subscribers; ++i) {
    auto peer = std::make_unique<testing::TestPeer>();
    peer->keep_packets = false;
    auto id = media.open_session({"bench", "s" + std::to_string(i), "s", false});
    auto answer = negotiate(id, peer->make_offer({{"video", "recvonly", 0, "0"}}), {{"0", track}});
    if (!answer.ok || !peer->apply_answer(answer.sdp_answer) || !peer->connect()) {
      std::fprintf(stderr, "subscriber %d failed\n", i);
      return 1;
    }
    subs.push_back(std::move(peer));
  }

  const std::uint8_t key_header[] = {0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a};
  std::vector<std::uint8_t> key(1100, 0x55), delta(1100, 0x66);
  std::copy(std::begin(key_header), std::end(key_header), key.begin());
  delta[0] = 0x10;
  delta[1] = 0x00;
  delta[4] = 0x01;  // VP8 P bit: interframe
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  publisher.send_rtp(5555, 96, seq++, ts, key, true);
  for (auto& s : subs) s->pump(5);

  std::string before_metrics = media.metrics_text();
  double cpu_before = thread_cpu_seconds("podium-w0");
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::seconds(seconds);
  std::uint64_t sent = 0;
  auto interval = std::chrono::nanoseconds(1'000'000'000LL / pps);
  auto next = start;
  while (std::chrono::steady_clock::now() < end) {
    // Bursts of 10 (a video frame's packets), then drain the subscribers.
    for (int i = 0; i < 10; ++i) {
      publisher.send_rtp(5555, 96, seq++, ts, delta, i == 9);
      ++sent;
      next += interval;
    }
    ts += 3000;
    for (auto& s : subs) s->pump(0);
    std::this_thread::sleep_until(next);
  }
  for (int i = 0; i < 20; ++i)
    for (auto& s : subs) s->pump(1);
  double cpu = thread_cpu_seconds("podium-w0") - cpu_before;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string after_metrics = media.metrics_text();
  std::uint64_t forwarded = metric(after_metrics, "podium_rtp_packets_sent_total") -
                            metric(before_metrics, "podium_rtp_packets_sent_total");
  std::uint64_t received = 0;
  for (auto& s : subs) received += s->rtp_received;
  double us_per_packet = forwarded ? cpu * 1e6 / static_cast<double>(forwarded) : 0;
  std::printf("subscribers %d, published %llu packets (1100 B payload) in %.1f s\n", subscribers,
              static_cast<unsigned long long>(sent), wall);
  std::printf("forwarded %llu, received by clients %llu (%.2f%% loss)\n",
              static_cast<unsigned long long>(forwarded), static_cast<unsigned long long>(received),
              forwarded ? 100.0 * (1.0 - static_cast<double>(received) / static_cast<double>(sent * subscribers)) : 0.0);
  std::printf("worker CPU %.2f s = %.1f%% of one core; %.2f us per forwarded packet (%.0f packets/s per core)\n",
              cpu, 100.0 * cpu / wall, us_per_packet, us_per_packet > 0 ? 1e6 / us_per_packet : 0.0);
  media.stop();
  return 0;
}
