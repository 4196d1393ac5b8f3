// The two checksums STUN carries: MESSAGE-INTEGRITY (HMAC-SHA1, RFC 5389 §15.4) and
// FINGERPRINT (CRC-32, RFC 5389 §15.5), plus the long-term key derivation of §15.4.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "util/bytes.h"

namespace podium::ice {

inline constexpr std::size_t kHmacSha1Size = 20;
using HmacSha1 = std::array<std::uint8_t, kHmacSha1Size>;

// CRC-32 as in ISO 3309 / ITU-T V.42 (the zlib/Ethernet one), which §15.5 names.
// `crc` continues a previous computation; start with 0.
std::uint32_t crc32(Bytes data, std::uint32_t crc = 0);

// HMAC-SHA1 of the concatenation of `parts`, so a caller can patch a header field
// without copying the message. Returns false only if OpenSSL fails.
bool hmac_sha1(Bytes key, std::initializer_list<Bytes> parts, HmacSha1& out);

// RFC 5389 §15.4 long-term credentials: key = MD5(username ":" realm ":" SASLprep(password)).
// The caller passes the password already prepared (SASLprep is not implemented here).
std::array<std::uint8_t, 16> long_term_key(std::string_view username, std::string_view realm,
                                           std::string_view password);

}  // namespace podium::ice
