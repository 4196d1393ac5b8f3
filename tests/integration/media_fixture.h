// A running MediaServer on loopback for integration tests, with the calls every test
// needs: open a session, negotiate an offer, read the metrics.
#pragma once

#include <future>
#include <map>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "sfu/media_server.h"
#include "tests/integration/test_peer.h"

namespace podium::testing {

class MediaFixture : public ::testing::Test {
 protected:
  // Each test file uses its own port range so files can run in parallel, below the
  // kernel's ephemeral range (32768-60999) so no client socket takes it first.
  explicit MediaFixture(std::uint16_t port, int workers = 1, sfu::MediaEvents events = {})
      : MediaFixture(config(port, workers), std::move(events)) {}
  explicit MediaFixture(sfu::MediaServerConfig config, sfu::MediaEvents events = {})
      : media_(std::move(config), std::move(events)) {
    media_.start();
  }
  ~MediaFixture() override { media_.stop(); }

  static sfu::MediaServerConfig config(std::uint16_t port, int workers) {
    sfu::MediaServerConfig c;
    c.udp_address = "127.0.0.1";
    c.udp_port = port;
    c.workers = workers;
    return c;
  }

  sfu::SessionId open(const std::string& conference, const std::string& participant, bool publish) {
    sfu::SessionOptions o;
    o.conference = conference;
    o.participant_id = participant;
    o.may_publish = publish;
    return media_.open_session(o);
  }

  sfu::NegotiateResult negotiate(sfu::SessionId id, std::string offer,
                                 std::map<std::string, std::string> subscriptions = {},
                                 bool stage = false) {
    std::promise<sfu::NegotiateResult> promise;
    sfu::NegotiateRequest request;
    request.sdp_offer = std::move(offer);
    request.subscriptions = std::move(subscriptions);
    request.stage = stage;
    media_.negotiate(id, request, [&](sfu::NegotiateResult r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  }

  // Opens a session, negotiates `sections` for `peer` (subscribing as `subscriptions`
  // says) and connects it. The answer; a failure is reported and leaves `ok` false.
  sfu::NegotiateResult join(TestPeer& peer, const std::string& conference, const std::string& participant,
                            bool publish, const std::vector<OfferSection>& sections,
                            std::map<std::string, std::string> subscriptions = {}) {
    auto answer = negotiate(open(conference, participant, publish), peer.make_offer(sections),
                            std::move(subscriptions));
    EXPECT_TRUE(answer.ok) << participant << ": " << answer.error;
    if (!answer.ok) return answer;
    const bool connected = peer.apply_answer(answer.sdp_answer) && peer.connect();
    EXPECT_TRUE(connected) << participant << " did not connect";
    answer.ok = connected;
    return answer;
  }

  // The first a=ssrc of an answer: the SSRC a subscriber receives on.
  static std::uint32_t answer_ssrc(const std::string& sdp) {
    std::smatch m;
    if (!std::regex_search(sdp, m, std::regex("a=ssrc:(\\d+) "))) return 0;
    return static_cast<std::uint32_t>(std::stoul(m[1]));
  }

  // A counter or gauge without labels from /metrics; ~0 when absent.
  std::uint64_t metric(const std::string& name) const {
    std::string text = media_.metrics_text();
    auto pos = text.find("\n" + name + " ");
    if (pos == std::string::npos) return ~0ULL;
    return std::stoull(text.substr(pos + name.size() + 2));
  }

  sfu::MediaServer media_;
};

}  // namespace podium::testing
