// Builds a STUN message (RFC 5389 §6, §15) into a vector. Used for ICE responses and
// checks, a few per second per peer, so the allocation is acceptable.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ice/stun_message.h"
#include "ice/transport_address.h"
#include "util/bytes.h"

namespace podium::ice {

class StunWriter {
 public:
  StunWriter(StunClass cls, std::uint16_t method, const TransactionId& transaction_id);

  // Appends a TLV with zero padding to a multiple of 4 (§15). Values longer than 65535
  // bytes are truncated. Must not be called after add_message_integrity() or
  // add_fingerprint(): §15.4 and §15.5 say those come last.
  StunWriter& add(std::uint16_t type, Bytes value);
  StunWriter& add_string(std::uint16_t type, std::string_view value);
  StunWriter& add_username(std::string_view username);
  StunWriter& add_software(std::string_view software);
  StunWriter& add_xor_mapped_address(const TransportAddress& address);
  StunWriter& add_priority(std::uint32_t priority);
  StunWriter& add_use_candidate();
  StunWriter& add_ice_controlling(std::uint64_t tie_breaker);
  StunWriter& add_ice_controlled(std::uint64_t tie_breaker);
  StunWriter& add_error_code(int code, std::string_view reason);
  StunWriter& add_unknown_attributes(const std::vector<std::uint16_t>& types);

  // §15.4: HMAC-SHA1 over everything so far with the length counting this attribute.
  StunWriter& add_message_integrity(Bytes key);
  StunWriter& add_message_integrity(std::string_view key);
  // §15.5: CRC-32 XOR 0x5354554e over everything so far; always the last attribute.
  StunWriter& add_fingerprint();

  const std::vector<std::uint8_t>& bytes() const { return buffer_; }
  std::vector<std::uint8_t> take() && { return std::move(buffer_); }

 private:
  std::uint8_t* append_header(std::uint16_t type, std::size_t value_length);
  void set_length();

  std::vector<std::uint8_t> buffer_;
  bool integrity_added_ = false;
  bool fingerprint_added_ = false;
};

}  // namespace podium::ice
