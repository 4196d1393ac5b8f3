// What DTLS-SRTP hands to the SRTP layer after the handshake (RFC 5764 §4.2).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace podium::dtls {

// RFC 5764 §4.1.2 and RFC 7714 §14.2 protection profiles we offer.
enum class SrtpProfile { kAeadAes128Gcm, kAes128CmSha1_80 };

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
