// Signaling messages come straight from browsers: parse arbitrary bytes, and check that an
// accepted offer's subscriptions survive being echoed back through the server builders.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/signaling.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = podium::api::parse_client_message(text);
  if (!message) {
    // The reason may quote client bytes; building the error reply must not throw.
    (void)podium::api::error_message(podium::api::ErrorCode::kBadRequest, message.error());
    return 0;
  }
  if (auto* offer = std::get_if<podium::api::OfferMessage>(&message.value())) {
    if (offer->sdp.empty()) __builtin_trap();  // the parser promised a non-empty sdp
    for (const auto& [mid, track] : offer->subscriptions) {
      (void)podium::api::track_removed_message(track);
      if (mid.empty() || track.empty()) __builtin_trap();
    }
  }
  return 0;
}
