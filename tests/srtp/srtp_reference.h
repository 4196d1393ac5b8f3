// An independent, slow, obviously-correct SRTP/SRTCP sender written from the RFCs with
// OpenSSL primitives, to check libsrtp's output byte for byte. Test use only.
#pragma once

#include <cstdint>
#include <vector>

#include "util/bytes.h"

namespace podium::srtp::reference {

// RFC 3711 §4.3.1/§4.3.3 AES-CM PRF with key_derivation_rate 0. A 96-bit (GCM) master
// salt is zero-padded on the right to 112 bits, as libsrtp and RFC 7714 §11 do.
std::vector<std::uint8_t> derive(Bytes master_key, Bytes master_salt, std::uint8_t label,
                                 std::size_t length);

// Packets with a 12-byte RTP header (no CSRC, no extension), rollover counter `roc`.
std::vector<std::uint8_t> protect_rtp_cm(Bytes master_key, Bytes master_salt, Bytes rtp,
                                         std::uint32_t roc = 0);
std::vector<std::uint8_t> protect_rtp_gcm(Bytes master_key, Bytes master_salt, Bytes rtp,
                                          std::uint32_t roc = 0);
std::vector<std::uint8_t> protect_rtcp_cm(Bytes master_key, Bytes master_salt, Bytes rtcp,
                                          std::uint32_t index);
std::vector<std::uint8_t> protect_rtcp_gcm(Bytes master_key, Bytes master_salt, Bytes rtcp,
                                           std::uint32_t index);

}  // namespace podium::srtp::reference
