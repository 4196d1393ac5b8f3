// SDP parser, writer and answer builder on arbitrary offers. Properties checked:
// parse never crashes; what parses writes back to text that parses to the same model;
// any answer Podium builds parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "sdp/negotiate.h"
#include "sdp/session_description.h"

using namespace podium::sdp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto offer = parse(text);
  if (!offer) return 0;

  std::string written = write(offer.value());
  auto reparsed = parse(written);
  if (!reparsed) std::abort();
  if (!(reparsed.value() == offer.value())) std::abort();

  // The plan a conference would make: take what the peer sends, send what it wants.
  std::vector<SectionPlan> plans;
  std::uint32_t ssrc = 1000;
  for (const MediaDescription& m : offer->media) {
    SectionPlan plan;
    switch (m.direction) {
      case Direction::kSendOnly:
      case Direction::kSendRecv:
        plan.mode = SectionPlan::Mode::kReceive;
        break;
      case Direction::kRecvOnly:
        plan.mode = SectionPlan::Mode::kSend;
        plan.sender = LocalSender{ssrc++, "podium", "stage", "track"};
        break;
      case Direction::kInactive:
        plan.mode = SectionPlan::Mode::kInactive;
        break;
    }
    plans.push_back(std::move(plan));
  }
  AnswerOptions options;
  options.ice_ufrag = "fuzz";
  options.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
  options.fingerprint_sha256 = "00:11:22:33";
  options.candidates = {"candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host"};
  options.session_id = 1;
  options.session_version = 1;
  auto answer = build_answer(offer.value(), plans, options);
  if (answer) {
    auto answer_reparsed = parse(write(answer.value()));
    if (!answer_reparsed || !(answer_reparsed.value() == answer.value())) std::abort();
  }
  return 0;
}
