#include "ice/connectivity_check.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ice/stun_writer.h"

namespace podium::ice {

std::vector<std::uint8_t> make_binding_request(std::string_view remote_ufrag,
                                               std::string_view local_ufrag,
                                               std::string_view remote_pwd,
                                               std::uint64_t tie_breaker, std::uint32_t priority,
                                               bool use_candidate,
                                               const TransactionId& transaction_id) {
  std::string username;
  username.reserve(remote_ufrag.size() + 1 + local_ufrag.size());
  username.append(remote_ufrag).append(":").append(local_ufrag);
  StunWriter writer(StunClass::kRequest, stun::kMethodBinding, transaction_id);
  writer.add_username(username).add_priority(priority).add_ice_controlling(tie_breaker);
  if (use_candidate) writer.add_use_candidate();
  writer.add_message_integrity(remote_pwd).add_fingerprint();
  return std::move(writer).take();
}

bool is_success_response_for(Bytes response, const TransactionId& transaction_id,
                             std::string_view remote_pwd) {
  auto message = StunMessage::parse(response);
  if (!message) return false;
  if (message->message_class() != StunClass::kSuccessResponse ||
      message->method() != stun::kMethodBinding) {
    return false;
  }
  if (!std::ranges::equal(message->transaction_id_bytes(), transaction_id)) return false;
  if (message->fingerprint_offset() && !verify_fingerprint(response)) return false;
  return verify_message_integrity(response, remote_pwd);
}

TransactionId random_transaction_id() {
  TransactionId id;
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return id;
}

}  // namespace podium::ice
