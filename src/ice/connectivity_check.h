// The controlling side of an ICE connectivity check (RFC 8445 §7.2): build a Binding
// request and recognise its answer. For tests and the load-test tool; the server itself
// is ICE-lite and never sends checks.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ice/stun_message.h"
#include "util/bytes.h"

namespace podium::ice {

// RFC 8445 §7.2.2: USERNAME "<remote_ufrag>:<local_ufrag>", PRIORITY, ICE-CONTROLLING,
// optional USE-CANDIDATE, MESSAGE-INTEGRITY keyed with the remote password, FINGERPRINT.
std::vector<std::uint8_t> make_binding_request(std::string_view remote_ufrag,
                                               std::string_view local_ufrag,
                                               std::string_view remote_pwd,
                                               std::uint64_t tie_breaker, std::uint32_t priority,
                                               bool use_candidate,
                                               const TransactionId& transaction_id);

// RFC 8445 §7.2.5: a Binding success response to `transaction_id` whose
// MESSAGE-INTEGRITY verifies with the remote password (and FINGERPRINT, if present).
bool is_success_response_for(Bytes response, const TransactionId& transaction_id,
                             std::string_view remote_pwd);

// A fresh random transaction ID (RFC 5389 §6: uniformly random over 96 bits). Throws
// std::runtime_error if the OpenSSL random generator fails.
TransactionId random_transaction_id();

}  // namespace podium::ice
