// STUN message view (RFC 5389, RFC 8489): a parsed header and bounds-checked attribute
// walk over the received datagram. Nothing is copied; the view must not outlive the
// buffer it was parsed from.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

#include "ice/transport_address.h"
#include "util/bytes.h"
#include "util/result.h"

namespace podium::ice {

namespace stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;  // RFC 5389 §6
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kAttributeHeaderSize = 4;
inline constexpr std::uint16_t kMethodBinding = 0x001;

// Attribute types (RFC 5389 §18.2, RFC 8445 §16.1, RFC 8489 §18.3).
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;
inline constexpr std::uint16_t kRealm = 0x0014;
inline constexpr std::uint16_t kNonce = 0x0015;
inline constexpr std::uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr std::uint16_t kPasswordAlgorithm = 0x001D;
inline constexpr std::uint16_t kUserhash = 0x001E;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kPriority = 0x0024;
inline constexpr std::uint16_t kUseCandidate = 0x0025;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kFingerprint = 0x8028;
inline constexpr std::uint16_t kIceControlled = 0x8029;
inline constexpr std::uint16_t kIceControlling = 0x802A;

// RFC 5389 §15.5
inline constexpr std::uint32_t kFingerprintXor = 0x5354554E;

// RFC 5389 §18.2: 0x0000-0x7FFF are comprehension-required.
constexpr bool is_comprehension_required(std::uint16_t type) { return type < 0x8000; }

}  // namespace stun

// RFC 5389 §6: the two class bits C1 C0 of the message type.
enum class StunClass : std::uint8_t {
  kRequest = 0,
  kIndication = 1,
  kSuccessResponse = 2,
  kErrorResponse = 3,
};

using TransactionId = std::array<std::uint8_t, 12>;

// RFC 5389 §6: the 14-bit type interleaves the 12-bit method with the two class bits
// (M11..M7 C1 M6..M4 C0 M3..M0).
constexpr std::uint16_t stun_message_type(StunClass cls, std::uint16_t method) {
  const auto c = static_cast<std::uint16_t>(cls);
  return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                                    ((method & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
}

struct StunAttribute {
  std::uint16_t type = 0;
  Bytes value;             // without padding
  std::size_t offset = 0;  // of the attribute header within the message
};

// RFC 5389 §15.6
struct StunErrorCode {
  int code = 0;  // class * 100 + number, e.g. 401
  std::string_view reason;
};

// Walks attributes that parse() has already checked to fit.
class StunAttributeIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = StunAttribute;
  using difference_type = std::ptrdiff_t;
  using pointer = const StunAttribute*;
  using reference = const StunAttribute&;

  StunAttributeIterator() = default;
  StunAttributeIterator(Bytes message, std::size_t offset);
  reference operator*() const { return current_; }
  pointer operator->() const { return &current_; }
  StunAttributeIterator& operator++();
  StunAttributeIterator operator++(int) {
    auto copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const StunAttributeIterator& other) const { return offset_ == other.offset_; }

 private:
  void load();
  Bytes message_;
  std::size_t offset_ = 0;
  StunAttribute current_;
};

class StunAttributeRange {
 public:
  StunAttributeRange(StunAttributeIterator begin, StunAttributeIterator end)
      : begin_(begin), end_(end) {}
  StunAttributeIterator begin() const { return begin_; }
  StunAttributeIterator end() const { return end_; }

 private:
  StunAttributeIterator begin_;
  StunAttributeIterator end_;
};

class StunMessage {
 public:
  // RFC 5389 §6, §15: rejects a first byte with the top two bits set, a length that is
  // not a multiple of 4 or does not match the datagram, a wrong magic cookie, an attribute
  // running past the end, and a FINGERPRINT that is not the last attribute (§15.5).
  static Result<StunMessage> parse(Bytes datagram);

  Bytes bytes() const { return data_; }
  std::uint16_t type() const { return load_u16(data_.data()) & 0x3FFF; }
  StunClass message_class() const;
  std::uint16_t method() const;
  bool is_binding_request() const;
  // Body length from the header, i.e. size of all attributes.
  std::uint16_t length() const { return load_u16(data_.data() + 2); }
  TransactionId transaction_id() const;
  Bytes transaction_id_bytes() const { return data_.subspan(8, 12); }

  // Every attribute in wire order, including any after MESSAGE-INTEGRITY.
  StunAttributeRange attributes() const;

  // First attribute of `type` that counts: RFC 5389 §15.4 says attributes after
  // MESSAGE-INTEGRITY other than FINGERPRINT are ignored, so they are not found.
  std::optional<StunAttribute> find(std::uint16_t type) const;

  std::optional<std::string_view> username() const;
  std::optional<std::string_view> software() const;
  std::optional<std::string_view> realm() const;
  std::optional<std::string_view> nonce() const;
  // The 20-byte HMAC, or nullopt if absent or of the wrong size.
  std::optional<Bytes> message_integrity() const;
  std::optional<std::uint32_t> fingerprint() const;
  // Offset of the MESSAGE-INTEGRITY / FINGERPRINT attribute header, if present.
  std::optional<std::size_t> message_integrity_offset() const;
  std::optional<std::size_t> fingerprint_offset() const;
  std::optional<TransportAddress> xor_mapped_address() const;
  std::optional<TransportAddress> mapped_address() const;
  std::optional<std::uint32_t> priority() const;
  bool use_candidate() const;
  std::optional<std::uint64_t> ice_controlling() const;
  std::optional<std::uint64_t> ice_controlled() const;
  std::optional<StunErrorCode> error_code() const;

 private:
  explicit StunMessage(Bytes data) : data_(data) {}
  std::optional<std::string_view> string_attribute(std::uint16_t type) const;
  std::optional<std::uint64_t> u64_attribute(std::uint16_t type) const;

  Bytes data_;
  std::size_t integrity_offset_ = 0;  // 0 = absent
  std::size_t fingerprint_offset_ = 0;
  std::size_t counted_end_ = 0;  // end of the attributes find() looks at
};

// RFC 5389 §15.4: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header
// length adjusted to end just after MESSAGE-INTEGRITY. The key is the short-term password
// (RFC 8445 §7.2.2) or long_term_key(). False if unparsable or the attribute is missing.
bool verify_message_integrity(Bytes message, Bytes key);
bool verify_message_integrity(Bytes message, std::string_view key);
bool verify_message_integrity(const StunMessage& message, Bytes key);
// RFC 5389 §15.5: CRC-32 of the message up to FINGERPRINT, XOR 0x5354554e. False if
// unparsable or absent.
bool verify_fingerprint(Bytes message);
bool verify_fingerprint(const StunMessage& message);

// RFC 7983 §7: first byte 0..3 and (RFC 5389 §6) the magic cookie in place. Cheap enough
// to run on every datagram of a shared port.
bool looks_like_stun(Bytes datagram);
// USERNAME of a STUN datagram, for demultiplexing a shared port by ICE ufrag.
std::optional<std::string_view> stun_username(Bytes datagram);

}  // namespace podium::ice
