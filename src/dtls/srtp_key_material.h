// What DTLS-SRTP hands to the SRTP layer after the handshake (RFC 5764 §4.2).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace podium::dtls {

// RFC 5764 §4.1.2 and RFC 7714 §14.2 protection profiles we offer.
enum class SrtpProfile { kAeadAes128Gcm, kAes128CmSha1_80, kAeadAes256Gcm, kAes128CmSha1_32 };

// The protection profiles a DtlsTransport offers (client) or accepts (server), in
// Podium's order of preference: AES-128-GCM, AES-256-GCM, AES-CM with an 80-bit tag,
// AES-CM with a 32-bit tag.
const std::vector<SrtpProfile>& default_srtp_profiles();

// The RFC 5764 §4.1.2 / RFC 7714 §14.2 name, e.g. "SRTP_AEAD_AES_256_GCM".
std::string_view to_string(SrtpProfile profile);

// "local" is what this side protects its outgoing packets with; "remote" unprotects
// what the peer sends.
struct SrtpKeyMaterial {
  SrtpProfile profile = SrtpProfile::kAeadAes128Gcm;
  std::vector<std::uint8_t> local_key;
  std::vector<std::uint8_t> local_salt;
  std::vector<std::uint8_t> remote_key;
  std::vector<std::uint8_t> remote_salt;
};

}  // namespace podium::dtls
