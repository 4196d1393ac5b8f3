#include "ice/stun_message.h"

#include <openssl/crypto.h>

#include "ice/stun_integrity.h"

namespace podium::ice {
namespace {

constexpr std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

// RFC 5389 §15.1 / §15.2: family (1 = IPv4, 2 = IPv6), port, address; the XOR variant
// masks the port with the top half of the cookie and the address with cookie || id.
std::optional<TransportAddress> decode_address(Bytes value, Bytes transaction_id, bool xored) {
  if (value.size() < 4) return std::nullopt;
  const std::uint8_t family = value[1];
  std::uint16_t port = load_u16(value.data() + 2);
  std::array<std::uint8_t, 16> mask{};
  store_u32(mask.data(), stun::kMagicCookie);
  for (std::size_t i = 0; i < 12; ++i) mask[4 + i] = transaction_id[i];
  if (xored) port ^= static_cast<std::uint16_t>(stun::kMagicCookie >> 16);
  TransportAddress out;
  out.port = port;
  std::size_t size;
  if (family == 0x01 && value.size() == 8) {
    out.family = 4;
    size = 4;
  } else if (family == 0x02 && value.size() == 20) {
    out.family = 6;
    size = 16;
  } else {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < size; ++i) {
    out.ip[i] = static_cast<std::uint8_t>(value[4 + i] ^ (xored ? mask[i] : 0));
  }
  return out;
}

}  // namespace

StunAttributeIterator::StunAttributeIterator(Bytes message, std::size_t offset)
    : message_(message), offset_(offset) {
  load();
}

void StunAttributeIterator::load() {
  if (offset_ + stun::kAttributeHeaderSize > message_.size()) return;
  current_.type = load_u16(message_.data() + offset_);
  const std::size_t length = load_u16(message_.data() + offset_ + 2);
  current_.value = message_.subspan(offset_ + stun::kAttributeHeaderSize, length);
  current_.offset = offset_;
}

StunAttributeIterator& StunAttributeIterator::operator++() {
  offset_ += stun::kAttributeHeaderSize + padded(current_.value.size());
  load();
  return *this;
}

Result<StunMessage> StunMessage::parse(Bytes datagram) {
  if (datagram.size() < stun::kHeaderSize) return Error{"shorter than a STUN header"};
  if ((datagram[0] & 0xC0) != 0) return Error{"top two bits of the type are not zero"};
  const std::size_t length = load_u16(datagram.data() + 2);
  if (length % 4 != 0) return Error{"length is not a multiple of 4"};
  if (length + stun::kHeaderSize != datagram.size()) {
    return Error{"length does not match the datagram"};
  }
  if (load_u32(datagram.data() + 4) != stun::kMagicCookie) return Error{"bad magic cookie"};

  StunMessage message(datagram);
  message.counted_end_ = datagram.size();
  std::size_t offset = stun::kHeaderSize;
  while (offset < datagram.size()) {
    if (message.fingerprint_offset_ != 0) return Error{"attribute after FINGERPRINT"};
    if (datagram.size() - offset < stun::kAttributeHeaderSize) {
      return Error{"truncated attribute header"};
    }
    const std::uint16_t type = load_u16(datagram.data() + offset);
    const std::size_t value_length = load_u16(datagram.data() + offset + 2);
    const std::size_t next = offset + stun::kAttributeHeaderSize + padded(value_length);
    if (next > datagram.size()) return Error{"truncated attribute"};
    if (type == stun::kMessageIntegrity && message.integrity_offset_ == 0) {
      message.integrity_offset_ = offset;
      message.counted_end_ = next;
    } else if (type == stun::kFingerprint) {
      message.fingerprint_offset_ = offset;
    }
    offset = next;
  }
  return message;
}

StunClass StunMessage::message_class() const {
  const std::uint16_t t = type();
  return static_cast<StunClass>(((t >> 4) & 1) | ((t >> 7) & 2));
}

std::uint16_t StunMessage::method() const {
  const std::uint16_t t = type();
  return static_cast<std::uint16_t>((t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80));
}

bool StunMessage::is_binding_request() const {
  return message_class() == StunClass::kRequest && method() == stun::kMethodBinding;
}

TransactionId StunMessage::transaction_id() const {
  TransactionId id;
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = data_[8 + i];
  return id;
}

StunAttributeRange StunMessage::attributes() const {
  return {StunAttributeIterator(data_, stun::kHeaderSize),
          StunAttributeIterator(data_, data_.size())};
}

std::optional<StunAttribute> StunMessage::find(std::uint16_t type) const {
  if (type == stun::kFingerprint) {
    if (fingerprint_offset_ == 0) return std::nullopt;
    return *StunAttributeIterator(data_, fingerprint_offset_);
  }
  for (StunAttributeIterator it(data_, stun::kHeaderSize), end(data_, counted_end_); it != end;
       ++it) {
    if (it->type == type) return *it;
  }
  return std::nullopt;
}

std::optional<std::string_view> StunMessage::string_attribute(std::uint16_t type) const {
  auto attribute = find(type);
  if (!attribute) return std::nullopt;
  return as_string_view(attribute->value);
}

std::optional<std::uint64_t> StunMessage::u64_attribute(std::uint16_t type) const {
  auto attribute = find(type);
  if (!attribute || attribute->value.size() != 8) return std::nullopt;
  return load_u64(attribute->value.data());
}

std::optional<std::string_view> StunMessage::username() const {
  return string_attribute(stun::kUsername);
}
std::optional<std::string_view> StunMessage::software() const {
  return string_attribute(stun::kSoftware);
}
std::optional<std::string_view> StunMessage::realm() const {
  return string_attribute(stun::kRealm);
}
std::optional<std::string_view> StunMessage::nonce() const {
  return string_attribute(stun::kNonce);
}

std::optional<Bytes> StunMessage::message_integrity() const {
  if (integrity_offset_ == 0) return std::nullopt;
  Bytes value = StunAttributeIterator(data_, integrity_offset_)->value;
  if (value.size() != kHmacSha1Size) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> StunMessage::fingerprint() const {
  if (fingerprint_offset_ == 0) return std::nullopt;
  Bytes value = StunAttributeIterator(data_, fingerprint_offset_)->value;
  if (value.size() != 4) return std::nullopt;
  return load_u32(value.data());
}

std::optional<std::size_t> StunMessage::message_integrity_offset() const {
  if (integrity_offset_ == 0) return std::nullopt;
  return integrity_offset_;
}

std::optional<std::size_t> StunMessage::fingerprint_offset() const {
  if (fingerprint_offset_ == 0) return std::nullopt;
  return fingerprint_offset_;
}

std::optional<TransportAddress> StunMessage::xor_mapped_address() const {
  auto attribute = find(stun::kXorMappedAddress);
  if (!attribute) return std::nullopt;
  return decode_address(attribute->value, transaction_id_bytes(), true);
}

std::optional<TransportAddress> StunMessage::mapped_address() const {
  auto attribute = find(stun::kMappedAddress);
  if (!attribute) return std::nullopt;
  return decode_address(attribute->value, transaction_id_bytes(), false);
}

std::optional<std::uint32_t> StunMessage::priority() const {
  auto attribute = find(stun::kPriority);
  if (!attribute || attribute->value.size() != 4) return std::nullopt;
  return load_u32(attribute->value.data());
}

bool StunMessage::use_candidate() const { return find(stun::kUseCandidate).has_value(); }

std::optional<std::uint64_t> StunMessage::ice_controlling() const {
  return u64_attribute(stun::kIceControlling);
}

std::optional<std::uint64_t> StunMessage::ice_controlled() const {
  return u64_attribute(stun::kIceControlled);
}

std::optional<StunErrorCode> StunMessage::error_code() const {
  auto attribute = find(stun::kErrorCode);
  if (!attribute || attribute->value.size() < 4) return std::nullopt;
  Bytes v = attribute->value;
  // RFC 5389 §15.6: class in the low 3 bits of byte 2 (3..6), number 0..99 in byte 3.
  const int error_class = v[2] & 0x07;
  const int number = v[3];
  if (error_class < 3 || error_class > 6 || number > 99) return std::nullopt;
  return StunErrorCode{error_class * 100 + number, as_string_view(v.subspan(4))};
}

bool verify_message_integrity(const StunMessage& parsed, Bytes key) {
  auto expected = parsed.message_integrity();
  auto offset = parsed.message_integrity_offset();
  if (!expected || !offset) return false;
  const Bytes message = parsed.bytes();
  // §15.4: the length field counts up to and including MESSAGE-INTEGRITY, as if it were
  // the last attribute, even when FINGERPRINT follows.
  std::uint8_t length[2];
  store_u16(length, static_cast<std::uint16_t>(*offset - stun::kHeaderSize +
                                               stun::kAttributeHeaderSize + kHmacSha1Size));
  HmacSha1 actual;
  if (!hmac_sha1(key, {message.subspan(0, 2), Bytes(length, 2), message.subspan(4, *offset - 4)},
                 actual)) {
    return false;
  }
  return CRYPTO_memcmp(actual.data(), expected->data(), kHmacSha1Size) == 0;
}

bool verify_message_integrity(Bytes message, Bytes key) {
  auto parsed = StunMessage::parse(message);
  return parsed && verify_message_integrity(*parsed, key);
}

bool verify_message_integrity(Bytes message, std::string_view key) {
  return verify_message_integrity(message, as_bytes(key));
}

bool verify_fingerprint(const StunMessage& parsed) {
  auto expected = parsed.fingerprint();
  auto offset = parsed.fingerprint_offset();
  if (!expected || !offset) return false;
  // parse() guarantees FINGERPRINT is last, so the header length already covers it.
  return (crc32(parsed.bytes().first(*offset)) ^ stun::kFingerprintXor) == *expected;
}

bool verify_fingerprint(Bytes message) {
  auto parsed = StunMessage::parse(message);
  return parsed && verify_fingerprint(*parsed);
}

bool looks_like_stun(Bytes datagram) {
  return datagram.size() >= stun::kHeaderSize && datagram[0] <= 3 &&
         load_u32(datagram.data() + 4) == stun::kMagicCookie;
}

std::optional<std::string_view> stun_username(Bytes datagram) {
  if (!looks_like_stun(datagram)) return std::nullopt;
  auto message = StunMessage::parse(datagram);
  if (!message) return std::nullopt;
  return message->username();
}

}  // namespace podium::ice
