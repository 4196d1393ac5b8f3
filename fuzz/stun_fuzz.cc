// STUN parser, integrity/fingerprint checks and the ICE-lite agent on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ice/ice_lite_server.h"
#include "ice/stun_message.h"
#include "ice/stun_writer.h"

using namespace podium;
using namespace podium::ice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes input(data, size);
  (void)looks_like_stun(input);
  (void)stun_username(input);
  (void)verify_message_integrity(input, std::string_view("VOkJxbRl1RmTxUk/WvJxBt"));
  (void)verify_fingerprint(input);

  if (auto message = StunMessage::parse(input)) {
    std::size_t total = 0;
    for (const StunAttribute& attribute : message->attributes()) {
      // Every attribute value must lie inside the datagram.
      if (attribute.value.data() < data ||
          attribute.value.data() + attribute.value.size() > data + size) {
        std::abort();
      }
      total += 4 + ((attribute.value.size() + 3) & ~std::size_t{3});
    }
    if (total != message->length()) std::abort();
    (void)message->username();
    (void)message->message_integrity();
    (void)message->fingerprint();
    (void)message->priority();
    (void)message->use_candidate();
    (void)message->ice_controlling();
    (void)message->ice_controlled();
    (void)message->error_code();
    (void)message->software();
    (void)message->mapped_address();
    if (auto address = message->xor_mapped_address()) {
      // Round trip: re-encoding the address under the same transaction ID decodes equal.
      StunWriter writer(StunClass::kSuccessResponse, stun::kMethodBinding,
                        message->transaction_id());
      writer.add_xor_mapped_address(*address).add_fingerprint();
      auto again = StunMessage::parse(writer.bytes());
      if (!again || again->xor_mapped_address() != address) std::abort();
      if (!verify_fingerprint(writer.bytes())) std::abort();
    }
  }

  // The RFC 5769 §2.1 credentials, so the seed request passes authentication and the
  // fuzzer can reach the nomination and role-conflict paths.
  IceLiteServer server("evtj", "VOkJxbRl1RmTxUk/WvJxBt", 0x8000000000000000ULL);
  const auto from = TransportAddress::ipv4({192, 0, 2, 1}, 32853);
  auto outcome = server.handle_request(input, from, TimePoint{});
  if (!outcome.response.empty() && !StunMessage::parse(outcome.response)) std::abort();
  if (outcome.valid && !outcome.response.empty() && server.selected() != from) std::abort();
  return 0;
}
