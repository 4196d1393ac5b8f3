#include "ice/stun_writer.h"

#include <cassert>
#include <cstring>

#include "ice/stun_integrity.h"

namespace podium::ice {

StunWriter::StunWriter(StunClass cls, std::uint16_t method, const TransactionId& transaction_id) {
  buffer_.reserve(128);
  buffer_.resize(stun::kHeaderSize);
  store_u16(buffer_.data(), stun_message_type(cls, method));
  store_u32(buffer_.data() + 4, stun::kMagicCookie);
  std::memcpy(buffer_.data() + 8, transaction_id.data(), transaction_id.size());
}

void StunWriter::set_length() {
  store_u16(buffer_.data() + 2, static_cast<std::uint16_t>(buffer_.size() - stun::kHeaderSize));
}

std::uint8_t* StunWriter::append_header(std::uint16_t type, std::size_t value_length) {
  const std::size_t offset = buffer_.size();
  const std::size_t padded = (value_length + 3) & ~std::size_t{3};
  buffer_.resize(offset + stun::kAttributeHeaderSize + padded, 0);
  store_u16(buffer_.data() + offset, type);
  store_u16(buffer_.data() + offset + 2, static_cast<std::uint16_t>(value_length));
  set_length();
  return buffer_.data() + offset + stun::kAttributeHeaderSize;
}

StunWriter& StunWriter::add(std::uint16_t type, Bytes value) {
  assert(!fingerprint_added_);
  assert(!integrity_added_ || type == stun::kFingerprint);
  // Leave room for the header and the attributes that must follow.
  if (value.size() > 0xFFFF - 64) value = value.first(0xFFFF - 64);
  std::uint8_t* out = append_header(type, value.size());
  if (!value.empty()) std::memcpy(out, value.data(), value.size());
  return *this;
}

StunWriter& StunWriter::add_string(std::uint16_t type, std::string_view value) {
  return add(type, as_bytes(value));
}

StunWriter& StunWriter::add_username(std::string_view username) {
  return add_string(stun::kUsername, username);
}

StunWriter& StunWriter::add_software(std::string_view software) {
  return add_string(stun::kSoftware, software);
}

StunWriter& StunWriter::add_xor_mapped_address(const TransportAddress& address) {
  // RFC 5389 §15.2
  const bool v6 = address.family == 6;
  std::uint8_t value[20] = {};
  value[1] = v6 ? 0x02 : 0x01;
  store_u16(value + 2, static_cast<std::uint16_t>(address.port ^ (stun::kMagicCookie >> 16)));
  std::uint8_t mask[16];
  store_u32(mask, stun::kMagicCookie);
  std::memcpy(mask + 4, buffer_.data() + 8, 12);
  const std::size_t size = v6 ? 16 : 4;
  for (std::size_t i = 0; i < size; ++i) value[4 + i] = address.ip[i] ^ mask[i];
  return add(stun::kXorMappedAddress, Bytes(value, 4 + size));
}

StunWriter& StunWriter::add_priority(std::uint32_t priority) {
  std::uint8_t value[4];
  store_u32(value, priority);
  return add(stun::kPriority, value);
}

StunWriter& StunWriter::add_use_candidate() { return add(stun::kUseCandidate, {}); }

StunWriter& StunWriter::add_ice_controlling(std::uint64_t tie_breaker) {
  std::uint8_t value[8];
  store_u64(value, tie_breaker);
  return add(stun::kIceControlling, value);
}

StunWriter& StunWriter::add_ice_controlled(std::uint64_t tie_breaker) {
  std::uint8_t value[8];
  store_u64(value, tie_breaker);
  return add(stun::kIceControlled, value);
}

StunWriter& StunWriter::add_error_code(int code, std::string_view reason) {
  // RFC 5389 §15.6: 21 reserved bits, class (hundreds) in 3 bits, number in 8 bits.
  if (reason.size() > 763) reason = reason.substr(0, 763);  // §15.6: < 128 characters
  std::vector<std::uint8_t> value(4 + reason.size(), 0);
  value[2] = static_cast<std::uint8_t>((code / 100) & 0x07);
  value[3] = static_cast<std::uint8_t>(code % 100);
  if (!reason.empty()) std::memcpy(value.data() + 4, reason.data(), reason.size());
  return add(stun::kErrorCode, value);
}

StunWriter& StunWriter::add_unknown_attributes(const std::vector<std::uint16_t>& types) {
  // RFC 5389 §15.9: a list of 16-bit types.
  std::vector<std::uint8_t> value(types.size() * 2);
  for (std::size_t i = 0; i < types.size(); ++i) store_u16(value.data() + 2 * i, types[i]);
  return add(stun::kUnknownAttributes, value);
}

StunWriter& StunWriter::add_message_integrity(Bytes key) {
  assert(!integrity_added_ && !fingerprint_added_);
  const std::size_t offset = buffer_.size();
  // Writing the header first sets the length field to include this attribute, which is
  // exactly the adjusted length §15.4 asks the HMAC to cover.
  std::uint8_t* out = append_header(stun::kMessageIntegrity, kHmacSha1Size);
  HmacSha1 mac{};
  hmac_sha1(key, {Bytes(buffer_.data(), offset)}, mac);
  std::memcpy(out, mac.data(), mac.size());
  integrity_added_ = true;
  return *this;
}

StunWriter& StunWriter::add_message_integrity(std::string_view key) {
  return add_message_integrity(as_bytes(key));
}

StunWriter& StunWriter::add_fingerprint() {
  assert(!fingerprint_added_);
  const std::size_t offset = buffer_.size();
  std::uint8_t* out = append_header(stun::kFingerprint, 4);
  store_u32(out, crc32(Bytes(buffer_.data(), offset)) ^ stun::kFingerprintXor);
  fingerprint_added_ = true;
  return *this;
}

}  // namespace podium::ice
